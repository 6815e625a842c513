import { WeightsMismatchError, type WeightMismatch } from '../errors.js';
import { parseOptions } from '../options.js';
import { createStreamRng } from '@transfusion/random';
import {
  moments,
  sameShape,
  weightSpecs,
  weightTensor,
  type WeightMap,
  type WeightSource,
  type WeightSpec,
} from '../weights.js';
import type { ZooModel } from '../zoo.js';
import { matchSource, unusedNames } from './match.js';
import { randomWeight } from './random.js';
import type { InitResult } from './transfer.js';
import { meanVarOptionsSchema, type MeanVarOptions } from './options.js';

const BN_MOVING = new Set(['moving_mean', 'moving_variance']);

/**
 * Mean Var init (paper Fig. 6): each weight tensor drawn iid from N(mean, variance) of the pretrained tensor of
 * the same name: the pretrained scale without the pretrained features. The head is random. Shapes may differ
 * from the source's (only the statistics are used), except with batchNorm 'copy'.
 */
export function meanVarInit(zm: ZooModel, source: WeightSource, options: MeanVarOptions): InitResult {
  const o = parseOptions(meanVarOptionsSchema, options, 'meanVarInit');
  const specs = weightSpecs(zm);
  const match = matchSource(zm, source, specs);
  const weights: WeightMap = {};
  const loaded: string[] = [];
  const random: string[] = [];
  const mismatches: WeightMismatch[] = [];
  const fresh = (s: WeightSpec) => {
    weights[s.name] = randomWeight(s, o.seed, o.scheme);
    random.push(s.name);
  };
  for (const s of specs) {
    const isBn = s.layerClass === 'BatchNormalization';
    if (
      s.stage === 'head' ||
      (isBn && o.batchNorm === 'reset') ||
      (isBn && o.batchNorm === 'meanvar' && BN_MOVING.has(s.kind))
    ) {
      fresh(s);
      continue;
    }
    const src = match.byName.get(s.name);
    if (!src || (isBn && o.batchNorm === 'copy' && !sameShape(src.shape, s.shape))) {
      mismatches.push(
        src
          ? { name: s.name, reason: 'shape', expected: s.shape, got: src.shape }
          : { name: s.name, reason: 'missing-in-source', expected: s.shape },
      );
      fresh(s);
      continue;
    }
    if (isBn && o.batchNorm === 'copy') {
      weights[s.name] = weightTensor(s.shape, Float32Array.from(src.data));
    } else {
      const { mean, variance } = moments(src.data);
      const std = Math.sqrt(variance);
      const rng = createStreamRng(o.seed, `meanvar:${s.name}`);
      const t = weightTensor(s.shape);
      for (let i = 0; i < t.data.length; i++) t.data[i] = mean + std * rng.normal();
      weights[s.name] = t;
    }
    loaded.push(s.name);
  }
  if (mismatches.length && !o.allowPartial) {
    throw new WeightsMismatchError(source.origin, mismatches, 'Pass allowPartial: true to initialise them randomly.');
  }
  return {
    weights,
    report: {
      origin: source.origin,
      loaded,
      random,
      adapted: [],
      mismatches,
      unused: unusedNames(match, loaded),
      renamed: match.renamed,
      warnings: match.warnings,
    },
  };
}
