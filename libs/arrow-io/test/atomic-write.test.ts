import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ArrowArgumentError,
  encodeTensor,
  readTensor,
  tensor,
  writeTable,
  writeTensor,
  writeTensors,
  tableFromColumns,
} from '../src/index.js';
import { expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

describe('atomic writes', () => {
  test('an invalid tensor leaves no file and no temp litter', async () => {
    const sub = join(dir(), 'invalid');
    await mkdir(sub);
    const path = join(sub, 't.arrow');
    await expect(writeTensor(path, { dtype: 'float32', shape: [4], data: new Float32Array(3) })).rejects.toThrow(
      ArrowArgumentError,
    );
    await expect(
      writeTensors(path, { w: { dtype: 'int8', shape: [2], data: new Float32Array(2) as unknown as Int8Array } }),
    ).rejects.toThrow(/tensors\["w"\]\.data/);
    await expect(writeTable(path, tableFromColumns({ a: [1] }), { 'transfusion.kind': 'tensor' })).rejects.toThrow(
      /reserved/,
    );
    expect(await readdir(sub)).toEqual([]);
  });

  test('a failure at rename (target is a folder) leaves the folder alone and no temp file', async () => {
    const sub = join(dir(), 'rename');
    await mkdir(join(sub, 'target.arrow'), { recursive: true });
    const target = join(sub, 'target.arrow');
    const err = await expectArrowErrorAsync(() => writeTensor(target, tensor('float32', [2])), 'ARROW_IO', target);
    expect(err.message).toMatch(/could not finish writing/);
    expect(await readdir(sub)).toEqual(['target.arrow']);
    expect((await stat(target)).isDirectory()).toBe(true);
  });

  test('a missing folder is ARROW_IO naming the path', async () => {
    const path = join(dir(), 'no', 'such', 'folder', 'x.arrow');
    await expectArrowErrorAsync(() => writeTensor(path, tensor('float32', [1])), 'ARROW_IO', path);
  });

  test('overwriting replaces the whole file, never mixing old and new bytes', async () => {
    const path = join(dir(), 'over.arrow');
    await writeTensor(path, tensor('float64', [1000], new Float64Array(1000).fill(1)));
    const small = tensor('int8', [2], new Int8Array([3, 4]));
    await writeTensor(path, small);
    expect(Buffer.from(await readFile(path)).equals(Buffer.from(encodeTensor(small)))).toBe(true);
    expect(Array.from((await readTensor(path)).data)).toEqual([3, 4]);
    expect((await readdir(dir())).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('writing over a damaged file repairs it', async () => {
    const path = join(dir(), 'repair.arrow');
    await writeFile(path, 'not arrow');
    await writeTensor(path, tensor('uint8', [3], new Uint8Array([1, 2, 3])));
    expect(Array.from((await readTensor(path)).data)).toEqual([1, 2, 3]);
  });
});
