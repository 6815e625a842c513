// Datasets larger than memory, streamed from Arrow IPC files record batch by record batch.
// Default column names follow @transfusion/data's image-set layout (image, label, mask, patient, split;
// image shape in the schema metadata key 'transfusion.shape'). Shuffling: the record batches are visited in
// a seeded random order and rows are shuffled within a window of `shuffleWindow` record batches, so memory
// holds one window, never the file.
import * as arrow from 'apache-arrow';
import { type ArrowFileHandle, openArrowFile } from '@transfusion/arrow-io';
import { z } from 'zod';
import { describeZodIssues, TrainError } from '../errors.js';
import { mulberry32, permutation } from '@transfusion/random';
import { type Batch, type BatchOptions, type Dataset, imageSetColumnFields } from './dataset.js';
import { failData, listView, readImageSetLayout } from './image-set-file.js';

export const arrowDatasetOptionsSchema = z
  .object({
    ...imageSetColumnFields,
    /** Keep only rows whose split column equals this (e.g. 'train'); needs one scan of the split column on open. */
    split: z.string().optional(),
    /** [H, W, C]; default from the schema metadata 'transfusion.shape'. */
    imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).optional(),
    /** Record batches whose rows are shuffled together (memory = this many record batches). */
    shuffleWindow: z.number().int().positive().default(8),
  })
  .strict();
export type ArrowDatasetOptions = z.input<typeof arrowDatasetOptionsSchema>;

interface Row {
  x: Uint8Array | Float32Array;
  y: ArrayLike<number>;
  m?: ArrayLike<number>;
  p?: string;
}

interface Source {
  path: string;
  handle: ArrowFileHandle;
  /** Rows kept per record batch (after the split filter). */
  kept: number[];
}

export class ArrowDataset implements Dataset {
  readonly size: number;
  readonly imageShape: readonly [number, number, number];
  readonly labelWidth: number;

  private constructor(
    private readonly sources: Source[],
    private readonly o: z.output<typeof arrowDatasetOptionsSchema>,
    shape: [number, number, number],
    labelWidth: number,
  ) {
    this.size = sources.reduce((n, s) => n + s.kept.reduce((a, b) => a + b, 0), 0);
    this.imageShape = shape;
    this.labelWidth = labelWidth;
  }

  static async open(paths: string | readonly string[], options: ArrowDatasetOptions = {}): Promise<ArrowDataset> {
    const parsed = arrowDatasetOptionsSchema.safeParse(options);
    if (!parsed.success) throw new TrainError('TRAIN_BAD_OPTIONS', `Arrow dataset options: ${describeZodIssues(parsed.error.issues)}`);
    const o = parsed.data;
    const list = typeof paths === 'string' ? [paths] : [...paths];
    if (list.length === 0) throw new TrainError('TRAIN_BAD_OPTIONS', 'Arrow dataset: no files given');
    const sources: Source[] = [];
    let shape: [number, number, number] | undefined = o.imageShape;
    let labelWidth: number | undefined;
    try {
      for (const path of list) {
        const handle = await openArrowFile(path);
        sources.push({ path, handle, kept: [] });
        const layout = readImageSetLayout(handle.info, path, o, { imageShape: o.imageShape, offersImageShape: true });
        if (shape && layout.shape.join() !== shape.join()) failData(path, `images are ${layout.shape.join('x')}, earlier files have ${shape.join('x')}`);
        shape = layout.shape;
        if (labelWidth !== undefined && layout.labelWidth !== labelWidth) failData(path, `has ${layout.labelWidth} labels per row, earlier files have ${labelWidth}`);
        labelWidth = layout.labelWidth;
        const sizes = await ArrowDataset.keptRows(handle, path, o);
        sources[sources.length - 1]!.kept = sizes;
      }
    } catch (err) {
      await Promise.all(sources.map((s) => s.handle.close()));
      throw err;
    }
    return new ArrowDataset(sources, o, shape!, labelWidth!);
  }

