// The reference model of the training benchmark, a CBR-Small-like net from the Transfusion paper:
// 4 x [5x5 conv (no bias) -> batch norm -> ReLU -> 3x3/2 max pool] with 32/64/128/256 filters,
// global average pool, dense head. Defined here (not in the model zoo) so the benchmark is self-contained.
import { z } from 'zod';
import { describeZodIssues, TrainError } from '../errors.js';
import * as tf from '@tensorflow/tfjs';

export const benchCbrOptionsSchema = z
  .object({
    size: z.number().int().min(8).max(1024).default(64),
    channels: z.number().int().min(1).max(64).default(1),
    classes: z.number().int().min(1).max(10_000).default(5),
    filters: z.array(z.number().int().min(1).max(4096)).min(1).max(8).default([32, 64, 128, 256]),
    /** Seed for the Glorot-uniform / zero initialisers (deterministic weights). */
    seed: z.number().int().default(0),
  })
  .strict();
export type BenchCbrOptions = z.input<typeof benchCbrOptionsSchema>;

export function buildBenchCbr(options: BenchCbrOptions = {}): tf.LayersModel {
  const parsed = benchCbrOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new TrainError('TRAIN_BAD_OPTIONS', `bench-cbr options: ${describeZodIssues(parsed.error.issues)}`);
  const o = parsed.data;
  const input = tf.input({ shape: [o.size, o.size, o.channels], name: 'input' });
  let h: tf.SymbolicTensor = input;
  o.filters.forEach((f, i) => {
    const n = i + 1;
    h = tf.layers
      .conv2d({
        filters: f,
        kernelSize: 5,
        padding: 'same',
        useBias: false,
        name: `conv${n}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed * 101 + n }),
      })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: `bn${n}`, momentum: 0.9, epsilon: 1e-5 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `relu${n}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `pool${n}` })
      .apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: o.classes,
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed * 101 + 99 }),
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'bench-cbr' });
}
