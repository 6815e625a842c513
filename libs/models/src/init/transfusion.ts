import { parseOptions } from '../options.js';
import type { WeightSource } from '../weights.js';
import { requireStage, type ZooModel } from '../zoo.js';
import { transferWeights, type InitResult } from './transfer.js';
import { transfusionOptionsSchema, type TransfusionOptions } from './options.js';

/**
 * Weight transfusion (paper Fig. 7): stages up to and including `upTo` pretrained, every later stage and the
 * head random. With the same seed the random part equals randomInit's, so runs differ only in the prefix.
 */
export function transfusionInit(zm: ZooModel, source: WeightSource, options: TransfusionOptions): InitResult {
  const o = parseOptions(transfusionOptionsSchema, options, 'transfusionInit');
  const last = requireStage(zm, o.upTo, 'upTo');
  const prefix = new Set(zm.stages.slice(0, last + 1).map((s) => s.name));
  return transferWeights(zm, source, { ...o, head: 'reinit' }, (s) => prefix.has(s.stage));
}
