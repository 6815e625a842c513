// Image sets larger than memory, read row by row from an Arrow IPC file (the @transfusion/data image-set layout:
// one record batch per shard). Opening reads the small columns (labels, mask, patients, splits) and where each
// image lies in the file; images are read per batch, by byte range, in worker threads that also convert them to
// model inputs, with a bounded queue of batches prepared ahead. Memory: the small columns plus
// (prefetch + 1) batches — never the images of the set.
//
// Order: the rows of a StreamedDataset are visited exactly as an ArrayDataset holding the same rows visits them
// (the same seeded permutation per epoch), so a run gives the same batches streamed or in memory.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as arrow from 'apache-arrow';
import { type ArrowFileHandle, openArrowFile } from '@transfusion/arrow-io';
import { z } from 'zod';
import { describeZodIssues, TrainError } from '../errors.js';
import { transformCoefficients, type ChannelMap } from '../training/input-transform.js';
import { mulberry32, permutation } from '@transfusion/random';
import { type Batch, type BatchOptions, type Dataset, imageSetColumnFields } from './dataset.js';
import { copyRows, failData, readImageSetLayout } from './image-set-file.js';

export const streamedImagesOptionsSchema = z
  .object({
    ...imageSetColumnFields,
    /** Worker threads that read and convert images; 0 = on the calling thread (default: 2, at most the cores). */
    workers: z.number().int().min(0).max(32).default(Math.min(2, availableParallelism())),
    /** Batches prepared ahead of the consumer (the bounded queue). */
    prefetch: z.number().int().min(1).max(64).default(4),
  })
  .strict();
export type StreamedImagesOptions = z.input<typeof streamedImagesOptionsSchema>;

/** One batch's read: the file offsets of its rows and what to turn the bytes into. */
export interface ReadJob {
  path: string;
  offsets: Float64Array;
  rowBytes: number;
  dtype: 'uint8' | 'float32';
  /** null: return the stored pixels; else model inputs per transformCoefficients. */
  map: ChannelMap | null;
}

/**
 * Reads the rows of a job (coalescing rows that follow each other in the file) and converts them. Self-contained
 * (no imports, no closures): the worker threads run its source text, so compiled and test runs use the same code.
 */
export function prepareRows(
  fsm: {
    openSync(p: string, f: string): number;
    readSync(fd: number, b: Uint8Array, o: number, l: number, p: number): number;
  },
  fds: Map<string, number>,
  job: ReadJob,
): Uint8Array | Float32Array {
  let fd = fds.get(job.path);
  if (fd === undefined) {
    fd = fsm.openSync(job.path, 'r');
    fds.set(job.path, fd);
  }
  const n = job.offsets.length;
  const rb = job.rowBytes;
  const raw = new Uint8Array(n * rb);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && job.offsets[j] === job.offsets[j - 1]! + rb) j++;
    const len = (j - i) * rb;
    let done = 0;
    while (done < len) {
      const got = fsm.readSync(fd, raw, i * rb + done, len - done, job.offsets[i]! + done);
      if (got === 0)
        throw new Error(
          `ended at byte ${job.offsets[i]! + done} while reading image bytes (the file shrank or was replaced since it was opened)`,
        );
      done += got;
    }
    i = j;
  }
  const pixels = job.dtype === 'uint8' ? raw : new Float32Array(raw.buffer, 0, raw.length / 4);
  if (!job.map) return pixels;
  const { source, scale, shift } = job.map;
  const c = source.length;
  const out = new Float32Array(pixels.length);
  for (let p = 0; p < pixels.length; p += c) {
    for (let k = 0; k < c; k++) out[p + k] = pixels[p + source[k]!]! * scale[k]! + shift[k]!;
  }
  return out;
}

const WORKER_SOURCE = `
${prepareRows.toString()}
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const fds = new Map();
parentPort.on('message', (m) => {
  try {
    const x = prepareRows(fs, fds, m.job);
    parentPort.postMessage({ id: m.id, ok: true, x }, [x.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) });
  }
});
`;

type Reply = { id: number; ok: true; x: Uint8Array | Float32Array } | { id: number; ok: false; message: string };

