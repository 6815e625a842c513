import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMedmnist } from '../src/formats/medmnist.js';
import { parseNpyHeader } from '@transfusion/arrow-io/npy';
import { listZip } from '../src/zip-reader.js';
import {
  encodeNpy,
  generateLearnableMedmnist,
  writeLearnableMedmnistNpz,
  writeMedmnistNpz,
} from '../src/testing/index.js';
import { FIXTURES, removeDir, tempDir, zipMemberBytes } from './helpers.js';

describe('@transfusion/data/testing writers', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('encodeNpy writes the exact bytes numpy 2 wrote for the fixture arrays (header padding included)', async () => {
    const file = path.join(FIXTURES, 'stored/retinamnist.npz');
    for (const name of ['train_images.npy', 'train_labels.npy', 'test_images.npy']) {
      const numpy = await zipMemberBytes(file, name);
      const h = parseNpyHeader(numpy, name)!;
      const ours = encodeNpy({ dtype: h.dtype, shape: h.shape, data: numpy.subarray(h.headerBytes) });
      expect(Buffer.compare(Buffer.from(ours), numpy)).toBe(0);
    }
    expect(() => encodeNpy({ dtype: 'uint8', shape: [2, 2], data: [1, 2, 3] })).toThrow(
      /shape \(2,2\) needs 4 values, got 3/,
    );
  });

  for (const compress of [false, true]) {
    it(`writeMedmnistNpz (${compress ? 'deflated' : 'stored'}) round-trips through readMedmnist`, async () => {
      const file = path.join(tmp, compress ? 'deflated' : 'stored', 'bloodmnist_64.npz');
      const images = Uint8Array.from({ length: 3 * 64 * 64 * 3 }, (_, i) => (i * 31) % 251);
      await writeMedmnistNpz(file, {
        size: 64,
        channels: 3,
        compress,
        splits: {
          train: { images, labels: [7, 0, 3] },
          val: { images: images.subarray(0, 64 * 64 * 3), labels: [1] },
          test: { images: images.subarray(0, 64 * 64 * 3), labels: [2] },
        },
      });
      expect(new Set((await listZip(file)).map((m) => m.method))).toEqual(new Set([compress ? 8 : 0]));
      expect(parseNpyHeader(await zipMemberBytes(file, 'train_labels.npy'), 'labels')).toMatchObject({
        dtype: 'uint8',
        shape: [3, 1],
      });
      const set = await readMedmnist({ file });
      expect(set.task.names).toHaveLength(8);
      expect([set.height, set.width, set.channels]).toEqual([64, 64, 3]);
      expect(Array.from(set.labels)).toEqual([7, 0, 3, 1, 2]);
      expect(Buffer.compare(Buffer.from(set.images.subarray(0, images.length)), Buffer.from(images))).toBe(0);
    });
  }

  it('generates learnable labels: the bright square sits in the cell of the label', () => {
    const cellMean = (img: Uint8Array, size: number, grid: number, slot: number): number => {
      const cell = size / grid;
      let sum = 0;
      let n = 0;
      for (
        let y = Math.floor(Math.floor(slot / grid) * cell);
        y < Math.floor((Math.floor(slot / grid) + 1) * cell);
        y++
      ) {
        for (let x = Math.floor((slot % grid) * cell); x < Math.floor(((slot % grid) + 1) * cell); x++) {
          sum += img[y * size + x]!;
          n++;
        }
      }
      return sum / n;
    };
    const organs = generateLearnableMedmnist({ flag: 'organamnist', counts: { train: 33 }, seed: 3 });
    expect(organs.task.names).toHaveLength(11);
    const train = organs.splits.train!;
    train.labels.forEach((l, i) => {
      const img = train.images.subarray(i * 784, (i + 1) * 784);
      const means = Array.from({ length: 11 }, (_, slot) => cellMean(img, 28, 4, slot));
      expect(means.indexOf(Math.max(...means))).toBe((l as number[])[0]);
      expect((l as number[])[0]).toBe(i % 11);
    });
    const binary = generateLearnableMedmnist({ flag: 'pneumoniamnist', counts: { test: 10 }, seed: 1 });
    binary.splits.test!.labels.forEach((l, i) => {
      const mean = cellMean(binary.splits.test!.images.subarray(i * 784, (i + 1) * 784), 28, 1, 0);
      // noise averages 60; the positive's 17×17 square (200–240) lifts the mean above 100
      expect(mean > 100 ? 1 : 0).toBe((l as number[])[0]);
    });
    const again = generateLearnableMedmnist({ flag: 'pneumoniamnist', counts: { test: 10 }, seed: 1 });
    const other = generateLearnableMedmnist({ flag: 'pneumoniamnist', counts: { test: 10 }, seed: 2 });
    expect(Buffer.compare(Buffer.from(again.splits.test!.images), Buffer.from(binary.splits.test!.images))).toBe(0);
    expect(Buffer.compare(Buffer.from(other.splits.test!.images), Buffer.from(binary.splits.test!.images))).not.toBe(0);
  });

  it('writeLearnableMedmnistNpz writes a binary MedMNIST file the reader takes as the set it imitates', async () => {
    const file = path.join(tmp, 'pneumoniamnist.npz');
    const written = await writeLearnableMedmnistNpz(file, {
      flag: 'pneumoniamnist',
      counts: { train: 6, val: 2, test: 4 },
      seed: 5,
    });
    const set = await readMedmnist({ file });
    expect(set.task).toEqual({ kind: 'binary', names: ['pneumonia'] });
    expect(written.task).toEqual(set.task);
    expect([set.height, set.channels, set.ids.length]).toEqual([28, 1, 12]);
    expect(Array.from(set.labels)).toEqual(
      [...written.labels.train!, ...written.labels.val!, ...written.labels.test!].flat(),
    );
    expect(Array.from(set.labels)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });
});
