import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { createBatchWriter } from '@transfusion/arrow-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBackend } from '../src/backend/resolve.js';
import { ArrowDataset } from '../src/data/arrow-dataset.js';
import type { Batch } from '../src/data/dataset.js';
import { TrainError } from '../src/errors.js';
import { trainModel } from '../src/training/train-model.js';
import { blobs, tinyCbr } from './helpers.js';

// Files laid out like @transfusion/data's image sets: image/label/mask FixedSizeLists, patient and split strings.
function schema(h: number, w: number, c: number, k: number, withShape = true): arrow.Schema {
  const fsl = (n: number, t: arrow.DataType) => new arrow.FixedSizeList(n, new arrow.Field('item', t, false));
  const meta = new Map<string, string>(withShape ? [['transfusion.shape', JSON.stringify([h, w, c])]] : []);
  return new arrow.Schema([
    new arrow.Field('image', fsl(h * w * c, new arrow.Uint8()), false),
    new arrow.Field('label', fsl(k, new arrow.Float32()), false),
    new arrow.Field('mask', fsl(k, new arrow.Uint8()), false),
    new arrow.Field('patient', new arrow.Utf8(), false),
    new arrow.Field('split', new arrow.Utf8(), false),
  ], meta);
}

function recordBatch(s: arrow.Schema, images: Uint8Array, labels: Float32Array, mask: Uint8Array, patients: string[], splits: string[]): arrow.RecordBatch {
  const n = patients.length;
  const fsl = (f: arrow.Field, values: Uint8Array | Float32Array) => {
    const type = f.type as arrow.FixedSizeList;
    return arrow.makeData({ type, length: n, nullCount: 0, child: arrow.makeData({ type: type.children[0]!.type, length: values.length, data: values } as never) });
  };
  const utf8 = (v: string[]) => arrow.vectorFromArray(v, new arrow.Utf8()).data[0]!;
  const [img, lab, msk] = s.fields;
  return new arrow.RecordBatch(s, arrow.makeData({
    type: new arrow.Struct(s.fields), length: n, nullCount: 0,
    children: [fsl(img!, images), fsl(lab!, labels), fsl(msk!, mask), utf8(patients), utf8(splits)],
  }));
}

/** Row r: every pixel = r (mod 256), label = [r % 2, (r >> 1) % 2], patient p<r>, split val every 4th row. */
async function writeRows(path: string, rows: number, perBatch: number, withShape = true): Promise<void> {
  const s = schema(4, 4, 1, 2, withShape);
  const wr = await createBatchWriter(path, s);
  for (let start = 0; start < rows; start += perBatch) {
    const n = Math.min(perBatch, rows - start);
    const images = new Uint8Array(n * 16);
    const labels = new Float32Array(n * 2);
    const mask = new Uint8Array(n * 2).fill(1);
    const ids: string[] = [];
    const splits: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = start + i;
      images.fill(r % 256, i * 16, (i + 1) * 16);
      labels[i * 2] = r % 2;
      labels[i * 2 + 1] = (r >> 1) % 2;
      if (r % 5 === 0) mask[i * 2 + 1] = 0;
      ids.push(`p${r}`);
      splits.push(r % 4 === 0 ? 'val' : 'train');
    }
    await wr.write(recordBatch(s, images, labels, mask, ids, splits));
  }
  await wr.close();
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}
const rowIds = (bs: Batch[]) => bs.flatMap((b) => Array.from({ length: b.n }, (_, i) => b.x[i * 16]!));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'train-arrow-'));
  await writeRows(join(dir, 'a.arrow'), 50, 8);
  await writeRows(join(dir, 'noshape.arrow'), 10, 5, false);
});
afterAll(async () => {
  releaseBackend();
  await rm(dir, { recursive: true, force: true });
});

