// The project's one FLOP counter. Convention (Keras-style, as papers count): only conv and dense
// multiply-accumulates count, 2 FLOPs each; batch norm, activations, pooling and adds are left out. A training
// step = forward + input gradient + weight gradient, except that the first layer's input gradient is never
// computed.
import type * as tf from '@tensorflow/tfjs';
import { sizeOf } from './weights.js';

/** Output shape without the batch dimension; tfjs Shape may be nested for multi-output layers (ours have one). */
export function outputShapeOf(s: unknown): number[] {
  const shape = (Array.isArray(s) && Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
  return shape.slice(1).map((d) => Number(d));
}

/** Multiply-accumulates of one layer for one image, from its kernel and output shape (0 for other layers). */
export function layerMacs(layer: tf.layers.Layer): number {
  const cls = layer.getClassName();
  if (cls !== 'Conv2D' && cls !== 'Dense') return 0;
  const kernel = layer.weights.find((w) => w.originalName.endsWith('kernel'));
  if (!kernel) return 0;
  if (cls === 'Dense') return sizeOf(kernel.shape.map(Number));
  const [kh = 0, kw = 0, cin = 0] = kernel.shape.map(Number);
  return sizeOf(outputShapeOf(layer.outputShape)) * kh * kw * cin;
}

export interface LayerFlops {
  name: string;
  forward: number;
}

/** Per-image forward FLOPs of the conv2d and dense layers, in model order. */
export function layerFlops(model: tf.LayersModel): LayerFlops[] {
  return model.layers
    .filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense')
    .map((l) => ({ name: l.name, forward: 2 * layerMacs(l) }));
}

/** Per-image forward FLOPs of the model. */
export function forwardFlopsPerImage(model: tf.LayersModel): number {
  return layerFlops(model).reduce((s, l) => s + l.forward, 0);
}

/** Per-image FLOPs of one training step (forward + backward). */
export function trainingFlopsPerImage(model: tf.LayersModel): number {
  return layerFlops(model).reduce((sum, l, i) => sum + l.forward * (i === 0 ? 2 : 3), 0);
}