/** Worker threads reading jobs; referenced only while jobs are outstanding, so an idle pool never keeps a process alive. */
class ReadPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { worker: Worker; path: string; resolve: (x: Uint8Array | Float32Array) => void; reject: (e: Error) => void }
  >();
  private readonly mainFds = new Map<string, number>();
  private next = 0;
  private turn = 0;
  private closing = false;
  /** Jobs run so far on worker threads (tests check the threads are used). */
  workerJobs = 0;

  constructor(private readonly size: number) {}

  private spawn(): Worker[] {
    while (this.workers.length < this.size) {
      // no inherited execArgv: under --input-type=module the eval'd source would be an ES module without `require`
      const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      w.unref();
      w.on('message', (r: Reply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        this.refresh(w);
        if (r.ok) p.resolve(r.x);
        else p.reject(new TrainError('TRAIN_BAD_DATA', `${p.path}: ${r.message}`, { file: p.path }));
      });
      const fail = (e: Error): void => {
        for (const [id, p] of this.pending) {
          if (p.worker !== w) continue;
          this.pending.delete(id);
          p.reject(
            new TrainError('TRAIN_BAD_DATA', `${p.path}: image reader thread failed: ${e.message}`, { file: p.path }),
          );
        }
        const i = this.workers.indexOf(w);
        if (i >= 0) this.workers.splice(i, 1);
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
      this.workers.push(w);
    }
    return this.workers;
  }

  private refresh(w: Worker): void {
    // a stopping worker stays referenced until it has exited (a late reply must not let the process end mid-close)
    if (!this.closing && ![...this.pending.values()].some((p) => p.worker === w)) w.unref();
  }

  run(job: ReadJob): Promise<Uint8Array | Float32Array> {
    if (this.size === 0) {
      try {
        return Promise.resolve(prepareRows(fs, this.mainFds, job));
      } catch (e) {
        return Promise.reject(
          new TrainError('TRAIN_BAD_DATA', `${job.path}: ${(e as Error).message}`, { file: job.path }),
        );
      }
    }
    const workers = this.spawn();
    const w = workers[this.turn++ % workers.length]!;
    const id = this.next++;
    this.workerJobs++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: w, path: job.path, resolve, reject });
      w.ref();
      w.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    for (const fd of this.mainFds.values()) fs.closeSync(fd);
    this.mainFds.clear();
    this.closing = true;
    const ws = this.workers.splice(0);
    // referenced while they stop: an unreferenced worker's exit does not keep the event loop alive, and a process
    // with nothing else pending would end in the middle of this await
    await Promise.all(
      ws.map((w) => {
        w.ref();
        return w.terminate();
      }),
    );
    this.closing = false;
  }
}

/** The image set of one Arrow file: small columns in memory, images on disk. Make datasets of its rows with `dataset`. */
export class StreamedImageFile {
  /** Jobs run on worker threads so far. */
  get workerJobs(): number {
    return this.pool.workerJobs;
  }

  private constructor(
    readonly path: string,
    readonly imageShape: readonly [number, number, number],
    readonly dtype: 'uint8' | 'float32',
    readonly labelWidth: number,
    /** N × labelWidth. */
    readonly labels: Float32Array,
    /** N × labelWidth, or undefined without a mask column. */
    readonly mask: Uint8Array | undefined,
    readonly patients: string[] | undefined,
    readonly splits: string[] | undefined,
    /** File offset of each row's image. */
    private readonly offsets: Float64Array,
    private readonly rowBytes: number,
    readonly options: z.output<typeof streamedImagesOptionsSchema>,
    private readonly pool: ReadPool,
  ) {}

  get numRows(): number {
    return this.offsets.length;
  }

  static async open(path: string, options: StreamedImagesOptions = {}): Promise<StreamedImageFile> {
    const parsed = streamedImagesOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new TrainError(
        'TRAIN_BAD_OPTIONS',
        `streamed image set options: ${describeZodIssues(parsed.error.issues)}`,
      );
    const o = parsed.data;
    let handle: ArrowFileHandle;
    try {
      handle = await openArrowFile(path);
    } catch (e) {
      throw new TrainError('TRAIN_BAD_DATA', (e as Error).message, { file: path });
    }
    try {
      const {
        shape,
        dtype,
        labelWidth: width,
        hasMask,
        hasPatient,
        hasSplit,
      } = readImageSetLayout(handle.info, path, o);
      const per = shape[0] * shape[1] * shape[2];
      const n = handle.info.numRows;
      const offsets = new Float64Array(n);
      const labels = new Float32Array(n * width);
      const mask = hasMask ? new Uint8Array(n * width) : undefined;
      const patients: string[] | undefined = hasPatient ? [] : undefined;
      const splits: string[] | undefined = hasSplit ? [] : undefined;
      const rowBytes = per * (dtype === 'uint8' ? 1 : 4);
      let row = 0;
      for (let b = 0; b < handle.info.numBatches; b++) {
        const where = `record batch ${b}`;
        const region = handle.region(b, o.imageColumn);
        for (let i = 0; i < region.rows; i++) offsets[row + i] = region.offset + i * rowBytes;
        const l = await handle.column(b, o.labelColumn);
        if (l.length !== region.rows)
          failData(path, `${where}: column '${o.labelColumn}' has ${l.length} rows, '${o.imageColumn}' ${region.rows}`);
        copyRows(l, path, o.labelColumn, width, labels, row, region.rows);
        if (mask) {
          const m = await handle.column(b, o.maskColumn);
          const mw = m.type instanceof arrow.FixedSizeList ? m.type.listSize : 1;
          if (mw !== width)
            failData(path, `${where}: column '${o.maskColumn}' has ${mw} values per row, '${o.labelColumn}' ${width}`);
          copyRows(m, path, o.maskColumn, width, mask, row, region.rows);
        }
        if (patients)
          for (const p of (await handle.column(b, o.patientColumn)).toArray() as string[]) patients.push(String(p));
        if (splits)
          for (const p of (await handle.column(b, o.splitColumn)).toArray() as string[]) splits.push(String(p));
        row += region.rows;
      }
      return new StreamedImageFile(
        path,
        shape,
        dtype,
        width,
        labels,
        mask,
        patients,
        splits,
        offsets,
        rowBytes,
        o,
        new ReadPool(o.workers),
      );
    } catch (e) {
      if (e instanceof TrainError) throw e;
      throw new TrainError(
        'TRAIN_BAD_DATA',
        (e as Error).message.startsWith(path) ? (e as Error).message : `${path}: ${(e as Error).message}`,
        { file: path },
      );
    } finally {
      await handle.close();
    }
  }

