import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '../src/artifact.js';
import { importMedmnistToArrow, inspectMedmnist, readMedmnist } from '../src/formats/medmnist.js';
import type { ImageSet } from '../src/image-set.js';
import { resizeImageSet } from '../src/resize.js';
import { writeMedmnistNpz } from '../src/testing/index.js';
import { FIXTURES, removeDir, tempDir } from './helpers.js';

/** n images of side×side×channels, each drawn by fill(x, y, c), labels 0,1,0,… */
function makeSet(
  n: number,
  side: number,
  channels: number,
  fill: (x: number, y: number, c: number) => number,
): ImageSet {
  const images = new Uint8Array(n * side * side * channels);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        for (let c = 0; c < channels; c++) images[((i * side + y) * side + x) * channels + c] = fill(x, y, c);
  const ids = Array.from({ length: n }, (_, i) => `img${i}`);
  return {
    name: 'grades',
    height: side,
    width: side,
    channels,
    images,
    task: { kind: 'multiclass', names: ['a', 'b'], ordinal: true },
    labels: Float32Array.from(ids, (_, i) => i % 2),
    mask: new Uint8Array(n).fill(1),
    ids,
    patients: ids.map((_, i) => `p${i >> 1}`),
    splits: ids.map((_, i) => (i === 0 ? 'test' : 'train')),
    meta: { source: 'test' },
  };
}

describe('resizeImageSet', () => {
  // left half black, right half white: after any resize the left edge stays dark and the right edge bright
  const halves = makeSet(3, 28, 1, (x) => (x < 14 ? 0 : 255));

  it('upsamples a 28-px set to minSize 32, keeping labels, ids, patients, splits and the task', async () => {
    const big = await resizeImageSet(halves, { minSize: 32 });
    expect([big.height, big.width, big.channels]).toEqual([32, 32, 1]);
    expect(big.images.length).toBe(3 * 32 * 32);
    for (let i = 0; i < 3; i++) {
      for (let y = 0; y < 32; y++) {
        expect(big.images[(i * 32 + y) * 32 + 0]).toBeLessThan(10);
        expect(big.images[(i * 32 + y) * 32 + 31]).toBeGreaterThan(245);
      }
    }
    expect(Array.from(big.labels)).toEqual([0, 1, 0]);
    expect(big.ids).toEqual(halves.ids);
    expect(big.patients).toEqual(['p0', 'p0', 'p1']);
    expect(big.splits).toEqual(['test', 'train', 'train']);
    expect(big.task).toEqual({ kind: 'multiclass', names: ['a', 'b'], ordinal: true });
    expect(JSON.parse(big.meta['resize']!)).toMatchObject({ minSize: 32, fit: 'pad', from: [28, 28, 1] });
    expect(big.meta['source']).toBe('test');
  });

  it('leaves a 28-px set at 28 px (the same pixels) with minSize 16', async () => {
    const same = await resizeImageSet(halves, { minSize: 16 });
    expect([same.height, same.width]).toEqual([28, 28]);
    expect(same.images).toBe(halves.images);
    expect(JSON.parse(same.meta['resize']!)).toMatchObject({ minSize: 16, from: [28, 28, 1] });
  });

  it('resizes to an exact size, raised to minSize when that is larger', async () => {
    const flat = makeSet(2, 28, 3, (_x, _y, c) => [200, 100, 50][c]!);
    const small = await resizeImageSet(flat, { size: 14 });
    expect([small.height, small.width, small.channels]).toEqual([14, 14, 3]);
    // a flat image stays flat whatever the kernel
    expect(new Set(small.images.filter((_, i) => i % 3 === 0))).toEqual(new Set([200]));
    expect((await resizeImageSet(flat, { size: 14, minSize: 32 })).height).toBe(32);
  });

  it('converts channels: RGB → grey by Rec. 709 luma, grey → RGB by replication', async () => {
    const red = makeSet(1, 28, 3, (_x, _y, c) => (c === 0 ? 255 : 0));
    const grey = await resizeImageSet(red, { channels: 1 });
    expect([grey.height, grey.channels]).toEqual([28, 1]);
    expect(new Set(grey.images)).toEqual(new Set([Math.round(0.2126 * 255)]));
    const rgb = await resizeImageSet(halves, { channels: 3, minSize: 32 });
    expect(rgb.channels).toBe(3);
    const px = (x: number): number[] => Array.from(rgb.images.subarray((16 * 32 + x) * 3, (16 * 32 + x) * 3 + 3));
    expect(px(31)[0]).toBeGreaterThan(245);
    expect(new Set(px(31)).size).toBe(1);
    expect(new Set(px(0)).size).toBe(1);
  });

  it('refuses float images and bad options with a DataError', async () => {
    await expect(
      resizeImageSet({ ...halves, images: new Float32Array(halves.images.length) }, { minSize: 32 }),
    ).rejects.toMatchObject({ code: 'DATA_BAD_SET', message: expect.stringMatching(/resizing needs uint8 pixels/) });
    await expect(resizeImageSet(halves, { minSize: 4 })).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
      message: expect.stringMatching(/resize options: minSize/),
    });
    await expect(resizeImageSet(halves, { fit: 'squash' } as never)).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
    });
  });
});

