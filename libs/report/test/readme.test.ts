import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const libDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('the README example runs against the built lib and writes a report', async () => {
  const readme = await readFile(path.join(libDir, 'README.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'report-readme-'));
  try {
    const script = code
      .replace("from '@transfusion/report'", `from '${pathToFileURL(path.join(libDir, 'dist', 'index.js')).href}'`)
      .replace("'reports/quick'", JSON.stringify(path.join(dir, 'quick')));
    await writeFile(path.join(dir, 'example.mjs'), script);
    // Plain output: Nx sets FORCE_COLOR, which would colour console.log's numbers.
    const { FORCE_COLOR: _colour, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'example.mjs')], { env: { ...env, NO_COLOR: '1' } });
    expect(stdout).toMatch(/^5 files, e\.g\. .*index\.html/);
    expect(existsSync(path.join(dir, 'quick', 'figures', 'fig6-curves-retina.svg'))).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