  /** Row numbers (file order) whose split column equals `split`. */
  rowsOf(split: string): Uint32Array {
    if (!this.splits) failData(this.path, `no split column '${this.options.splitColumn}' to select '${split}' rows`);
    const out: number[] = [];
    this.splits.forEach((s, i) => s === split && out.push(i));
    return Uint32Array.from(out);
  }

  /** A dataset of the given rows (file order numbers; default all), visited like an ArrayDataset of those rows. */
  dataset(rows?: ArrayLike<number>): StreamedDataset {
    const r = rows
      ? Uint32Array.from(rows as ArrayLike<number>)
      : Uint32Array.from({ length: this.numRows }, (_, i) => i);
    for (const i of r)
      if (i >= this.numRows)
        throw new TrainError('TRAIN_BAD_OPTIONS', `${this.path}: row ${i} outside 0..${this.numRows - 1}`);
    return new StreamedDataset(this, r);
  }

  /** @internal Reads rows `rows` (file order) as a batch. */
  read(rows: Uint32Array, prepare: BatchOptions['prepare']): Promise<Uint8Array | Float32Array> {
    const offsets = Float64Array.from(rows, (r) => this.offsets[r]!);
    const map = prepare
      ? transformCoefficients(prepare.augment ? 'unit' : prepare.input, this.imageShape[2], this.dtype === 'uint8')
      : null;
    return this.pool.run({ path: this.path, offsets, rowBytes: this.rowBytes, dtype: this.dtype, map });
  }

  /** Stops the reader threads. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Rows of a StreamedImageFile as a Dataset. */
export class StreamedDataset implements Dataset {
  readonly size: number;
  readonly imageShape: readonly [number, number, number];
  readonly labelWidth: number;

  constructor(
    readonly file: StreamedImageFile,
    readonly rows: Uint32Array,
  ) {
    this.size = rows.length;
    this.imageShape = file.imageShape;
    this.labelWidth = file.labelWidth;
  }

  /** The first `n` rows (e.g. a probe set or the small-data regime). */
  head(n: number): StreamedDataset {
    if (n > this.size)
      throw new TrainError('TRAIN_BAD_OPTIONS', `${this.file.path}: ${n} rows asked for, the dataset has ${this.size}`);
    return new StreamedDataset(this.file, this.rows.slice(0, n));
  }

  /** Same order as ArrayDataset.order for the same rows. */
  order(o: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'>): Uint32Array {
    if (!o.shuffle) return Uint32Array.from({ length: this.size }, (_, i) => i);
    return permutation(this.size, mulberry32((o.seed * 0x9e3779b1 + o.epoch * 0x85ebca6b) >>> 0));
  }

  async *batches(o: BatchOptions): AsyncIterable<Batch> {
    const order = this.order(o);
    const l = this.labelWidth;
    const f = this.file;
    const starts: number[] = [];
    for (let s = 0; s < this.size; s += o.batchSize) {
      if (Math.min(o.batchSize, this.size - s) < o.batchSize && o.dropRemainder) break;
      starts.push(s);
    }
    const queue: Promise<Batch>[] = [];
    const make = (start: number): Promise<Batch> => {
      const local = order.slice(start, start + o.batchSize);
      const global = Uint32Array.from(local, (i) => this.rows[i]!);
      const n = local.length;
      return f.read(global, o.prepare).then((x) => {
        const y = new Float32Array(n * l);
        const mask = f.mask ? new Uint8Array(n * l) : undefined;
        global.forEach((r, j) => {
          y.set(f.labels.subarray(r * l, (r + 1) * l), j * l);
          if (mask) mask.set(f.mask!.subarray(r * l, (r + 1) * l), j * l);
        });
        const batch: Batch = { x, y, n, rows: local };
        if (mask) batch.mask = mask;
        if (f.patients) batch.patients = Array.from(global, (r) => f.patients![r]!);
        if (o.prepare && !o.prepare.augment) batch.inputs = o.prepare.input;
        return batch;
      });
    };
    let next = 0;
    try {
      while (next < starts.length || queue.length > 0) {
        while (next < starts.length && queue.length < f.options.prefetch) queue.push(make(starts[next++]!));
        yield await queue.shift()!;
      }
    } finally {
      for (const p of queue) p.catch(() => undefined); // the consumer stopped early: drop what was read ahead
    }
  }
}

/** Opens an image-set file for streaming; make datasets of its rows with `.dataset(rows)` / `.rowsOf(split)`. */
export function openStreamedImages(path: string, options?: StreamedImagesOptions): Promise<StreamedImageFile> {
  return StreamedImageFile.open(path, options);
}
