import * as tf from '@tensorflow/tfjs';
import { buildModel, type BuildSettings, type ModelOptions, type ZooModel } from '../src/index.js';

/** Small, fast variants of each architecture for tests. */
export const SMALL: Record<'cbr' | 'resnet' | 'inception', ModelOptions> = {
  cbr: { name: 'cbr-small', inputSize: 24, width: 0.125, classes: 3 },
  resnet: { name: 'resnet50', inputSize: 32, width: 0.0625, blocks: [1, 1, 1, 1], classes: 3 },
  inception: { name: 'inception-v3', inputSize: 75, width: 0.0625, classes: 3 },
};

const built: ZooModel[] = [];
/** Builds a model and remembers it for disposal. */
export function build(options: ModelOptions, settings?: BuildSettings): ZooModel {
  const zm = buildModel(options, settings);
  built.push(zm);
  return zm;
}
export function disposeBuilt(): void {
  for (const zm of built.splice(0)) zm.model.dispose();
}

/** Deterministic input batch in [-1, 1). */
export function inputFor(zm: ZooModel, batch = 2): tf.Tensor4D {
  const [h, w, c] = zm.spec.inputShape;
  const n = batch * h * w * c;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.999;
  return tf.tensor4d(data, [batch, h, w, c]);
}

export function predict(zm: ZooModel, x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (zm.model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

export function equalArrays(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
