import { ModelsError } from '../errors.js';
import { parseOptions } from '../options.js';
import type { ModelOptions } from '../spec.js';
import { weightSpecs, type WeightSource } from '../weights.js';
import type { ZooModel } from '../zoo.js';
import { gaborInit } from './gabor.js';
import { meanVarInit } from './meanvar.js';
import { randomInit } from './random.js';
import { slimHybridInit, slimHybridOptions } from './slim.js';
import { pretrainedInit, type InitResult } from './transfer.js';
import { transfusionInit } from './transfusion.js';
import { initStrategySchema, type InitStrategy, type InitStrategyName } from './options.js';

/** Strategies that need pretrained source weights ('gabor' may use them for its target statistics). */
export function needsSource(strategy: InitStrategyName): boolean {
  return strategy !== 'random' && strategy !== 'gabor';
}

/** The model options an init needs: the Slim hybrid narrows the stages after `upTo`. */
export function modelOptionsFor(options: ModelOptions, init: InitStrategy): ModelOptions {
  const o = parseOptions(initStrategySchema, init, 'modelOptionsFor');
  return o.strategy === 'slim' ? slimHybridOptions(options, { upTo: o.upTo, factor: o.factor }) : options;
}

/** Runs the named strategy. */
export function initialise(zm: ZooModel, init: InitStrategy, source?: WeightSource): InitResult {
  const o = parseOptions(initStrategySchema, init, 'initialise');
  if (needsSource(o.strategy) && !source) {
    throw new ModelsError('BAD_OPTIONS', `initialise: strategy '${o.strategy}' needs source (pretrained) weights`);
  }
  const src = source as WeightSource;
  switch (o.strategy) {
    case 'random': {
      const { strategy: _, ...rest } = o;
      const weights = randomInit(zm, rest);
      const random = weightSpecs(zm).map((s) => s.name);
      return {
        weights,
        report: {
          origin: 'random',
          loaded: [],
          random,
          adapted: [],
          mismatches: [],
          unused: [],
          renamed: 0,
          warnings: [],
        },
      };
    }
    case 'pretrained': {
      const { strategy: _, ...rest } = o;
      return pretrainedInit(zm, src, rest);
    }
    case 'meanvar': {
      const { strategy: _, ...rest } = o;
      return meanVarInit(zm, src, rest);
    }
    case 'transfusion': {
      const { strategy: _, ...rest } = o;
      return transfusionInit(zm, src, rest);
    }
    case 'slim': {
      const { strategy: _, factor: __, ...rest } = o;
      return slimHybridInit(zm, src, rest);
    }
    case 'gabor': {
      const { strategy: _, ...rest } = o;
      return gaborInit(zm, rest, source);
    }
  }
}
