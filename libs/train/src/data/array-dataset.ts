import { z } from 'zod';
import { describeZodIssues, TrainError } from '../errors.js';
import { mulberry32, permutation } from '@transfusion/random';
import type { Batch, BatchOptions, Dataset } from './dataset.js';

/** In-memory samples. Field names match `ImageSet` from @transfusion/data, so one can be passed directly. */
export interface ArrayDatasetInput {
  height: number;
  width: number;
  channels: number;
  /** N*H*W*C, NHWC row-major. */
  images: Float32Array | Uint8Array;
  /** N*L (L inferred as labels.length / N). */
  labels: Float32Array | Int32Array | number[];
  mask?: Uint8Array | Float32Array;
  patients?: string[];
}

const dims = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.number().int().positive(),
});

export class ArrayDataset implements Dataset {
  readonly size: number;
  readonly imageShape: readonly [number, number, number];
  readonly labelWidth: number;
  private readonly images: Float32Array | Uint8Array;
  private readonly labels: Float32Array;
  private readonly mask?: Uint8Array | Float32Array;
  private readonly patients?: string[];

  constructor(input: ArrayDatasetInput, name = 'dataset') {
    const d = dims.safeParse({ height: input.height, width: input.width, channels: input.channels });
    if (!d.success) throw new TrainError('TRAIN_BAD_DATA', `${name}: ${describeZodIssues(d.error.issues)}`);
    const per = input.height * input.width * input.channels;
    if (!(input.images instanceof Float32Array || input.images instanceof Uint8Array)) {
      throw new TrainError('TRAIN_BAD_DATA', `${name}: images: expected a Float32Array or Uint8Array`);
    }
    if (input.images.length % per !== 0 || input.images.length === 0) {
      throw new TrainError(
        'TRAIN_BAD_DATA',
        `${name}: images: length ${input.images.length} is not a positive multiple of H*W*C = ${per}`,
        { field: 'images' },
      );
    }
    const n = input.images.length / per;
    if (input.labels.length % n !== 0 || input.labels.length === 0) {
      throw new TrainError(
        'TRAIN_BAD_DATA',
        `${name}: labels: length ${input.labels.length} is not a positive multiple of the ${n} images`,
        { field: 'labels' },
      );
    }
    const labels = Float32Array.from(input.labels);
    if (input.mask && input.mask.length !== input.labels.length) {
      throw new TrainError(
        'TRAIN_BAD_DATA',
        `${name}: mask: expected ${input.labels.length} values like labels, got ${input.mask.length}`,
        { field: 'mask' },
      );
    }
    for (let i = 0; i < labels.length; i++) {
      if (input.mask && !input.mask[i]) continue; // masked entries may hold a placeholder (NaN, -1)
      if (!Number.isFinite(labels[i]!)) {
        const l = input.labels.length / n;
        throw new TrainError(
          'TRAIN_BAD_DATA',
          `${name}: labels: row ${Math.floor(i / l)}, column ${i % l} is ${labels[i]} (expected a finite number; mask it out instead)`,
          { field: 'labels', row: Math.floor(i / l) },
        );
      }
    }
    if (input.patients && input.patients.length !== n) {
      throw new TrainError('TRAIN_BAD_DATA', `${name}: patients: expected ${n} entries, got ${input.patients.length}`, {
        field: 'patients',
      });
    }
    this.size = n;
    this.imageShape = [input.height, input.width, input.channels];
    this.labelWidth = input.labels.length / n;
    this.images = input.images;
    this.labels = labels;
    if (input.mask) this.mask = input.mask;
    if (input.patients) this.patients = input.patients;
  }

  /** The rows in visiting order for an epoch: seeded by (seed, epoch) so runs repeat exactly. */
  order(o: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'>): Uint32Array {
    if (!o.shuffle) return Uint32Array.from({ length: this.size }, (_, i) => i);
    return permutation(this.size, mulberry32((o.seed * 0x9e3779b1 + o.epoch * 0x85ebca6b) >>> 0));
  }

  async *batches(o: BatchOptions): AsyncIterable<Batch> {
    const order = this.order(o);
    const per = this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
    const l = this.labelWidth;
    for (let start = 0; start < this.size; start += o.batchSize) {
      const n = Math.min(o.batchSize, this.size - start);
      if (n < o.batchSize && o.dropRemainder) break;
      const rows = order.subarray(start, start + n);
      const x = this.images instanceof Float32Array ? new Float32Array(n * per) : new Uint8Array(n * per);
      const y = new Float32Array(n * l);
      const mask = this.mask
        ? this.mask instanceof Float32Array
          ? new Float32Array(n * l)
          : new Uint8Array(n * l)
        : undefined;
      rows.forEach((r, j) => {
        x.set(this.images.subarray(r * per, (r + 1) * per), j * per);
        y.set(this.labels.subarray(r * l, (r + 1) * l), j * l);
        if (mask && this.mask) mask.set(this.mask.subarray(r * l, (r + 1) * l), j * l);
      });
      const batch: Batch = { x, y, n, rows: Uint32Array.from(rows) };
      if (mask) batch.mask = mask;
      if (this.patients) batch.patients = Array.from(rows, (r) => this.patients![r]!);
      yield batch;
    }
  }
}

/** A Dataset, or in-memory arrays to wrap in one. */
export type DatasetLike = Dataset | ArrayDatasetInput;

export function asDataset(d: DatasetLike, name: string): Dataset {
  return 'batches' in d ? d : new ArrayDataset(d, name);
}
