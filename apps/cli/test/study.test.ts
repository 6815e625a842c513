import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/commands/study.js';
import { captureIo } from './capture.js';

describe('transfusion study publish', () => {
  test('--help prints usage; no pipeline or an unknown flag is a usage error (2)', async () => {
    const a = captureIo();
    expect(await main(['publish', '--help'], a.io)).toBe(0);
    expect(a.out()).toMatch(/transfusion study publish <pipeline.yaml>/);
    const b = captureIo();
    expect(await main(['publish'], b.io)).toBe(2);
    expect(b.err()).toMatch(/expected one pipeline file/);
    const c = captureIo();
    expect(await main(['publish', 'x.yaml', '--bogus'], c.io)).toBe(2);
    const d = captureIo();
    expect(await main(['unpublish'], d.io)).toBe(2);
  });

  test('a pipeline that never ran in the store fails (1) and says to run it first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-publish-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      'stages:\n  a: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 10, size: 16 } } }\n',
    );
    const e = captureIo();
    expect(await main(['publish', join(dir, 'p.yaml'), '--store', join(dir, 'store')], e.io)).toBe(1);
    expect(e.err()).toMatch(/no run of pipeline 'p' yet; run it first/);
  });
});
