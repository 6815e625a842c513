import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as tf from '@tensorflow/tfjs';
import { createBatchWriter } from '@transfusion/arrow-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBackend } from '../src/backend/resolve.js';
import { ArrayDataset } from '../src/data/array-dataset.js';
import type { Batch, BatchOptions } from '../src/data/dataset.js';
import { openStreamedImages } from '../src/data/streamed-dataset.js';
import { TrainError } from '../src/errors.js';
import { evaluateModel } from '../src/training/evaluate.js';
import { captureActivations } from '../src/activations.js';
import { trainModel } from '../src/training/train-model.js';
import { tinyCbr } from './helpers.js';

const H = 8;
const C = 3;
const PER = H * H * C;

// The @transfusion/data image-set layout: image/label/mask FixedSizeLists, id/patient/split strings.
function schema(): arrow.Schema {
  const fsl = (n: number, t: arrow.DataType) => new arrow.FixedSizeList(n, new arrow.Field('item', t, false));
  return new arrow.Schema(
    [
      new arrow.Field('image', fsl(PER, new arrow.Uint8()), false),
      new arrow.Field('label', fsl(2, new arrow.Float32()), false),
      new arrow.Field('mask', fsl(2, new arrow.Uint8()), false),
      new arrow.Field('id', new arrow.Utf8(), false),
      new arrow.Field('patient', new arrow.Utf8(), false),
      new arrow.Field('split', new arrow.Utf8(), false),
    ],
    new Map([['transfusion.shape', JSON.stringify([H, H, C])]]),
  );
}

interface Rows {
  images: Uint8Array;
  labels: Float32Array;
  mask: Uint8Array;
  patients: string[];
  splits: string[];
}

/** Row r: pseudo-random pixels, label [r%2, (r>>1)%2] with the second masked every 5th row; splits train/val/test. */
function rowsOf(n: number): Rows {
  const images = new Uint8Array(n * PER);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const labels = new Float32Array(n * 2);
  const mask = new Uint8Array(n * 2).fill(1);
  for (let r = 0; r < n; r++) {
    labels[r * 2] = r % 2;
    labels[r * 2 + 1] = (r >> 1) % 2;
    if (r % 5 === 0) mask[r * 2 + 1] = 0;
  }
  return {
    images,
    labels,
    mask,
    patients: Array.from({ length: n }, (_, r) => `p${r >> 1}`),
    splits: Array.from({ length: n }, (_, r) => (r % 7 === 3 ? 'val' : r % 7 === 5 ? 'test' : 'train')),
  };
}

async function writeSet(path: string, all: Rows, perBatch: number): Promise<void> {
  const s = schema();
  const w = await createBatchWriter(path, s);
  const n = all.patients.length;
  for (let a = 0; a < n; a += perBatch) {
    const b = Math.min(n, a + perBatch);
    const k = b - a;
    const fsl = (f: arrow.Field, values: Uint8Array | Float32Array) => {
      const type = f.type as arrow.FixedSizeList;
      return arrow.makeData({
        type,
        length: k,
        nullCount: 0,
        child: arrow.makeData({ type: type.children[0]!.type, length: values.length, data: values } as never),
      });
    };
    const utf8 = (v: string[]) => arrow.vectorFromArray(v, new arrow.Utf8()).data[0]!;
    const [img, lab, msk] = s.fields;
    await w.write(
      new arrow.RecordBatch(
        s,
        arrow.makeData({
          type: new arrow.Struct(s.fields),
          length: k,
          nullCount: 0,
          children: [
            fsl(img!, all.images.slice(a * PER, b * PER)),
            fsl(lab!, all.labels.slice(a * 2, b * 2)),
            fsl(msk!, all.mask.slice(a * 2, b * 2)),
            utf8(all.patients.slice(a, b).map((_, i) => `id${a + i}`)),
            utf8(all.patients.slice(a, b)),
            utf8(all.splits.slice(a, b)),
          ],
        }),
      ),
    );
  }
  await w.close();
}

