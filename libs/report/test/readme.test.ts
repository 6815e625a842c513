import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const libDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;
let blocks: string[];

beforeAll(async () => {
  const readme = await readFile(path.join(libDir, 'README.md'), 'utf8');
  blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  dir = await mkdtemp(path.join(os.tmpdir(), 'report-readme-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs README example `i` against the built lib; returns its stdout. */
async function runExample(i: number): Promise<string> {
  const script = blocks[i]!.replace(
    "from '@transfusion/report'",
    `from '${pathToFileURL(path.join(libDir, 'dist', 'index.js')).href}'`,
  ).replace("'reports/quick'", JSON.stringify(path.join(dir, 'quick')));
  const file = path.join(dir, `example${i}.mjs`);
  await writeFile(file, script);
  // Plain output: Nx sets FORCE_COLOR, which would colour console.log's numbers.
  const { FORCE_COLOR: _colour, ...env } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, [file], { env: { ...env, NO_COLOR: '1' } });
  return stdout;
}

test('the README has two examples', () => {
  expect(blocks).toHaveLength(2);
});

test('the README example runs against the built lib and writes a report', async () => {
  // page, markdown, numbers, and PNG + SVG of the test-AUC figure and of Fig 6 (no test scores: no ROC or calibration)
  expect(await runExample(0)).toMatch(/^7 files, e\.g\. .*index\.html/);
  expect(existsSync(path.join(dir, 'quick', 'figures', 'fig6-curves-retina.svg'))).toBe(true);
  expect(existsSync(path.join(dir, 'quick', 'figures', 'auc-seeds-retina.svg'))).toBe(true);
});

test('the RetinaMNIST example prints what the README says it prints', async () => {
  const readme = await readFile(path.join(libDir, 'README.md'), 'utf8');
  const promised = /prints Table 1's rows[\s\S]*?```\n([\s\S]*?)```/.exec(readme)![1]!;
  expect(await runExample(1)).toBe(promised);
});
