// `npx transfusion` at the repository root: the root package.json declares the bin, npm links it from
// @transfusion/cli, and it runs the built CLI.
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../../..');
const BIN = resolve(here, '../bin/transfusion.js');

const binOf = (pkg: string) =>
  (JSON.parse(readFileSync(resolve(ROOT, pkg), 'utf8')) as { bin?: Record<string, string> }).bin;

describe('the transfusion bin', () => {
  test('the root package and @transfusion/cli declare the same committed, executable script', () => {
    expect(resolve(ROOT, binOf('package.json')!['transfusion']!)).toBe(BIN);
    expect(resolve(ROOT, 'apps/cli', binOf('apps/cli/package.json')!['transfusion']!)).toBe(BIN);
    // tsc does not set the executable bit on dist/main.js; the script npm links must have it
    expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
  });

  test('npm linked it into node_modules/.bin', async () => {
    expect(realpathSync(resolve(ROOT, 'node_modules/.bin/transfusion'))).toBe(realpathSync(BIN));
    const r = await execa(resolve(ROOT, 'node_modules/.bin/transfusion'), ['--version'], { reject: false });
    expect([r.exitCode, r.stdout]).toEqual([0, 'transfusion 0.1.0']);
  });

  test('npx transfusion --help at the repository root lists every command', async () => {
    const r = await execa('npx', ['--offline', '--no-install', 'transfusion', '--help'], { cwd: ROOT, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: transfusion <command>/);
    for (const c of ['run', 'cca', 'data', 'models', 'study', 'report', 'bench'])
      expect(r.stdout).toContain(`\n  ${c} `);
    const unknown = await execa('npx', ['--offline', '--no-install', 'transfusion', 'frobnicate'], {
      cwd: ROOT,
      reject: false,
    });
    expect(unknown.exitCode).toBe(2);
  });
});
