import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMedmnist } from '../src/formats/medmnist.js';
import { writeMedmnistNpz, writeNpz, type NpyArray } from '../src/testing/index.js';
import { removeDir, tempDir, writeText } from './helpers.js';

const u8 = (shape: number[]): NpyArray => ({
  dtype: 'uint8',
  shape,
  data: new Uint8Array(shape.reduce((a, b) => a * b, 1)),
});
const labels = (n: number): NpyArray => ({ dtype: 'uint8', shape: [n, 1], data: new Uint8Array(n) });

describe('bad MedMNIST input: a DataError naming the file and what was expected', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  /** Reads the file and returns the DataError it must raise (code DATA_BAD_NPZ, `file` set). */
  const failure = async (file: string, splits?: ('train' | 'val' | 'test')[]): Promise<string> => {
    const e = await readMedmnist({ file, ...(splits ? { splits } : {}) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toMatchObject({ name: 'DataError', code: 'DATA_BAD_NPZ', file });
    return (e as Error).message;
  };
  const grey = (n: number, side = 28): Uint8Array => new Uint8Array(n * side * side);

  it('refuses a file that is not a ZIP, and a ZIP without {split}_images/_labels', async () => {
    const text = await writeText(tmp, 'pneumoniamnist.npz', 'not a zip');
    await expect(readMedmnist({ file: text })).rejects.toMatchObject({
      code: 'DATA_BAD_NPZ',
      file: text,
      message: expect.stringMatching(/not a zip\/npz archive/),
    });
    const other = path.join(tmp, 'weights.npz');
    await writeNpz(other, { conv1: { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] } });
    expect(await failure(other)).toBe(
      `${other}: not a MedMNIST .npz: expected {train,val,test}_images and _labels arrays, found conv1`,
    );
  });

  it('names a split that was asked for but is absent, and reads the others when asked only for them', async () => {
    const file = path.join(tmp, 'breastmnist.npz');
    await writeMedmnistNpz(file, {
      size: 28,
      channels: 1,
      splits: { train: { images: grey(2), labels: [0, 1] }, test: { images: grey(1), labels: [1] } },
    });
    expect(await failure(file)).toBe(
      `${file}: split(s) val asked for but the file has no val_images/val_labels (it has train, test); pass splits: [train, test] to read only those`,
    );
    const set = await readMedmnist({ file, splits: ['train', 'test'] });
    expect(set.splits).toEqual(['train', 'train', 'test']);
  });

  it('refuses class indices outside 0..K-1, negative or fractional, naming split, row and value', async () => {
    const rgb = (n: number): Uint8Array => new Uint8Array(n * 28 * 28 * 3);
    const write = async (name: string, val: number[]): Promise<string> => {
      const file = path.join(tmp, name, 'retinamnist.npz');
      await writeMedmnistNpz(file, {
        size: 28,
        channels: 3,
        splits: {
          train: { images: rgb(2), labels: [0, 4] },
          val: { images: rgb(val.length), labels: val },
          test: { images: rgb(1), labels: [2] },
        },
      });
      return file;
    };
    const high = await write('high', [3, 5]);
    expect(await failure(high)).toBe(
      `${high}: val_labels row 1: value 5: expected a class index 0..4 (5 classes of retinamnist)`,
    );
    expect(await failure(await write('negative', [-1, 0]))).toMatch(
      /val_labels row 0: value -1: expected a class index 0\.\.4/,
    );
    expect(await failure(await write('fraction', [2, 2.5]))).toMatch(
      /val_labels row 1: value 2\.5: expected a class index 0\.\.4/,
    );
  });

  it('refuses binary and multi-label values other than 0/1', async () => {
    const bin = path.join(tmp, 'pneumoniamnist.npz');
    await writeMedmnistNpz(bin, { size: 28, channels: 1, splits: { train: { images: grey(3), labels: [0, 1, 2] } } });
    expect(await failure(bin, ['train'])).toBe(
      `${bin}: train_labels row 2: value 2: expected 0 or 1 (binary labels of pneumoniamnist)`,
    );
    const multi = path.join(tmp, 'chestmnist.npz');
    const row = (v: number[]): number[] => [...v, ...new Array(14 - v.length).fill(0)];
    await writeMedmnistNpz(multi, {
      size: 28,
      channels: 1,
      splits: { test: { images: grey(2), labels: [row([1]), row([0, 0, 0, -1])] } },
    });
    expect(await failure(multi, ['test'])).toBe(
      `${multi}: test_labels row 1, column 3 (infiltration): value -1: expected 0 or 1 (multilabel labels of chestmnist)`,
    );
  });

  it('refuses a label width that does not match the MedMNIST set', async () => {
    const file = path.join(tmp, 'widths', 'chestmnist.npz');
    await writeMedmnistNpz(file, { size: 28, channels: 1, splits: { train: { images: grey(2), labels: [0, 1] } } });
    expect(await failure(file, ['train'])).toMatch(
      /labels have 1 column\(s\): expected 14 for chestmnist \(multilabel: atelectasis, /,
    );
  });

  it('refuses 3D volumes, with the shape or the 3D flag named', async () => {
    const vol = path.join(tmp, 'vol', 'organamnist.npz');
    await writeNpz(vol, { train_images: u8([2, 28, 28, 28]), train_labels: labels(2) });
    expect(await failure(vol, ['train'])).toBe(
      `${vol}: train_images: shape (2,28,28,28) is a 3D volume (N,D,H,W): 3D MedMNIST is not supported; expected 2D images (N,H,W) or (N,H,W,C)`,
    );
    const flag3d = path.join(tmp, 'organmnist3d_64.npz');
    await writeNpz(flag3d, { train_images: u8([1, 8, 8, 8]), train_labels: labels(1) });
    expect(await failure(flag3d, ['train'])).toMatch(/organmnist3d is a 3D MedMNIST set: 3D volumes are not supported/);
  });

  it('refuses channel counts other than 1 or 3', async () => {
    for (const c of [2, 4]) {
      const file = path.join(tmp, `c${c}`, 'dermamnist.npz');
      await writeNpz(file, { train_images: u8([2, 28, 28, c]), train_labels: labels(2) });
      expect(await failure(file, ['train'])).toBe(
        `${file}: train_images: shape (2,28,28,${c}) has ${c} channels: expected 1 (grey) or 3 (RGB)`,
      );
    }
  });

  it('refuses images below 8 px, non-square images, mixed shapes and a size the name contradicts', async () => {
    const tiny = path.join(tmp, 'tiny', 'bloodmnist.npz');
    await writeNpz(tiny, { train_images: u8([2, 4, 4, 3]), train_labels: labels(2) });
    expect(await failure(tiny, ['train'])).toBe(`${tiny}: train_images: images are 4×4: expected at least 8 px a side`);
    const wide = path.join(tmp, 'wide', 'octmnist.npz');
    await writeNpz(wide, { train_images: u8([2, 28, 20]), train_labels: labels(2) });
    expect(await failure(wide, ['train'])).toMatch(/train_images: images are 28×20: expected square images/);
    const mixed = path.join(tmp, 'mixed', 'octmnist.npz');
    await writeNpz(mixed, {
      train_images: u8([2, 28, 28]),
      train_labels: labels(2),
      test_images: u8([1, 32, 32]),
      test_labels: labels(1),
    });
    expect(await failure(mixed, ['train', 'test'])).toMatch(
      /test_images: images are 32×32×1, train_images are 28×28×1: expected one shape for all splits/,
    );
    const misnamed = path.join(tmp, 'octmnist_64.npz');
    await writeNpz(misnamed, { train_images: u8([2, 28, 28]), train_labels: labels(2) });
    expect(await failure(misnamed, ['train'])).toMatch(/train_images: images are 28×28 but the file name says 64 px/);
  });
});
