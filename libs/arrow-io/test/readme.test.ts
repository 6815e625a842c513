import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

test('the README example runs and prints what its comments say', async () => {
  const readme = await readFile(join(here, '..', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const dir = await mkdtemp(join(tmpdir(), 'arrow-io-readme-'));
  const file = join(dir, 'example.ts');
  await writeFile(
    file,
    code!.replace("'@transfusion/arrow-io'", JSON.stringify(resolve(here, '..', 'src', 'index.ts'))),
  );
  const logs: unknown[][] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
    await rm(dir, { recursive: true, force: true });
  }
  expect(logs.map((l) => l.map((x) => (ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x)))).toEqual([
    [[3, 3, 1, 8]],
    [['conv2d_1/kernel:0', 'step']],
    [[0.91, 0.88]],
    [4],
    [4],
    ['ARROW_TRUNCATED'],
  ]);
});