/** The in-memory dataset of the given rows, as the study builds it today (ImageSet fields). */
function inMemory(all: Rows, rows: number[]): ArrayDataset {
  const images = new Uint8Array(rows.length * PER);
  const labels = new Float32Array(rows.length * 2);
  const mask = new Uint8Array(rows.length * 2);
  rows.forEach((r, j) => {
    images.set(all.images.subarray(r * PER, (r + 1) * PER), j * PER);
    labels.set(all.labels.subarray(r * 2, r * 2 + 2), j * 2);
    mask.set(all.mask.subarray(r * 2, r * 2 + 2), j * 2);
  });
  return new ArrayDataset({
    height: H,
    width: H,
    channels: C,
    images,
    labels,
    mask,
    patients: rows.map((r) => all.patients[r]!),
  });
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

let dir: string;
const N = 150;
const all = rowsOf(N);
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamed-'));
  file = join(dir, 'set.arrow');
  await writeSet(file, all, 16);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  releaseBackend();
});

describe('StreamedImageFile / StreamedDataset', () => {
  it('gives the same batches as the in-memory dataset of the same rows, for every seed and epoch, with and without workers', async () => {
    const trainRows = all.splits.flatMap((s, i) => (s === 'train' ? [i] : []));
    const mem = inMemory(all, trainRows);
    for (const workers of [0, 2]) {
      const f = await openStreamedImages(file, { workers, prefetch: 3 });
      try {
        const ds = f.dataset(f.rowsOf('train'));
        expect(ds.size).toBe(trainRows.length);
        for (const o of [
          { batchSize: 7, shuffle: true, seed: 3, epoch: 0, dropRemainder: true },
          { batchSize: 7, shuffle: true, seed: 3, epoch: 1, dropRemainder: false },
          { batchSize: 32, shuffle: false, seed: 0, epoch: 0, dropRemainder: false },
        ] satisfies BatchOptions[]) {
          const a = await collect(mem.batches(o));
          const b = await collect(ds.batches(o));
          expect(b.length).toBe(a.length);
          b.forEach((x, i) => {
            expect(x.n).toBe(a[i]!.n);
            expect(Array.from(x.rows!)).toEqual(Array.from(a[i]!.rows!));
            expect(x.x).toEqual(a[i]!.x);
            expect(x.y).toEqual(a[i]!.y);
            expect(x.mask).toEqual(a[i]!.mask);
            expect(x.patients).toEqual(a[i]!.patients);
          });
        }
        if (workers > 0) expect(f.workerJobs).toBeGreaterThan(0);
      } finally {
        await f.close();
      }
    }
  });

  it('converts to model inputs in the reader threads exactly as the training loop does in memory', async () => {
    const f = await openStreamedImages(file, { workers: 2 });
    try {
      const rows = Array.from(f.rowsOf('test'));
      const mem = inMemory(all, rows);
      const ds = f.dataset(rows);
      const model = tinyCbr(2, C, H, 5);
      for (const input of ['unit', 'caffe', 'torch', 'tf'] as const) {
        const a = await evaluateModel(model, mem, { type: 'multilabel' }, { input, batchSize: 8 });
        const b = await evaluateModel(model, ds, { type: 'multilabel' }, { input, batchSize: 8 });
        expect(b.probabilities).toEqual(a.probabilities);
        expect(b.metrics).toEqual(a.metrics);
        expect(b.patients).toEqual(a.patients);
      }
      const acts = await captureActivations(model, ds.head(10), ['conv1'], { input: 'caffe', batchSize: 4 });
      const ref = await captureActivations(model, inMemory(all, rows.slice(0, 10)), ['conv1'], {
        input: 'caffe',
        batchSize: 4,
      });
      expect(acts['conv1']!.data).toEqual(ref['conv1']!.data);
      model.dispose();
    } finally {
      await f.close();
    }
  });

  it('trains to the same weights streamed as in memory (augmentation on: unit floats from the threads)', async () => {
    const f = await openStreamedImages(file, { workers: 2, prefetch: 2 });
    try {
      const rows = Array.from(f.rowsOf('train'));
      const options = {
        task: { type: 'multilabel' as const },
        batchSize: 8,
        epochs: 2,
        seed: 4,
        input: 'torch' as const,
        augment: { hflip: true, brightness: 0.1 },
        progress: false,
      };
      const m1 = tinyCbr(2, C, H, 9);
      const r1 = await trainModel(m1, { train: inMemory(all, rows) }, options);
      const m2 = tinyCbr(2, C, H, 9);
      const r2 = await trainModel(m2, { train: f.dataset(rows) }, options);
      expect(r2.history.map((h) => h.metrics['train_loss'])).toEqual(r1.history.map((h) => h.metrics['train_loss']));
      const w1 = m1.getWeights().map((w) => w.dataSync());
      m2.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(w1[i]));
      tf.dispose([m1, m2] as never);
    } finally {
      await f.close();
    }
  });

  it('keeps at most `prefetch` batches read ahead of the consumer', async () => {
    const f = await openStreamedImages(file, { workers: 1, prefetch: 2 });
    try {
      const ds = f.dataset();
      let reads = 0;
      const read = f.read.bind(f);
      f.read = (rows, prepare) => {
        reads++;
        return read(rows, prepare);
      };
      let consumed = 0;
      for await (const b of ds.batches({ batchSize: 10, shuffle: true, seed: 1, epoch: 0, dropRemainder: false })) {
        consumed++;
        expect(b.n).toBe(10);
        // the batch handed out plus at most `prefetch` being read
        expect(reads - consumed).toBeLessThanOrEqual(2);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(consumed).toBe(15);
    } finally {
      await f.close();
    }
  });

  it('names the file when it is damaged or not an image set', async () => {
    const bytes = await readFile(file);
    const cut = join(dir, 'cut.arrow');
    await writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await expect(openStreamedImages(cut)).rejects.toThrow(TrainError);
    await expect(openStreamedImages(cut)).rejects.toThrow(cut);
    const other = join(dir, 'other.arrow');
    const w = await createBatchWriter(other, new arrow.Schema([new arrow.Field('x', new arrow.Int32(), false)]));
    await w.close();
    await expect(openStreamedImages(other)).rejects.toThrow(`${other}: no image column 'image'`);
  });

  it('names the file when images cannot be read (the file shrank after opening)', async () => {
    const copy = join(dir, 'shrinks.arrow');
    const bytes = await readFile(file);
    await writeFile(copy, bytes);
    const f = await openStreamedImages(copy, { workers: 1 });
    try {
      await writeFile(copy, bytes.subarray(0, 2000));
      const err = await collect(
        f.dataset().batches({ batchSize: 50, shuffle: false, seed: 0, epoch: 0, dropRemainder: false }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrainError);
      expect((err as Error).message).toContain(copy);
    } finally {
      await f.close();
    }
  });

  it('a process ends by itself after close(), and not before its work is done (runs the built library)', () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { openStreamedImages } = await import(${JSON.stringify(dist)});
      const f = await openStreamedImages(${JSON.stringify(file)}, { workers: 2 });
      let n = 0;
      for await (const b of f.dataset().batches({ batchSize: 16, shuffle: true, seed: 1, epoch: 0, dropRemainder: false })) n += b.n;
      await f.close();
      // closing while batches are still being read ahead (a training loop stops at maxSteps): replies arrive mid-close
      const g = await openStreamedImages(${JSON.stringify(file)}, { workers: 2, prefetch: 8 });
      for (let k = 0; k < 5; k++) {
        for await (const b of g.dataset().batches({ batchSize: 4, shuffle: true, seed: k, epoch: 0, dropRemainder: false })) break;
        await g.close();
      }
      await new Promise((r) => setTimeout(r, 20));
      process.stdout.write('read ' + n);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`read ${N}`);
  });
});