describe('ArrowDataset', () => {
  it('streams every row once per epoch in file order without shuffling', async () => {
    const ds = await ArrowDataset.open(join(dir, 'a.arrow'));
    expect(ds.size).toBe(50);
    expect(ds.imageShape).toEqual([4, 4, 1]);
    expect(ds.labelWidth).toBe(2);
    const bs = await collect(ds.batches({ batchSize: 16, shuffle: false, seed: 0, epoch: 0, dropRemainder: false }));
    expect(bs.map((b) => b.n)).toEqual([16, 16, 16, 2]);
    expect(rowIds(bs)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const b0 = bs[0]!;
    expect(Array.from(b0.y.subarray(0, 8))).toEqual([0, 0, 1, 0, 0, 1, 1, 1]);
    expect(Array.from(b0.mask!.subarray(0, 2))).toEqual([1, 0]); // row 0: second label masked
    expect(b0.patients!.slice(0, 3)).toEqual(['p0', 'p1', 'p2']);
    await ds.close();
  });

  it('shuffles with a seed: a permutation per epoch, repeatable, different across epochs', async () => {
    const ds = await ArrowDataset.open(join(dir, 'a.arrow'), { shuffleWindow: 3 });
    const opts = { batchSize: 10, shuffle: true, seed: 4, dropRemainder: false };
    const e0 = rowIds(await collect(ds.batches({ ...opts, epoch: 0 })));
    const e0again = rowIds(await collect(ds.batches({ ...opts, epoch: 0 })));
    const e1 = rowIds(await collect(ds.batches({ ...opts, epoch: 1 })));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e0).toEqual(e0again);
    expect(e1).not.toEqual(e0);
    expect(e0).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const dropped = await collect(ds.batches({ ...opts, epoch: 0, dropRemainder: true, batchSize: 16 }));
    expect(dropped.map((b) => b.n)).toEqual([16, 16, 16]);
    await ds.close();
  });

  it('filters rows by split and reads several files as one dataset', async () => {
    const val = await ArrowDataset.open(join(dir, 'a.arrow'), { split: 'val' });
    expect(val.size).toBe(13);
    expect(rowIds(await collect(val.batches({ batchSize: 100, shuffle: false, seed: 0, epoch: 0, dropRemainder: false })))).toEqual(
      Array.from({ length: 13 }, (_, i) => i * 4));
    await val.close();
    const two = await ArrowDataset.open([join(dir, 'a.arrow'), join(dir, 'noshape.arrow')], { imageShape: [4, 4, 1] });
    expect(two.size).toBe(60);
    await two.close();
  });

  it('explains missing columns, unknown shapes and shape mismatches', async () => {
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as TrainError);
    const e1 = await err(ArrowDataset.open(join(dir, 'a.arrow'), { labelColumn: 'labels' }));
    expect(e1?.code).toBe('TRAIN_BAD_DATA');
    expect(e1?.message).toMatch(/a\.arrow: no label column 'labels' \(columns: image, label, mask, patient, split\)/);
    await expect(ArrowDataset.open(join(dir, 'noshape.arrow'))).rejects.toThrow(/noshape\.arrow: image shape unknown/);
    await expect(ArrowDataset.open(join(dir, 'a.arrow'), { imageShape: [2, 4, 1] })).rejects.toThrow(/expected FixedSizeList<Uint8\|Float32>\[8\]/);
    await expect(ArrowDataset.open(join(dir, 'missing.arrow'))).rejects.toThrow(/missing\.arrow/);
  });

  it('feeds trainModel (uint8 pixels scaled by 1/255)', async () => {
    const path = join(dir, 'blobs.arrow');
    const b = blobs(64, 3);
    const s = schema(8, 8, 1, 2);
    const wr = await createBatchWriter(path, s);
    for (let i = 0; i < 64; i += 16) {
      const images = Uint8Array.from(b.images.subarray(i * 64, (i + 16) * 64), (v) => Math.round(v * 255));
      await wr.write(recordBatch(s, images, b.labels.slice(i * 2, (i + 16) * 2), new Uint8Array(32).fill(1),
        Array.from({ length: 16 }, (_, j) => `p${i + j}`), new Array<string>(16).fill('train')));
    }
    await wr.close();
    const ds = await ArrowDataset.open(path);
    const r = await trainModel(tinyCbr(2), { train: ds, validation: ds }, {
      task: { type: 'multilabel' }, batchSize: 16, epochs: 2, maxSteps: 6, progress: false, backend: { backend: 'wasm', threads: 1 },
    });
    expect(r.steps).toBe(6);
    expect(Number.isFinite(r.metrics['val_auc']!)).toBe(true);
    await ds.close();
  });
});
