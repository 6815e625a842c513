import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { optimizerSchema } from '../src/options/optimizer.js';
import { mulberry32 } from '@transfusion/random';
import { Optimizer } from '../src/training/optimizer.js';

// Shared by the kernel tests that compare a backend's kernels with the cpu backend.

export function randomArray(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

/** Max-norm relative error: max |a - b| / max |b|. */
export function relError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

/** Max-pool cases for the MaxPoolGrad kernels: strides below, equal to and above half the window, both paddings. */
export const MAX_POOL_CASES: {
  x: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
}[] = [
  { x: [2, 9, 7, 3], size: 3, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], size: 3, stride: 2, pad: 'valid' },
  { x: [1, 8, 8, 5], size: 2, stride: 2, pad: 'valid' },
  { x: [3, 10, 6, 4], size: 3, stride: 1, pad: 'same' },
];

/**
 * Three Adam steps of the training loop's Optimizer on three variables (decoupled weight decay on two of them),
 * with a learning rate changing each step; returns the final weights, flattened.
 */
export function adamSteps(weightDecay: number): tf.Tensor {
  const shapes = [[5, 5, 3, 8], [8], [17, 5]];
  const opt = new Optimizer(optimizerSchema.parse({ type: 'adam', lr: 0.01, weightDecay }));
  const vars = shapes.map((s, i) =>
    tf.variable(
      tf.tensor(
        randomArray(
          s.reduce((a, b) => a * b),
          60 + i,
        ),
        s,
      ),
      true,
    ),
  );
  for (let t = 0; t < 3; t++) {
    const grads = Object.fromEntries(
      vars.map((v, i) => [v.name, tf.tensor(randomArray(v.size, 70 + 10 * t + i), v.shape)]),
    );
    opt.apply(
      vars.map((v, i) => ({ name: `p${i}`, variable: v, decay: i !== 1 })),
      grads,
      0.01 * (t + 1),
    );
    Object.values(grads).forEach((g) => g.dispose());
  }
  const out = tf.concat(vars.map((v) => v.flatten()));
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}
