import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { writeTable, tableFromColumns, inspectArrowFile } from '@transfusion/arrow-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageSetWriter, headerOf, readImageSet, streamImageSet, writeImageSet } from '../src/artifact.js';
import { splitOf, toBinaryFromGrade, validateImageSet } from '../src/image-set.js';
import { normalizedSet, computeChannelStats } from '../src/normalize.js';
import { generateChestSet } from '../src/synthetic/chest.js';
import { generateFundusSet } from '../src/synthetic/fundus.js';
import { writeSyntheticSet } from '../src/synthetic/index.js';
import { removeDir, tempDir } from './helpers.js';

describe('Arrow dataset artifacts', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('round-trips a set exactly, one record batch per shard', async () => {
    const set = generateChestSet({ count: 130, size: 16, seed: 1 });
    const file = path.join(tmp, 'chest.arrow');
    expect(await writeImageSet(file, set, 50)).toEqual({ rows: 130, shards: 3 });
    const info = await inspectArrowFile(file);
    expect(info.numBatches).toBe(3);
    expect(info.metadata['transfusion.shape']).toBe('[16,16,1]');
    expect(info.metadata['transfusion.layout']).toBe('NHWC');
    const back = await readImageSet(file);
    expect(Buffer.compare(Buffer.from(back.images), Buffer.from(set.images))).toBe(0);
    expect(Array.from(back.labels)).toEqual(Array.from(set.labels));
    expect(Array.from(back.mask)).toEqual(Array.from(set.mask));
    expect(back.ids).toEqual(set.ids);
    expect(back.patients).toEqual(set.patients);
    expect(back.splits).toEqual(set.splits);
    expect(back.task).toEqual(set.task);
    expect(back.meta).toEqual(set.meta);
    const sizes: number[] = [];
    for await (const part of streamImageSet(file)) sizes.push(part.ids.length);
    expect(sizes).toEqual([50, 50, 30]);
    const test = await readImageSet(file, { splits: ['test'] });
    expect(test.ids).toEqual(set.ids.filter((_, i) => set.splits[i] === 'test'));
  });

  it('stores float32 (normalised) sets too', async () => {
    const set = generateFundusSet({ count: 10, size: 16, seed: 2 });
    const norm = normalizedSet(set, computeChannelStats(set));
    const file = path.join(tmp, 'norm.arrow');
    await writeImageSet(file, norm, 4);
    const back = await readImageSet(file);
    expect(back.images).toBeInstanceOf(Float32Array);
    expect(Array.from(back.images)).toEqual(Array.from(norm.images));
    expect(JSON.parse(back.meta['normalization']!).mean).toHaveLength(3);
  });

  it('an aborted or failing writer leaves no file', async () => {
    const set = generateChestSet({ count: 5, size: 16, seed: 1 });
    const file = path.join(tmp, 'aborted.arrow');
    const w = await createImageSetWriter(file, headerOf(set), 2);
    await w.write(set);
    await w.abort();
    expect(existsSync(file)).toBe(false);
    const w2 = await createImageSetWriter(path.join(tmp, 'wrong.arrow'), headerOf(set), 2);
    await expect(w2.write(generateFundusSet({ count: 2, size: 16 }))).rejects.toThrow(
      /rows are 16×16×3, the file holds 16×16×1/,
    );
    expect(existsSync(path.join(tmp, 'wrong.arrow'))).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('aborted') || f.includes('wrong'))).toEqual([]);
  });

  it('keeps an ordinal task through the artifact, splitOf and toBinaryFromGrade', async () => {
    const fundus = generateFundusSet({ count: 12, size: 16, seed: 3 });
    const graded = { ...fundus, task: { ...fundus.task, ordinal: true } };
    const file = path.join(tmp, 'ordinal.arrow');
    await writeImageSet(file, graded);
    expect((await inspectArrowFile(file)).metadata['transfusion.task']).toBe(JSON.stringify(graded.task));
    const back = await readImageSet(file);
    expect(back.task).toEqual({
      kind: 'multiclass',
      names: ['none', 'mild', 'moderate', 'severe', 'proliferative'],
      ordinal: true,
    });
    expect(splitOf(back, 'train').task.ordinal).toBe(true);
    const referable = toBinaryFromGrade(back, 2);
    expect(referable.task).toEqual({ kind: 'binary', names: ['referable'] });
    expect(JSON.parse(referable.meta['gradeTask']!)).toEqual(back.task);
    expect(Array.from(referable.labels)).toEqual(Array.from(back.labels, (g) => (g >= 2 ? 1 : 0)));
    expect(() => validateImageSet({ ...referable, task: { kind: 'binary', names: ['x'], ordinal: true } })).toThrow(
      /task\.ordinal: only a multiclass task can be ordinal, this one is binary/,
    );
  });

  it('refuses an artifact whose transfusion.task is not a valid LabelSpec', async () => {
    const file = path.join(tmp, 'badtask.arrow');
    const set = generateChestSet({ count: 1, size: 16, seed: 1 });
    const w = await createImageSetWriter(file, {
      ...headerOf(set),
      task: { kind: 'binary', names: ['x'], ordinal: true },
    });
    await w.close();
    await expect(readImageSet(file)).rejects.toMatchObject({
      code: 'DATA_BAD_SET',
      message: expect.stringMatching(
        /badtask\.arrow: not a dataset artifact \(transfusion\.task: ordinal: ordinal is only meaningful for a multiclass task\)/,
      ),
    });
  });

  it('refuses Arrow files that are not dataset artifacts', async () => {
    const file = path.join(tmp, 'table.arrow');
    await writeTable(file, tableFromColumns({ a: [1, 2] }));
    await expect(readImageSet(file)).rejects.toThrow(/table\.arrow: not a dataset artifact/);
  });

  it('streams a synthetic set straight to disk, equal to the in-memory one', async () => {
    const file = path.join(tmp, 'synth.arrow');
    const progress: number[] = [];
    expect(
      await writeSyntheticSet('fundus', { count: 25, size: 16, seed: 4 }, file, 10, (d) => progress.push(d)),
    ).toEqual({ rows: 25, shards: 3 });
    expect(progress).toEqual([10, 20, 25]);
    const back = await readImageSet(file);
    const mem = generateFundusSet({ count: 25, size: 16, seed: 4 });
    expect(Buffer.compare(Buffer.from(back.images), Buffer.from(mem.images))).toBe(0);
    expect(back.ids).toEqual(mem.ids);
  });
});