describe('importMedmnistToArrow with resize options', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('upsamples below minSize, keeps larger sets as stored, converts channels', async () => {
    const src = path.join(FIXTURES, 'deflated/retinamnist.npz');
    const stored = await readMedmnist({ file: src });
    const up = path.join(tmp, 'up.arrow');
    await importMedmnistToArrow({ file: src, resize: { minSize: 32 } }, up);
    const a = await readImageSet(up);
    expect([a.height, a.width, a.channels, a.ids.length]).toEqual([32, 32, 3, 11]);
    expect(a.splits).toEqual(stored.splits);
    expect(Array.from(a.labels)).toEqual(Array.from(stored.labels));
    expect(JSON.parse(a.meta['resize']!)).toMatchObject({ minSize: 32, from: [28, 28, 3] });
    // the same resize of the in-memory set gives the same pixels
    expect(
      Buffer.compare(Buffer.from(a.images), Buffer.from((await resizeImageSet(stored, { minSize: 32 })).images)),
    ).toBe(0);

    const keep = path.join(tmp, 'keep.arrow');
    await importMedmnistToArrow({ file: src, resize: { minSize: 16 } }, keep);
    const b = await readImageSet(keep);
    expect([b.height, b.width]).toEqual([28, 28]);
    expect(Buffer.compare(Buffer.from(b.images), Buffer.from(stored.images))).toBe(0);

    const greyFile = path.join(tmp, 'grey.arrow');
    await importMedmnistToArrow({ file: src, resize: { channels: 1 } }, greyFile);
    const g = await readImageSet(greyFile);
    expect([g.height, g.channels]).toEqual([28, 1]);
    const [r, gg, bb] = stored.images.subarray(0, 3);
    expect(g.images[0]).toBe(Math.round(0.2126 * r! + 0.7152 * gg! + 0.0722 * bb!));
  });

  it('takes the task from the `flag` option when the file name is not MedMNIST’s', async () => {
    const file = path.join(tmp, 'upload.npz');
    await writeMedmnistNpz(file, {
      size: 8,
      channels: 1,
      splits: { train: { images: new Uint8Array(2 * 64), labels: [0, 1] } },
    });
    expect((await readMedmnist({ file, splits: ['train'] })).task).toEqual({ kind: 'binary', names: ['1'] });
    expect((await readMedmnist({ file, splits: ['train'], flag: 'breastmnist' })).task).toEqual({
      kind: 'binary',
      names: ['normal, benign'],
    });
    expect([(await inspectMedmnist(file)).known, (await inspectMedmnist(file, 'breastmnist')).known]).toEqual([
      false,
      true,
    ]);
    await expect(readMedmnist({ file, flag: 'cifar10' } as never)).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
      message: expect.stringMatching(/medmnist options: flag/),
    });
  });
});
