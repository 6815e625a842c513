// FLOP counts for the GFLOP/s figure of the benchmark. Convention (stated in the README): only conv and
// dense multiply-adds count, 2 FLOPs each; a training step = forward + input-gradient + weight-gradient,
// except that the first layer's input gradient is never computed.
import * as tf from '@tensorflow/tfjs';

interface LayerFlops {
  name: string;
  forward: number;
}

function convForward(layer: tf.layers.Layer): number {
  const cfg = layer.getConfig() as { kernelSize: number[] | number; filters: number };
  const out = layer.outputShape as number[];
  const inp = (layer.input as tf.SymbolicTensor).shape as number[];
  const k = Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize, cfg.kernelSize];
  return 2 * out[1]! * out[2]! * k[0]! * k[1]! * inp[3]! * cfg.filters;
}

/** Per-image forward FLOPs of conv2d and dense layers, in model order. */
export function layerFlops(model: tf.LayersModel): LayerFlops[] {
  const out: LayerFlops[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv2D') out.push({ name: layer.name, forward: convForward(layer) });
    else if (cls === 'Dense') {
      const inp = (layer.input as tf.SymbolicTensor).shape as number[];
      const units = (layer.getConfig() as { units: number }).units;
      out.push({ name: layer.name, forward: 2 * inp[inp.length - 1]! * units });
    }
  }
  return out;
}

/** Per-image FLOPs of one training step (forward + backward). */
export function trainingFlopsPerImage(model: tf.LayersModel): number {
  const layers = layerFlops(model);
  return layers.reduce((sum, l, i) => sum + l.forward * (i === 0 ? 2 : 3), 0);
}

export function forwardFlopsPerImage(model: tf.LayersModel): number {
  return layerFlops(model).reduce((s, l) => s + l.forward, 0);
}
