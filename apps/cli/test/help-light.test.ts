// `transfusion --help` (and every command's summary) must not load the heavy libs: the command modules import them
// inside main. A resolve hook records every module the process loads.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../dist/main.js');

/** The URLs of every module `node dist/main.js ...args` resolves. */
async function modulesLoaded(args: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-cli-modules-'));
  const log = join(dir, 'modules.txt');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
  );
  const r = await execa('node', ['--import', pathToFileURL(join(dir, 'register.mjs')).href, CLI, ...args], {
    reject: false,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').trim().split('\n');
}

test('transfusion --help loads none of the heavy libs', async () => {
  const loaded = await modulesLoaded(['--help']);
  expect(loaded.some((u) => u.endsWith('/apps/cli/dist/commands/models.js'))).toBe(true); // the hook sees the commands
  for (const heavy of [
    '@tensorflow',
    'sharp',
    'vega',
    '/libs/cca/dist/',
    '/libs/data/dist/',
    '/libs/models/dist/',
    '/libs/report/dist/',
    '/libs/study/dist/',
    '/libs/train/dist/',
    '/tools/bench/dist/',
  ]) {
    expect(
      loaded.filter((u) => u.includes(heavy)),
      heavy,
    ).toEqual([]);
  }
});

test('a command loads its lib when it runs', async () => {
  const loaded = await modulesLoaded(['models', 'list', '--model', 'cbr-tiny-32', '--input-size', '32', '--json']);
  expect(loaded.some((u) => u.includes('/libs/models/dist/'))).toBe(true);
});
