// The training loop's view of data: fixed image shape, float labels with an optional "counts" mask,
// and batches produced in a seeded order. Sources: in-memory arrays or Arrow files (streamed).

import { z } from 'zod';
import type { InputTransform } from '../options/input-transform.js';

/** One batch, row-major NHWC images and N x L labels. */
export interface Batch {
  /** N*H*W*C values: uint8 0..255, or float32 taken as already divided by 255 (see the `input` transform). */
  x: Float32Array | Uint8Array;
  /** N*L labels: 0/1 per label (multi-label/binary) or the class index in column 0 (multi-class, L = 1). */
  y: Float32Array;
  /** N*L; 1 = the label counts in the loss and metrics, 0 = ignore (e.g. CheXpert U-Ignore). */
  mask?: Uint8Array | Float32Array;
  /** Patient ids, for patient-level bootstrap of the metrics. */
  patients?: string[];
  /** Row indices in the dataset (for reporting which samples a batch held). */
  rows?: Uint32Array;
  n: number;
  /**
   * Set when a dataset already turned the pixels into model inputs under this transform (as asked by
   * BatchOptions.prepare): `x` is then used as it is.
   */
  inputs?: InputTransform;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle rows (seeded by `seed` and `epoch`); off for evaluation. */
  shuffle: boolean;
  seed: number;
  epoch: number;
  /** Drop a last, smaller batch (keeps batch-norm statistics well defined). */
  dropRemainder: boolean;
  /**
   * How the consumer turns pixels into model inputs. A dataset may do that work ahead (e.g. in worker threads):
   * without augmentation it returns the model inputs (marking the batch's `inputs`), with augmentation float32
   * pixels in [0, 1] (the augmentation works on those). Datasets may ignore it.
   */
  prepare?: { input: InputTransform; augment: boolean };
}

export interface Dataset {
  /** Number of samples (rows). */
  readonly size: number;
  /** [H, W, C]. */
  readonly imageShape: readonly [number, number, number];
  /** L: label columns per sample. */
  readonly labelWidth: number;
  batches(options: BatchOptions): AsyncIterable<Batch>;
}

/** Column names of @transfusion/data's image-set layout, shared by the Arrow readers' options. */
export const imageSetColumnFields = {
  imageColumn: z.string().default('image'),
  labelColumn: z.string().default('label'),
  /** Optional; ignored when the file has no such column. */
  maskColumn: z.string().default('mask'),
  patientColumn: z.string().default('patient'),
  splitColumn: z.string().default('split'),
};
