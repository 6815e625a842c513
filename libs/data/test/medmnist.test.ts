import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMedmnistToArrow, inspectMedmnist, medmnistFlag, readMedmnist, streamMedmnist } from '../src/formats/medmnist.js';
import { readImageSet } from '../src/artifact.js';
import { listZip } from '../src/zip-reader.js';
import { FIXTURES, removeDir, tempDir, writeText } from './helpers.js';

// Fixtures were written by numpy 2.4 (stored/: np.savez, deflated/: np.savez_compressed); pixel (i, y, x, c) of split offset o is
// (7i + 3y + x + o + 11c) mod 256, which the tests recompute.
const expectedPixel = (i: number, y: number, x: number, c: number, off: number): number => (7 * i + 3 * y + x + off + 11 * c) % 256;

describe('MedMNIST .npz', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('derives the flag from the file name', () => {
    expect(medmnistFlag('/x/retinamnist_224.npz')).toBe('retinamnist');
    expect(medmnistFlag('chestmnist.npz')).toBe('chestmnist');
  });

  for (const file of ['stored/retinamnist.npz', 'deflated/retinamnist.npz']) {
    it(`reads ${file} (numpy ${file.startsWith('deflated') ? 'savez_compressed: deflate' : 'savez: stored'}) exactly`, async () => {
      const f = path.join(FIXTURES, file);
      const members = await listZip(f);
      expect(new Set(members.map((m) => m.method))).toEqual(new Set([file.startsWith('deflated') ? 8 : 0]));
      const set = await readMedmnist({ file: f });
      expect(set.task).toEqual({ kind: 'multiclass', names: ['0', '1', '2', '3', '4'] });
      expect([set.height, set.width, set.channels]).toEqual([28, 28, 3]);
      expect(set.splits).toEqual(['train', 'train', 'train', 'train', 'train', 'train', 'val', 'val', 'test', 'test', 'test']);
      expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 2, 1, 4, 0, 2, 3]);
      const offsets = [0, 0, 0, 0, 0, 0, 100, 100, 200, 200, 200];
      const index = [0, 1, 2, 3, 4, 5, 0, 1, 0, 1, 2];
      for (let n = 0; n < 11; n++) {
        for (const [y, x, c] of [[0, 0, 0], [5, 7, 2], [27, 27, 1]] as const) {
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
    for await (const s of streamMedmnist({ file: path.join(FIXTURES, 'deflated/retinamnist.npz'), limit: 1 })) got.push(`${s.split}:${s.index}:${s.labels[0]}`);
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
    // build a stored zip whose EOCD fields are all 0xFFFF/0xFFFFFFFF, as numpy writes for > 4 GiB members
    const src = await listZip(path.join(FIXTURES, 'stored/retinamnist.npz'));
    const raw = await readFile(path.join(FIXTURES, 'stored/retinamnist.npz'));
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const m of src) {
      const lh = raw.readUInt16LE(m.localHeaderOffset + 26) + raw.readUInt16LE(m.localHeaderOffset + 28);
      const body = raw.subarray(m.localHeaderOffset + 30 + lh, m.localHeaderOffset + 30 + lh + m.compressedSize);
      const deflated = deflateRawSync(body);
      const name = Buffer.from(m.name);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(45, 4);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(crc32(body), 14);
      local.writeUInt32LE(deflated.length, 18);
      local.writeUInt32LE(body.length, 22);
      local.writeUInt16LE(name.length, 26);
      locals.push(local, name, deflated);
      const extra = Buffer.alloc(4 + 24);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(body.length), 4);
      extra.writeBigUInt64LE(BigInt(deflated.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(45, 6);
      cd.writeUInt16LE(8, 10);
      cd.writeUInt32LE(crc32(body), 16);
      cd.writeUInt32LE(0xffffffff, 20);
      cd.writeUInt32LE(0xffffffff, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt16LE(extra.length, 30);
      cd.writeUInt32LE(0xffffffff, 42);
      centrals.push(cd, name, extra);
      offset += 30 + name.length + deflated.length;
    }
    const cdBuf = Buffer.concat(centrals);
    const z64 = Buffer.alloc(56);
    z64.writeUInt32LE(0x06064b50, 0);
    z64.writeBigUInt64LE(44n, 4);
    z64.writeBigUInt64LE(BigInt(src.length), 24);
    z64.writeBigUInt64LE(BigInt(src.length), 32);
    z64.writeBigUInt64LE(BigInt(cdBuf.length), 40);
    z64.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cdBuf.length), 8);
    loc.writeUInt32LE(1, 16);
    const eocd = Buffer.alloc(22, 0xff);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(0, 20);
    const file = await writeText(tmp, 'retinamnist_zip64.npz', Buffer.concat([...locals, cdBuf, z64, loc, eocd]));
    const set = await readMedmnist({ file });
    const ref = await readMedmnist({ file: path.join(FIXTURES, 'stored/retinamnist.npz') });
    expect(Buffer.compare(Buffer.from(set.images), Buffer.from(ref.images))).toBe(0);
    expect(Array.from(set.labels)).toEqual(Array.from(ref.labels));
  });

  it('imports into a sharded Arrow artifact, as stored or resized', async () => {
    const file = path.join(tmp, 'retina.arrow');
    const progress: number[] = [];
    expect(await importMedmnistToArrow({ file: path.join(FIXTURES, 'deflated/retinamnist.npz'), shardSize: 4 }, file, (d) => progress.push(d))).toEqual({ rows: 11, shards: 3 });
    expect(progress).toEqual([4, 8, 11]);
    const back = await readImageSet(file);
    const mem = await readMedmnist({ file: path.join(FIXTURES, 'deflated/retinamnist.npz') });
    expect(Buffer.compare(Buffer.from(back.images), Buffer.from(mem.images))).toBe(0);
    expect(back.splits).toEqual(mem.splits);
    const small = path.join(tmp, 'retina14.arrow');
    await importMedmnistToArrow({ file: path.join(FIXTURES, 'deflated/chestmnist.npz'), preprocess: { size: 14 } }, small);
    const s = await readImageSet(small);
    expect([s.height, s.width, s.channels, s.ids.length]).toEqual([14, 14, 1, 9]);
  });
});
