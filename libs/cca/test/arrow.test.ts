import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, writeTensor } from '@transfusion/arrow-io';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ActivationFileError, compareActivationFiles, readActivations } from '../src/index.js';
import { ACTS_DIR, readJhb } from './helpers.js';

describe('Arrow tensor activations (@transfusion/arrow-io)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cca-arrow-'));
  });
  afterAll(async () => rm(dir, { recursive: true }));

  test('2-D float32/float64/int tensors are read as matrices', async () => {
    await writeTensor(join(dir, 'f32.arrow'), tensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6.5])));
    await writeTensor(join(dir, 'f64.arrow'), tensor('float64', [3, 1], Float64Array.from([0.1, 0.2, 0.3])));
    await writeTensor(join(dir, 'i16.arrow'), tensor('int16', [1, 2], Int16Array.from([-3, 7])));
    const a = await readActivations(join(dir, 'f32.arrow'));
    expect([a.rows, a.cols, Array.from(a.data)]).toEqual([2, 3, [1, 2, 3, 4, 5, 6.5]]);
    expect(Array.from((await readActivations(join(dir, 'f64.arrow'))).data)).toEqual([0.1, 0.2, 0.3]);
    const i = await readActivations(join(dir, 'i16.arrow'));
    expect(i.data).toBeInstanceOf(Float64Array);
    expect(Array.from(i.data)).toEqual([-3, 7]);
  });

  test('non-2-D and damaged files are rejected naming the file', async () => {
    const cube = join(dir, 'cube.arrow');
    await writeTensor(cube, tensor('float32', [2, 2, 2]));
    await expect(readActivations(cube)).rejects.toThrow(/cube\.arrow: tensor has shape \[2, 2, 2\]; expected 2-D/);
    const bytes = await readFile(join(dir, 'f32.arrow'));
    const cut = join(dir, 'cut.arrow');
    await writeFile(cut, bytes.subarray(0, bytes.length - 20));
    const err = await readActivations(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActivationFileError);
    expect((err as Error).message).toMatch(/cut\.arrow: not a readable Arrow tensor file/);
  });

  test('compareActivationFiles (what `transfusion cca` runs) reads Arrow tensor files', async () => {
    const m = readJhb(`${ACTS_DIR}mnist_lay04_model0.jhb`);
    const m1 = readJhb(`${ACTS_DIR}mnist_lay04_model1.jhb`);
    await writeTensor(join(dir, 'a.arrow'), tensor('float32', [m.rows, m.cols], m.data as Float32Array));
    await writeTensor(join(dir, 'b.arrow'), tensor('float32', [m1.rows, m1.cols], m1.data as Float32Array));
    const r = await compareActivationFiles(join(dir, 'a.arrow'), join(dir, 'b.arrow'), { methods: ['mean', 'cka'] });
    expect([r.a, r.b]).toEqual([
      { rows: m.rows, cols: m.cols },
      { rows: m1.rows, cols: m1.cols },
    ]);
    const [mean, cka] = r.results;
    expect(mean!.value).toBeCloseTo(0.7057263136599201, 9);
    expect(cka!.value).toBeCloseTo(0.4374523124254893, 9);
  });
});
