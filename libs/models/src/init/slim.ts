import { ModelsError } from '../errors.js';
import { parseOptions } from '../options.js';
import { resolveModelSpec, type ModelOptions } from '../spec.js';
import type { WeightSource } from '../weights.js';
import { requireStage, stageNamesOf, type ZooModel } from '../zoo.js';
import { transferWeights, type InitResult } from './transfer.js';
import { slimOptionsSchema, transfusionOptionsSchema, type SlimOptions, type TransfusionOptions } from './options.js';

/** Model options for the Slim hybrid: every stage after `upTo` keeps `factor` of its channels. */
export function slimHybridOptions(options: ModelOptions, slim: SlimOptions): ModelOptions {
  const s = parseOptions(slimOptionsSchema, slim, 'slimHybridOptions');
  const spec = resolveModelSpec(options);
  const names = stageNamesOf(spec.name);
  const at = names.indexOf(s.upTo);
  if (at < 0)
    throw new ModelsError('UNKNOWN_STAGE', `${spec.name}: unknown upTo stage '${s.upTo}'; stages: ${names.join(', ')}`);
  if (at === names.length - 1)
    throw new ModelsError(
      'BAD_OPTIONS',
      `slimHybridOptions: upTo '${s.upTo}' is the last stage of ${spec.name}; nothing is left to slim`,
    );
  const stageWidth = { ...spec.stageWidth };
  for (const n of names.slice(at + 1)) stageWidth[n] = (stageWidth[n] ?? 1) * s.factor;
  return { ...options, stageWidth };
}

/**
 * Slim hybrid (paper Fig. 8): on a model built from slimHybridOptions, the full-width stages up to `upTo`
 * pretrained, the slimmed later stages and the head random.
 */
export function slimHybridInit(zm: ZooModel, source: WeightSource, options: TransfusionOptions): InitResult {
  const o = parseOptions(transfusionOptionsSchema, options, 'slimHybridInit');
  const last = requireStage(zm, o.upTo, 'upTo');
  const later = zm.stages.slice(last + 1).filter((s) => s.name !== 'head');
  if (later.length === 0 || later.some((s) => (zm.spec.stageWidth[s.name] ?? 1) >= 1)) {
    throw new ModelsError(
      'BAD_OPTIONS',
      `slimHybridInit: ${zm.spec.name} is not slimmed after '${o.upTo}' (stageWidth ${JSON.stringify(zm.spec.stageWidth)}); build it with slimHybridOptions`,
    );
  }
  const prefix = new Set(zm.stages.slice(0, last + 1).map((s) => s.name));
  return transferWeights(zm, source, { ...o, head: 'reinit' }, (s) => prefix.has(s.stage));
}
