import * as tf from '@tensorflow/tfjs';
import { optimizerSchema } from '../src/options/optimizer.js';
import { randomArray, randomOfShape } from '../../../tools/testing/random-arrays.js';
import { Optimizer } from '../src/training/optimizer.js';

// Shared by the kernel tests that compare a backend's kernels with the cpu backend.

export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** A convolution case: NHWC input and HWIO filter shapes. */
export interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

/** Explicit padding wider than the kernel - 1 on some sides: exercises the crop path of the input gradient. */
export const WIDE_PAD: Pad = [
  [0, 0],
  [3, 1],
  [0, 2],
  [0, 0],
];

/** The convolution cases every backend's kernels are checked on: three strides × three paddings × two shapes. */
export function convCases(): ConvCase[] {
  const explicit: Pad = [
    [0, 0],
    [1, 2],
    [2, 0],
    [0, 0],
  ];
  const cases: ConvCase[] = [];
  for (const strides of [
    [1, 1],
    [2, 2],
    [2, 1],
  ] as [number, number][]) {
    for (const pad of ['same', 'valid', explicit] as Pad[]) {
      cases.push({ x: [2, 9, 7, 3], f: [3, 2, 3, 4], strides, pad });
      cases.push({ x: [3, 12, 10, 2], f: [5, 5, 2, 5], strides, pad });
    }
  }
  return cases;
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

/** Input for MAX_POOL_CASES[…]: every third value rounded to a half, so windows hold ties (the first maximum wins). */
export function tiedPoolInput(shape: readonly number[], seed: number): Float32Array {
  const xv = randomOfShape(shape, seed);
  for (let k = 0; k < xv.length; k += 3) xv[k] = Math.round(xv[k]! * 2) / 2;
  return xv;
}

/** The MaxPoolGrad kernel itself on max pooling of `x` with a random dy from `dySeed` (tf.grad may not reach it). */
export function maxPoolGradKernel(x: tf.Tensor4D, p: (typeof MAX_POOL_CASES)[number], dySeed: number): tf.Tensor {
  const y = tf.maxPool(x, p.size, p.stride, p.pad);
  const dy = tf.tensor(randomOfShape(y.shape, dySeed), y.shape);
  return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
    filterSize: p.size,
    strides: p.stride,
    pad: p.pad,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** A Sum/Mean case: tf.sum and tf.mean of `shape` over `axis`. */
export interface ReductionCase {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
}

/** Sum and mean of `v` shaped as r.shape, flattened, followed by their shapes (so a wrong keepDims shows). */
export function sumAndMean(v: Float32Array, r: ReductionCase): tf.Tensor {
  const x = tf.tensor(v, r.shape);
  const s = tf.sum(x, r.axis, r.keepDims);
  const m = tf.mean(x, r.axis, r.keepDims);
  return tf.concat([s.flatten(), m.flatten(), tf.tensor1d(s.shape.concat(m.shape))]);
}

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
