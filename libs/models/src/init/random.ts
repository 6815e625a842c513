import { createStreamRng } from '@transfusion/random';
import { sizeOf, weightSpecs, weightTensor, type WeightMap, type WeightSpec, type WeightTensor } from '../weights.js';
import type { ZooModel } from '../zoo.js';
import { parseOptions } from '../options.js';
import { randomInitOptionsSchema, type RandomInitOptions, type RandomScheme } from './options.js';

/** Keras's fans: receptive field × channels for conv kernels [kh, kw, in, out], [in, out] for dense. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

/** Variance of a freshly initialised kernel under a scheme (used as the Gabor default target). */
export function kernelVariance(shape: readonly number[], scheme: RandomScheme): number {
  const { fanIn, fanOut } = fans(shape);
  return scheme === 'keras' ? 2 / (fanIn + fanOut) : 2 / fanIn;
}

/** One weight drawn as a fresh layer would draw it; the stream depends only on (seed, weight name). */
export function randomWeight(
  spec: Pick<WeightSpec, 'name' | 'kind' | 'shape'>,
  seed: number,
  scheme: RandomScheme,
): WeightTensor {
  const t = weightTensor(spec.shape);
  const d = t.data;
  switch (spec.kind) {
    case 'kernel': {
      const rng = createStreamRng(seed, spec.name);
      const { fanIn, fanOut } = fans(spec.shape);
      if (scheme === 'keras') {
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < d.length; i++) d[i] = (2 * rng.uniform() - 1) * limit;
      } else {
        // Keras he_normal: truncated at 2 std, stddev corrected for the truncation.
        const std = Math.sqrt(2 / fanIn) / 0.8796256610342398;
        for (let i = 0; i < d.length; i++) {
          let v: number;
          do v = rng.normal();
          while (Math.abs(v) > 2);
          d[i] = v * std;
        }
      }
      return t;
    }
    case 'gamma':
    case 'moving_variance':
      d.fill(1);
      return t;
    default: // bias, beta, moving_mean
      return t;
  }
}

/** Random initialisation of every weight; deterministic in the seed. */
export function randomInit(zm: ZooModel, options: RandomInitOptions): WeightMap {
  const o = parseOptions(randomInitOptionsSchema, options, 'randomInit');
  const out: WeightMap = {};
  for (const s of weightSpecs(zm)) out[s.name] = randomWeight(s, o.seed, o.scheme);
  return out;
}