  /** Rows per record batch, after the split filter (one pass over the file when filtering). */
  private static async keptRows(handle: ArrowFileHandle, path: string, o: z.output<typeof arrowDatasetOptionsSchema>): Promise<number[]> {
    const out: number[] = [];
    for (let b = 0; b < handle.info.numBatches; b++) {
      const batch = await handle.batch(b);
      if (o.split === undefined) {
        out.push(batch.numRows);
        continue;
      }
      const col = batch.getChild(o.splitColumn);
      if (!col) failData(path, `no split column '${o.splitColumn}' to filter on`);
      let n = 0;
      for (let i = 0; i < batch.numRows; i++) if (col.get(i) === o.split) n++;
      out.push(n);
    }
    return out;
  }

  private rowsOf(batch: arrow.RecordBatch, path: string): Row[] {
    const o = this.o;
    const img = listView(batch.getChild(o.imageColumn)!, path, o.imageColumn);
    const labCol = batch.getChild(o.labelColumn)!;
    const lab = labCol.type instanceof arrow.FixedSizeList
      ? listView(labCol, path, o.labelColumn)
      : (i: number) => [Number(labCol.get(i))];
    const maskCol = batch.getChild(o.maskColumn);
    const mask = maskCol ? listView(maskCol, path, o.maskColumn) : undefined;
    const patient = batch.getChild(o.patientColumn);
    const split = o.split !== undefined ? batch.getChild(o.splitColumn) : undefined;
    const rows: Row[] = [];
    for (let i = 0; i < batch.numRows; i++) {
      if (split && split.get(i) !== o.split) continue;
      const row: Row = { x: img(i) as Uint8Array | Float32Array, y: lab(i) };
      if (mask) row.m = mask(i);
      if (patient) row.p = String(patient.get(i));
      rows.push(row);
    }
    return rows;
  }

  private assemble(rows: Row[]): Batch {
    const n = rows.length;
    const per = this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
    const l = this.labelWidth;
    const x = rows[0]!.x instanceof Uint8Array ? new Uint8Array(n * per) : new Float32Array(n * per);
    const y = new Float32Array(n * l);
    const withMask = rows.some((r) => r.m);
    const mask = withMask ? new Uint8Array(n * l).fill(1) : undefined;
    const patients: string[] = [];
    rows.forEach((r, j) => {
      x.set(r.x, j * per);
      for (let k = 0; k < l; k++) y[j * l + k] = r.y[k]!;
      if (mask && r.m) for (let k = 0; k < l; k++) mask[j * l + k] = r.m[k]!;
      if (r.p !== undefined) patients.push(r.p);
    });
    const batch: Batch = { x, y, n };
    if (mask) batch.mask = mask;
    if (patients.length === n) batch.patients = patients;
    return batch;
  }

  async *batches(opts: BatchOptions): AsyncIterable<Batch> {
    const units: [number, number][] = [];
    this.sources.forEach((s, f) => s.kept.forEach((k, b) => {
      if (k > 0) units.push([f, b]);
    }));
    const rnd = mulberry32((opts.seed * 0x9e3779b1 + opts.epoch * 0x85ebca6b + 7) >>> 0);
    const order = opts.shuffle ? Array.from(permutation(units.length, rnd), (i) => units[i]!) : units;
    const window = opts.shuffle ? this.o.shuffleWindow : 1;
    let pending: Row[] = [];
    for (let w = 0; w < order.length; w += window) {
      for (const [f, b] of order.slice(w, w + window)) {
        const src = this.sources[f]!;
        pending.push(...this.rowsOf(await src.handle.batch(b), src.path));
      }
      if (opts.shuffle) {
        const p = permutation(pending.length, rnd);
        pending = Array.from(p, (i) => pending[i]!);
      }
      while (pending.length >= opts.batchSize) {
        yield this.assemble(pending.slice(0, opts.batchSize));
        pending = pending.slice(opts.batchSize);
      }
    }
    if (pending.length > 0 && !opts.dropRemainder) yield this.assemble(pending);
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.handle.close()));
  }
}

export function openArrowDataset(paths: string | readonly string[], options?: ArrowDatasetOptions): Promise<ArrowDataset> {
  return ArrowDataset.open(paths, options);
}
