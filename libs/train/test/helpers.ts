import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import type { ArrayDatasetInput } from '../src/data/array-dataset.js';
import type { TrainOptions } from '../src/training/train-model.js';
import { blobs as blobImages } from './fixtures/blobs.mjs';

/** A tiny CBR net (conv -> BN -> ReLU -> pool -> GAP -> dense logits) with seeded initialisers. */
export function tinyCbr(outputs: number, channels = 1, size = 8, seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [size, size, channels] });
  let h = tf.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      name: 'conv1',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'relu1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: outputs, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'tiny-cbr' });
}

/**
 * 8x8x1 images; label 0 = the top half holds a bright blob, label 1 = the bottom half does.
 * Learnable in a few dozen steps by a tiny conv net.
 */
export interface Blobs extends ArrayDatasetInput {
  images: Float32Array;
  labels: Float32Array;
}

/** Seeded `Blobs` (fixtures/blobs.mjs: one definition shared with the resume-child.mjs process). */
export const blobs: (n: number, seed: number) => Blobs = blobImages;

/** Same images; class = number of halves with a blob (0, 1 or 2). */
export function blobCounts(n: number, seed: number): ArrayDatasetInput {
  const b = blobs(n, seed);
  const classes = new Float32Array(n);
  for (let i = 0; i < n; i++) classes[i] = b.labels[i * 2]! + b.labels[i * 2 + 1]!;
  return { ...b, labels: classes };
}

/** Silent training on the single-threaded wasm backend. */
export const quiet = { progress: false, backend: { backend: 'wasm', threads: 1 } } as const;

/** A small, quick multi-label run on `blobs` data. */
export const base: TrainOptions = {
  ...quiet,
  task: { type: 'multilabel', labelNames: ['top', 'bottom'] },
  batchSize: 16,
  seed: 3,
  optimizer: { type: 'adam', lr: 0.02 },
};

/** Registers a suite's setup: the single-threaded wasm backend and a temp folder (removed afterwards). */
export function wasmSuiteWithTempDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    await resolveBackend({ backend: 'wasm', threads: 1 });
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    releaseBackend();
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
