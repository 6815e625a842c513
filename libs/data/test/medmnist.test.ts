import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  importMedmnistToArrow,
  inspectMedmnist,
  medmnistFlag,
  readMedmnist,
  streamMedmnist,
} from '../src/formats/medmnist.js';
import {
  MEDMNIST_FLAGS,
  MEDMNIST_SIZES,
  MEDMNIST_TASKS,
  medmnistFileName,
  medmnistLabelSpec,
  parseMedmnistFileName,
} from '../src/formats/medmnist-info.js';
import { readImageSet } from '../src/artifact.js';
import { listZip } from '../src/zip-reader.js';
import { writeZip } from '../src/testing/index.js';
import { FIXTURES, removeDir, tempDir, writeText, zipMemberBytes } from './helpers.js';

// Fixtures were written by numpy 2.4 (stored/: np.savez, deflated/: np.savez_compressed); pixel (i, y, x, c) of split offset o is
// (7i + 3y + x + o + 11c) mod 256, which the tests recompute.
const expectedPixel = (i: number, y: number, x: number, c: number, off: number): number =>
  (7 * i + 3 * y + x + off + 11 * c) % 256;

describe('MedMNIST .npz', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('derives the flag from the file name', () => {
    expect(medmnistFlag('/x/retinamnist_224.npz')).toBe('retinamnist');
    expect(medmnistFlag('chestmnist.npz')).toBe('chestmnist');
    expect(parseMedmnistFileName('/x/PathMNIST_64.npz')).toEqual({ flag: 'pathmnist', size: 64 });
    expect(parseMedmnistFileName('organamnist.npz')).toEqual({ flag: 'organamnist' });
    expect(MEDMNIST_SIZES.map((s) => medmnistFileName('dermamnist', s))).toEqual([
      'dermamnist.npz',
      'dermamnist_64.npz',
      'dermamnist_128.npz',
      'dermamnist_224.npz',
    ]);
  });

  it("knows every 2D set of MedMNIST's INFO table with its task and label names", () => {
    expect(Object.keys(MEDMNIST_TASKS)).toEqual([...MEDMNIST_FLAGS]);
    expect(MEDMNIST_FLAGS).toHaveLength(12);
    const kinds = Object.fromEntries(MEDMNIST_FLAGS.map((f) => [f, MEDMNIST_TASKS[f].task]));
    expect(kinds).toEqual({
      pathmnist: 'multi-class',
      chestmnist: 'multi-label, binary-class',
      dermamnist: 'multi-class',
      octmnist: 'multi-class',
      pneumoniamnist: 'binary-class',
      retinamnist: 'ordinal-regression',
      breastmnist: 'binary-class',
      bloodmnist: 'multi-class',
      tissuemnist: 'multi-class',
      organamnist: 'multi-class',
      organcmnist: 'multi-class',
      organsmnist: 'multi-class',
    });
    expect(medmnistLabelSpec('pneumoniamnist')).toEqual({ kind: 'binary', names: ['pneumonia'] });
    expect(medmnistLabelSpec('breastmnist')).toEqual({ kind: 'binary', names: ['normal, benign'] });
    expect(medmnistLabelSpec('retinamnist')).toEqual({
      kind: 'multiclass',
      names: ['0', '1', '2', '3', '4'],
      ordinal: true,
    });
    expect(medmnistLabelSpec('octmnist')).toEqual({
      kind: 'multiclass',
      names: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
    });
    expect(medmnistLabelSpec('chestmnist').names.slice(0, 3)).toEqual(['atelectasis', 'cardiomegaly', 'effusion']);
    expect(MEDMNIST_FLAGS.map((f) => medmnistLabelSpec(f).names.length)).toEqual([
      9, 14, 7, 4, 1, 5, 1, 8, 8, 11, 11, 11,
    ]);
    expect(MEDMNIST_TASKS.dermamnist.licence).toBe('CC BY-NC 4.0');
  });

  for (const file of ['stored/retinamnist.npz', 'deflated/retinamnist.npz']) {
    it(`reads ${file} (numpy ${file.startsWith('deflated') ? 'savez_compressed: deflate' : 'savez: stored'}) exactly`, async () => {
      const f = path.join(FIXTURES, file);
      const members = await listZip(f);
      expect(new Set(members.map((m) => m.method))).toEqual(new Set([file.startsWith('deflated') ? 8 : 0]));
      const set = await readMedmnist({ file: f });
      expect(set.task).toEqual({ kind: 'multiclass', names: ['0', '1', '2', '3', '4'], ordinal: true });
      expect([set.height, set.width, set.channels]).toEqual([28, 28, 3]);
      expect(set.splits).toEqual([
        'train',
        'train',
        'train',
        'train',
        'train',
        'train',
        'val',
        'val',
        'test',
        'test',
        'test',
      ]);
      expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 2, 1, 4, 0, 2, 3]);
      const offsets = [0, 0, 0, 0, 0, 0, 100, 100, 200, 200, 200];
      const index = [0, 1, 2, 3, 4, 5, 0, 1, 0, 1, 2];
      for (let n = 0; n < 11; n++) {
        for (const [y, x, c] of [
          [0, 0, 0],
          [5, 7, 2],
          [27, 27, 1],
        ] as const) {
          expect(set.images[((n * 28 + y) * 28 + x) * 3 + c]).toBe(expectedPixel(index[n]!, y, x, c, offsets[n]!));
        }
      }
      expect(set.ids[6]).toBe('retinamnist/val/0');
    });
  }

  it('reads ChestMNIST-style 14-label grey images as a multilabel task', async () => {
    const set = await readMedmnist({ file: path.join(FIXTURES, 'deflated/chestmnist.npz'), splits: ['train'] });
    expect(set.task.kind).toBe('multilabel');
    expect(set.task.names).toHaveLength(14);
    expect(set.channels).toBe(1);
    expect(Array.from(set.labels.subarray(0, 14))).toEqual([0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(Array.from(set.labels.subarray(56, 70))).toEqual([0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1]);
    expect(set.images[3 * 28 * 28 + 10 * 28 + 4]).toBe(expectedPixel(3, 10, 4, 0, 0));
  });

  it('streams with a per-split limit', async () => {
    const got: string[] = [];
    for await (const s of streamMedmnist({ file: path.join(FIXTURES, 'deflated/retinamnist.npz'), limit: 1 }))
      got.push(`${s.split}:${s.index}:${s.labels[0]}`);
    expect(got).toEqual(['train:0:0', 'val:0:1', 'test:0:0']);
  });

  it('detects truncation, damage and non-npz input with DATA_BAD_NPZ naming the file', async () => {
    const bytes = await readFile(path.join(FIXTURES, 'deflated/retinamnist.npz'));
    const cut = await writeText(tmp, 'cut.npz', bytes.subarray(0, bytes.length - 100));
    await expect(readMedmnist({ file: cut })).rejects.toMatchObject({ code: 'DATA_BAD_NPZ', file: cut });
    const flipped = Buffer.from(bytes);
    // flip a byte inside the first member's deflated data (numpy's local headers carry a 20-byte ZIP64 extra)
    flipped[200]! ^= 0xff;
    const bad = await writeText(tmp, 'flip.npz', flipped);
    await expect(readMedmnist({ file: bad })).rejects.toMatchObject({ code: 'DATA_BAD_NPZ' });
    const notZip = await writeText(tmp, 'x.npz', 'hello');
    await expect(inspectMedmnist(notZip)).rejects.toThrow(/not a zip\/npz archive/);
    await expect(inspectMedmnist(path.join(tmp, 'missing.npz'))).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
  });

  it('reads a ZIP64 archive (central directory located through the ZIP64 records)', async () => {
    // the fixture's members rewritten with sizes and offsets 0xFFFFFFFF, as numpy writes members over 4 GiB
    const src = path.join(FIXTURES, 'stored/retinamnist.npz');
    const entries = [];
    for (const m of await listZip(src)) entries.push({ name: m.name, data: await zipMemberBytes(src, m.name) });
    const file = path.join(tmp, 'retinamnist_zip64.npz');
    await writeZip(file, entries, { compress: true, zip64: true });
    const raw = await readFile(file);
    expect(raw.readUInt32LE(raw.length - 22 - 20 - 56)).toBe(0x06064b50); // the ZIP64 end record is really there
    const set = await readMedmnist({ file });
    const ref = await readMedmnist({ file: src });
    expect(Buffer.compare(Buffer.from(set.images), Buffer.from(ref.images))).toBe(0);
    expect(Array.from(set.labels)).toEqual(Array.from(ref.labels));
  });

  it('imports into a sharded Arrow artifact, as stored or resized', async () => {
    const file = path.join(tmp, 'retina.arrow');
    const progress: number[] = [];
    expect(
      await importMedmnistToArrow({ file: path.join(FIXTURES, 'deflated/retinamnist.npz'), shardSize: 4 }, file, (d) =>
        progress.push(d),
      ),
    ).toEqual({
      rows: 11,
      shards: 3,
      task: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'], ordinal: true },
    });
    expect(progress).toEqual([4, 8, 11]);
    const back = await readImageSet(file);
    const mem = await readMedmnist({ file: path.join(FIXTURES, 'deflated/retinamnist.npz') });
    expect(Buffer.compare(Buffer.from(back.images), Buffer.from(mem.images))).toBe(0);
    expect(back.splits).toEqual(mem.splits);
    expect(back.task.ordinal).toBe(true); // kept through the artifact's transfusion.task
    const small = path.join(tmp, 'chest14.arrow');
    await importMedmnistToArrow({ file: path.join(FIXTURES, 'deflated/chestmnist.npz'), resize: { size: 14 } }, small);
    const s = await readImageSet(small);
    expect([s.height, s.width, s.channels, s.ids.length]).toEqual([14, 14, 1, 9]);
  });
});
