import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMedmnist } from '../src/formats/medmnist.js';
import { MEDMNIST_TASKS } from '../src/formats/medmnist-info.js';
import type { Split } from '../src/image-set.js';

/** The RetinaMNIST copy the project ships (datasets/retinamnist at the repository root). */
const SHIPPED = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../datasets/retinamnist/retinamnist.npz',
);

describe('shipped datasets/retinamnist/retinamnist.npz', () => {
  it('is the official MedMNIST v2 file (MD5 from MedMNIST INFO)', async () => {
    const md5 = createHash('md5')
      .update(await readFile(SHIPPED))
      .digest('hex');
    expect(md5).toBe('bd4c0672f1bba3e3a89f0e4e876791e4');
    expect(MEDMNIST_TASKS.retinamnist.md5[28]).toBe(md5);
  });

  it('reads as 1,080 / 120 / 400 RGB 28-px images with the published grade counts and an ordinal 5-class task', async () => {
    const set = await readMedmnist({ file: SHIPPED });
    expect(set.task).toEqual({ kind: 'multiclass', names: ['0', '1', '2', '3', '4'], ordinal: true });
    expect([set.height, set.width, set.channels]).toEqual([28, 28, 3]);
    const counts: Record<Split, number[]> = { train: [0, 0, 0, 0, 0], val: [0, 0, 0, 0, 0], test: [0, 0, 0, 0, 0] };
    set.splits.forEach((s, i) => counts[s][set.labels[i]!]!++);
    expect(counts).toEqual({ train: [486, 128, 206, 194, 66], val: [54, 12, 28, 20, 6], test: [174, 46, 92, 68, 20] });
    const sizes = { train: 0, val: 0, test: 0 };
    for (const s of set.splits) sizes[s]++;
    expect(sizes).toEqual({ train: 1080, val: 120, test: 400 });
    expect(sizes).toEqual(MEDMNIST_TASKS.retinamnist.samples);
    expect(set.images.length).toBe(1600 * 28 * 28 * 3);
  });
});
