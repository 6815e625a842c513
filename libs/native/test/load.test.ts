import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NativeError } from '../src/errors.js';
import { loadNative, nativeMode, requireNative, unavailableMessage } from '../src/load.js';
import { nativeExpected } from './expected.js';

const script = fileURLToPath(new URL('../scripts/build-native.mjs', import.meta.url));

describe('loadNative', () => {
  it('TRANSFUSION_NATIVE=0 disables the addon with a reason', () => {
    const r = loadNative({ TRANSFUSION_NATIVE: '0' });
    expect(r).toEqual({ available: false, reason: 'disabled by TRANSFUSION_NATIVE=0' });
    expect(() => requireNative({ TRANSFUSION_NATIVE: '0' })).toThrow(
      'native kernels unavailable: disabled by TRANSFUSION_NATIVE=0',
    );
  });

  it('rejects a bad TRANSFUSION_NATIVE value', () => {
    expect(() => nativeMode({ TRANSFUSION_NATIVE: 'yes' })).toThrow(NativeError);
    expect(() => loadNative({ TRANSFUSION_NATIVE: 'yes' })).toThrow('TRANSFUSION_NATIVE=yes: expected 0, 1 or auto');
    expect(nativeMode({})).toBe('auto');
    expect(nativeMode({ TRANSFUSION_NATIVE: '1' })).toBe('1');
  });

  it('loads the addon whenever a compiler and oneDNN are installed (CI installs them)', () => {
    const e = nativeExpected();
    const r = loadNative({});
    if (e.toolchain) {
      expect(e.status).toMatchObject({ ok: true });
      expect(r.available).toBe(true);
    }
    if (r.available) {
      expect(r.dnnlVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(process.env['OMP_WAIT_POLICY']).toBeDefined(); // set before libgomp was loaded (passive unless the user chose)
      expect(r.addon.info().threads).toBeGreaterThanOrEqual(1);
    } else {
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('formats the one-line notice', () => {
    expect(unavailableMessage('oneDNN headers not found')).toBe('native kernels unavailable: oneDNN headers not found');
  });
});

describe('build-native script', () => {
  it('names the missing prerequisite instead of failing (no compiler on PATH)', () => {
    const out = execFileSync(process.execPath, [script, '--check'], {
      env: { PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(out).toBe('native kernels unavailable: no C++ compiler (install g++, e.g. apt-get install g++)\n');
  });

  it('honours TRANSFUSION_NATIVE=0 at build time', () => {
    const out = execFileSync(process.execPath, [script, '--check'], {
      env: { ...process.env, TRANSFUSION_NATIVE: '0' },
      encoding: 'utf8',
    });
    expect(out).toBe('native kernels unavailable: disabled by TRANSFUSION_NATIVE=0 at build time\n');
  });

  it('finds the prerequisites on a machine that has them', () => {
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    if (nativeExpected().toolchain) expect(out).toBe('prerequisites found\n');
    else expect(out).toMatch(/^native kernels unavailable: /);
  });
});
