import * as tf from '@tensorflow/tfjs';
import { ModelsError, WeightsMismatchError, type WeightMismatch } from './errors.js';
import type { ModelSpec } from './spec.js';
import type { ZooModel } from './zoo.js';

/** One named weight; structurally an `@transfusion/arrow-io` Tensor<'float32'>, so it writes as-is. */
export interface WeightTensor {
  dtype: 'float32';
  shape: number[];
  data: Float32Array;
}

/** Weights by name `<layer>/<kind>` (e.g. `conv1_conv/kernel`, `conv1_bn/moving_mean`), as Keras and tfjs name them. */
export type WeightMap = Record<string, WeightTensor>;

/** Weights with where they came from, so errors can name the file or model. */
export interface WeightSource {
  weights: WeightMap;
  /** File path or description used in messages. */
  origin: string;
  /** The zoo spec the weights were saved from, when known (Arrow artifacts written by this lib). */
  spec?: ModelSpec;
  /**
   * The input the weights were trained on, as @transfusion/train names its input transforms ('unit' = x/255,
   * 'tf' = x/127.5 − 1, 'caffe' = BGR minus the ImageNet mean, 'torch' = ImageNet mean/std), when known.
   * Whoever trains or evaluates from these weights must feed that input.
   */
  preprocessing?: string;
}

/** What a weight is, without its values: what the init strategies work from. */
export interface WeightSpec {
  name: string;
  layer: string;
  /** kernel, bias, gamma, beta, moving_mean, moving_variance. */
  kind: string;
  shape: number[];
  stage: string;
  trainable: boolean;
  /** tfjs layer class: Conv2D, BatchNormalization, Dense. */
  layerClass: string;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function weightTensor(shape: number[], data?: Float32Array): WeightTensor {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new Error(`internal: ${data.length} values for shape [${shape.join(', ')}]`);
  return { dtype: 'float32', shape: [...shape], data: data ?? new Float32Array(n) };
}

/** `conv1_conv/kernel:0` and `resnet50/conv1_conv/kernel` both name weight `conv1_conv/kernel`. */
export function canonicalWeightName(name: string): string {
  const parts = name.split('/');
  const kind = (parts[parts.length - 1] ?? '').replace(/:\d+$/, '');
  const layer = parts.length >= 2 ? parts[parts.length - 2] : '';
  return layer ? `${layer}/${kind}` : kind;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Every weight of the model, in layer order. */
export function weightSpecs(zm: ZooModel): WeightSpec[] {
  const stageOf = new Map<string, string>();
  for (const s of zm.stages) for (const l of s.layers) stageOf.set(l, s.name);
  const out: WeightSpec[] = [];
  for (const layer of zm.model.layers) {
    for (const w of layer.weights) {
      const kind = canonicalWeightName(w.originalName).split('/').pop() ?? w.originalName;
      out.push({
        name: `${layer.name}/${kind}`,
        layer: layer.name,
        kind,
        shape: [...w.shape].map((d) => Number(d)),
        stage: stageOf.get(layer.name) ?? 'input',
        trainable: w.trainable,
        layerClass: layer.getClassName(),
      });
    }
  }
  return out;
}

/** Copies the model's current weights out (a snapshot; later training does not change it). */
export function getWeights(zm: ZooModel): WeightMap {
  const out: WeightMap = {};
  const specs = weightSpecs(zm);
  let i = 0;
  for (const layer of zm.model.layers) {
    for (const w of layer.weights) {
      const spec = specs[i++]!;
      const data = w.read().dataSync();
      out[spec.name] = weightTensor(spec.shape, Float32Array.from(data));
    }
  }
  return out;
}

export function weightSourceOf(zm: ZooModel, origin = `in-memory ${zm.spec.name}`): WeightSource {
  return { weights: getWeights(zm), origin, spec: zm.spec };
}

/**
 * Sets every weight of the model from `weights` (the output of an init strategy). All names must be present
 * with the model's shapes; anything else is a WeightsMismatchError listing each offending weight.
 */
export function setWeights(zm: ZooModel, weights: WeightMap, origin = 'weights'): void {
  const specs = weightSpecs(zm);
  const problems: WeightMismatch[] = [];
  for (const s of specs) {
    const w = weights[s.name];
    if (!w) problems.push({ name: s.name, reason: 'missing-in-source', expected: s.shape });
    else if (!sameShape(w.shape, s.shape))
      problems.push({ name: s.name, reason: 'shape', expected: s.shape, got: w.shape });
    else if (!(w.data instanceof Float32Array))
      problems.push({ name: s.name, reason: 'dtype', expected: s.shape, got: w.shape });
  }
  if (problems.length) throw new WeightsMismatchError(origin, problems);
  let i = 0;
  for (const layer of zm.model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map(() => {
      const s = specs[i++]!;
      return tf.tensor(weights[s.name]!.data, s.shape, 'float32');
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Mean and (population) variance of a tensor's values, in float64. */
export function moments(data: ArrayLike<number>): { mean: number; variance: number } {
  const n = data.length;
  if (n === 0) return { mean: 0, variance: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (data[i]! - mean) ** 2;
  return { mean, variance: ss / n };
}

/** Checks that `weights` holds plain float32 tensors whose sizes match their shapes. */
export function validateWeightMap(
  weights: Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>,
  origin: string,
): WeightMap {
  const out: WeightMap = {};
  for (const [name, t] of Object.entries(weights)) {
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ModelsError(
        'BAD_WEIGHTS_FILE',
        `${origin}: weight '${name}' has an invalid shape ${JSON.stringify(t.shape)}`,
      );
    }
    if (t.data.length !== sizeOf(t.shape)) {
      throw new ModelsError(
        'BAD_WEIGHTS_FILE',
        `${origin}: weight '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`,
      );
    }
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      throw new ModelsError(
        'BAD_WEIGHTS_FILE',
        `${origin}: weight '${name}' has dtype ${t.dtype}; expected float32 (or float64)`,
      );
    }
    out[name] = weightTensor(t.shape, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));
  }
  return out;
}
