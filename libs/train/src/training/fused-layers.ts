// Layers fused into native kernels for training, while the native kernels serve the backend.
// Batch normalisation in training mode is one native kernel forward and one backward. tfjs-layers computes the batch moments and the normalisation op by op
// (and its gradient from ~15 elementwise passes over the activation, each a tensor kept for backprop): at
// ResNet50's 224 x 224 that is most of a step's time and memory. Same function and same moving-average update
// as tfjs-layers (biased batch variance, moving = moving - (moving - batch) * (1 - momentum)); the
// statistics are accumulated in float64, so values agree with the op-by-op path to float32 rounding, not bits.
// A ReLU layer that is the only consumer of a batch norm (conv-BN-ReLU) or of a two-input Add (ResNet's
// residual sum) is fused into it: the kernel applies it, and the ReLU layer passes on the tensor it
// recognises as already rectified.
import * as tf from '@tensorflow/tfjs';
import { nativeServesCurrentBackend } from '../backend/native-kernels.js';
import { ADD_RELU_KERNEL, BATCH_NORM_TRAIN_KERNEL } from '../backend/native-gradients.js';
import { allLayers } from './batch-norm.js';

/** The fields of tfjs-layers' BatchNormalization used here (internal to it; not in its typings). */
interface BatchNormInternals {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  axis: number;
  epsilon: number;
  momentum: number;
  scale: boolean;
  center: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

/** The parts of a layer's graph links used to find a BN's only consumer (tfjs-layers internals). */
interface GraphLinks {
  outboundNodes: { outboundLayer: tf.layers.Layer }[];
  inboundNodes: unknown[];
}

type Call = BatchNormInternals['call'];

/** The ReLU Activation layer that alone consumes `layer`'s output, if any. */
function soleReluConsumer(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const out = (layer as unknown as GraphLinks).outboundNodes;
  if (out.length !== 1) return undefined;
  const next = out[0]!.outboundLayer;
  if (next.getClassName() !== 'Activation' || (next.getConfig() as { activation?: string }).activation !== 'relu')
    return undefined;
  return (next as unknown as GraphLinks).inboundNodes.length === 1 ? next : undefined;
}

/** Outputs of fused BN + ReLU calls: the ReLU layer after them passes these through unchanged. */
const rectified = new WeakSet<tf.Tensor>();

function movingAverage(variable: BatchNormInternals['movingMean'], batchValue: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, batchValue), 1 - momentum)));
  });
}

function fusedCall(layer: BatchNormInternals, original: Call, relu: boolean): Call {
  return (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const channelsLast = x !== undefined && (layer.axis === -1 || layer.axis === x.rank - 1);
    if (
      kwargs['training'] !== true ||
      !nativeServesCurrentBackend() ||
      !x ||
      !channelsLast ||
      x.dtype !== 'float32' ||
      x.size === 0
    ) {
      return original(inputs, kwargs);
    }
    const y = tf.tidy(() => {
      const c = x.shape[x.rank - 1]!;
      const scale = layer.scale && layer.gamma ? layer.gamma.read() : tf.ones([c]);
      const offset = layer.center && layer.beta ? layer.beta.read() : tf.zeros([c]);
      const [y, mean, variance] = tf
        .engine()
        .runKernel(
          BATCH_NORM_TRAIN_KERNEL,
          { x, scale, offset },
          { varianceEpsilon: layer.epsilon, relu },
        ) as tf.Tensor[];
      movingAverage(layer.movingMean, mean!, layer.momentum);
      movingAverage(layer.movingVariance, variance!, layer.momentum);
      return y!;
    });
    if (relu) rectified.add(y);
    return y;
  };
}

/** A two-input Add whose only consumer is a ReLU: max(0, a + b) in one kernel. */
function fusedAddRelu(original: Call): Call {
  return (inputs, kwargs) => {
    const [a, b] = Array.isArray(inputs) ? inputs : [];
    if (
      kwargs['training'] !== true ||
      !nativeServesCurrentBackend() ||
      !Array.isArray(inputs) ||
      inputs.length !== 2 ||
      !a ||
      !b ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      !tf.util.arraysEqual(a.shape, b.shape) ||
      a.size === 0
    ) {
      return original(inputs, kwargs);
    }
    const y = tf.engine().runKernel(ADD_RELU_KERNEL, { a, b }, {}) as tf.Tensor;
    rectified.add(y);
    return y;
  };
}

function passRectified(original: Call): Call {
  return (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return x && rectified.has(x) ? x : original(inputs, kwargs);
  };
}

/**
 * Routes every BatchNormalization layer's training call (and a two-input Add followed only by a ReLU) through
 * the fused native kernels, when they serve the current backend at call time; otherwise the layers run as
 * before. Returns a function that undoes it.
 */
export function fuseLayers(model: tf.LayersModel): () => void {
  const undo: (() => void)[] = [];
  const patch = (layer: tf.layers.Layer, make: (original: Call) => Call) => {
    const l = layer as unknown as BatchNormInternals;
    const original = l.call;
    l.call = make(original.bind(l));
    undo.push(() => {
      l.call = original;
    });
  };
  for (const layer of allLayers(model)) {
    const kind = layer.getClassName();
    if (kind !== 'BatchNormalization' && kind !== 'Add') continue;
    const relu = soleReluConsumer(layer);
    if (kind === 'BatchNormalization')
      patch(layer, (original) => fusedCall(layer as unknown as BatchNormInternals, original, relu !== undefined));
    else if (relu) patch(layer, fusedAddRelu);
    else continue;
    if (relu) patch(relu, passRectified);
  }
  return () => undo.forEach((u) => u());
}
