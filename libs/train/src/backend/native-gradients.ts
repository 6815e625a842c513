// Gradients that take fewer passes over the activations while the native kernels serve the wasm backend.
// tfjs composes batch norm's gradient from ~12 elementwise ops over the activation tensor, ReLU's from three
// (step, cast, multiply), and Mean's/Sum's broadcast from a tensor of ones. Here:
// - FusedBatchNorm: one native pass gives dx's direct term and the per-channel sums sum(dy), sum((x-mean)*dy);
//   the derivatives for mean, variance, scale and offset are those sums times per-channel factors.
// - Relu: dy * step(x) in one native pass.
// - Mean, Sum: dy (divided by the reduced size for Mean) broadcast with one Tile instead of ones * dy (/ n).
// Every override computes the same values as the tfjs gradient it replaces (the reductions in float64 rather
// than float32) and defers to it on other backends, when the native kernels are off, and for cases it does not
// cover. They are registered once, with the native kernels; tests compare them with the cpu backend.
import type { GradConfig, Tensor } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

/** Custom wasm kernels (registered in native-kernels.ts) that the gradients below call. */
export const BATCH_NORM_GRAD_KERNEL = 'TransfusionBatchNormGrad';
export const RELU_GRAD_KERNEL = 'TransfusionReluGrad';
/** Batch norm in training mode, fused (see training/fused-batch-norm.ts), and its gradient. */
export const BATCH_NORM_TRAIN_KERNEL = 'TransfusionBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD_KERNEL = 'TransfusionBatchNormTrainGrad';
/** max(0, a + b) in one pass (a residual add and its ReLU; training/fused-layers.ts). */
export const ADD_RELU_KERNEL = 'TransfusionAddRelu';

type GradFunc = GradConfig['gradFunc'];
type Grads = ReturnType<GradFunc>;

function upstream(kernelName: string): GradConfig {
  const g = tf.getGradient(kernelName);
  if (!g) throw new Error(`internal: tfjs has no gradient for ${kernelName}`);
  return g;
}

const isVector = (t: Tensor | undefined, c: number) =>
  t === undefined || (t.rank === 1 && t.shape[0] === c && t.dtype === 'float32');

function batchNormGrad(useNative: () => boolean, original: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const c = x.shape[x.rank - 1];
    // tfjs-layers' training path: per-channel [C] statistics. (tfjs's own gradient cannot reduce keepDims statistics.)
    if (
      Array.isArray(dy) ||
      !useNative() ||
      c === undefined ||
      x.dtype !== 'float32' ||
      dy.dtype !== 'float32' ||
      x.size === 0 ||
      ![mean, variance, scale].every((t) => isVector(t, c))
    ) {
      return original(dy, saved, attrs);
    }
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const inputs: Record<string, Tensor> = { x, dy, mean, variance };
    if (scale) inputs['scale'] = scale;
    const [dx, sums] = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, attrs) as Tensor[];
    const [sumDy, sumXDy] = tf.split(tf.reshape(sums!, [2 * c]), 2) as [Tensor, Tensor];
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon))); // as tfjs: rsqrt in float32
    const s = scale ?? tf.scalar(1);
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
    return {
      x: () => dx!,
      mean: () => tf.mul(tf.mul(tf.mul(r, tf.scalar(-1)), s), sumDy),
      variance: () => tf.mul(tf.mul(minusHalfRCube, s), sumXDy),
      scale: () => tf.mul(r, sumXDy),
      offset: () => sumDy,
    } satisfies Grads;
  };
}

function reluGrad(useNative: () => boolean, original: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    if (
      Array.isArray(dy) ||
      !useNative() ||
      x.dtype !== 'float32' ||
      dy.dtype !== 'float32' ||
      !tf.util.arraysEqual(x.shape, dy.shape) ||
      x.size === 0
    ) {
      return original(dy, saved, attrs);
    }
    return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, {}) as Tensor };
  };
}

/** Mean and Sum: tfjs multiplies dy by a tensor of ones (then divides by n); broadcasting dy (or dy / n) is the same value. */
function reduceGrad(kind: 'Mean' | 'Sum', useNative: () => boolean, original: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    if (Array.isArray(dy) || !useNative() || dy.dtype !== 'float32' || x.size === 0) return original(dy, saved, attrs);
    const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const reduceSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
    return {
      x: () => {
        const d = tf.reshape(dy, expanded);
        return tf.broadcastTo(kind === 'Mean' ? tf.div(d, reduceSize) : d, x.shape);
      },
    };
  };
}

/** The gradient of the fused training batch norm: one native kernel for x, scale and offset. */
const batchNormTrainGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dMean, dVariance] = dys as Tensor[];
    // The kernel always has scale and offset inputs (the caller passes ones / zeros for layers without them).
    const [x, scale, y, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const withRelu = (attrs as unknown as { relu: boolean }).relu;
    const inputs: Record<string, Tensor> = { x, dy: dy!, mean, variance, scale, dMean: dMean!, dVariance: dVariance! };
    if (withRelu) inputs['y'] = y;
    const [dx, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD_KERNEL, inputs, attrs) as Tensor[];
    return { x: () => dx!, scale: () => dScale!, offset: () => dOffset! } satisfies Grads;
  },
};

/** max(0, a + b): both inputs get dy where the output is positive (ReLU's gradient taken at the output). */
const addReluGradient: GradConfig = {
  kernelName: ADD_RELU_KERNEL,
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [y] = saved as [Tensor];
    const g = tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: dy as Tensor, x: y }, {}) as Tensor;
    return { a: () => g, b: () => tf.clone(g) } satisfies Grads;
  },
};

let registered = false;

/** Registers the overrides once; `useNative()` says, per call, whether the native kernels serve the current backend. */
export function registerNativeGradients(useNative: () => boolean): void {
  if (registered) return;
  registered = true;
  const overrides: [string, (original: GradFunc) => GradFunc][] = [
    ['FusedBatchNorm', (o) => batchNormGrad(useNative, o)],
    ['Relu', (o) => reluGrad(useNative, o)],
    ['Mean', (o) => reduceGrad('Mean', useNative, o)],
    ['Sum', (o) => reduceGrad('Sum', useNative, o)],
  ];
  for (const [name, make] of overrides) {
    const u = upstream(name);
    tf.registerGradient({ ...u, gradFunc: make(u.gradFunc) });
  }
  tf.registerGradient(batchNormTrainGradient);
  tf.registerGradient(addReluGradient);
}
