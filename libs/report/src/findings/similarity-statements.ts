// Statements 4–5 on representational similarity. The CCA values are computed once per trained model (or pair
// of models), so their intervals resample seeds (or seed pairs), not test images.
import { count } from '../format.js';
import { bootstrapArms } from '../paired-bootstrap.js';
import type { CcaResult, ModelInfo } from '../schema.js';
import { topLayerComparisons } from '../similarity.js';
import { mean } from '../stats.js';
import { judged, notTestable, type Comparison } from './comparison.js';
import type { StatementContext, StatementResult } from './context.js';

/** Large models, and the CBRs small enough next to the smallest of them; the rest are not comparable. */
function sizeClasses(
  ctx: StatementContext,
  ids: string[],
): { large: ModelInfo[]; small: ModelInfo[]; tooBig: ModelInfo[]; smallestLarge: number } {
  const models = ids.map((id) => ctx.models.get(id)!);
  const large = models.filter((m) => m.family === 'imagenet');
  const smallestLarge = Math.min(...large.map((m) => ctx.paramsOf(m.id) ?? Number.POSITIVE_INFINITY));
  const cbrs = models.filter((m) => m.family === 'cbr');
  const fits = (m: ModelInfo) =>
    (ctx.paramsOf(m.id) ?? Number.POSITIVE_INFINITY) * ctx.options.largeModelRatio <= smallestLarge;
  return { large, small: cbrs.filter(fits), tooBig: cbrs.filter((m) => !fits(m)), smallestLarge };
}

function tooBigNote(ctx: StatementContext, m: ModelInfo, smallestLarge: number): string {
  const p = ctx.paramsOf(m.id);
  if (p === undefined || !Number.isFinite(smallestLarge))
    return `the parameter counts are unknown (no training runs of ${p === undefined ? m.label : 'the large models'} in the results)`;
  return `${m.label} has ${count(p)} parameters, 1/${(smallestLarge / p).toFixed(1)} of the smallest large model's (${count(smallestLarge)}); the statement compares models at least ${ctx.options.largeModelRatio}× apart`;
}

export function statement4(ctx: StatementContext): StatementResult {
  const margin = ctx.options.ccaGapMargin;
  const comparisons: Comparison[] = [];
  for (const cca of ctx.results.cca) {
    const rows = topLayerComparisons(cca, ctx.results.models);
    const { large, small, tooBig, smallestLarge } = sizeClasses(
      ctx,
      rows.map((r) => r.model),
    );
    if (large.length === 0 || small.length + tooBig.length === 0) continue;
    for (const r of rows) {
      const m = ctx.models.get(r.model)!;
      const isLarge = large.includes(m);
      const claim = isLarge ? ({ kind: 'above', margin } as const) : ({ kind: 'below', margin } as const);
      const label = `${cca.variant.id}, ${m.label}: top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained)`;
      if (tooBig.includes(m)) {
        comparisons.push(notTestable(label, 'CCA', claim, tooBigNote(ctx, m, smallestLarge)));
        continue;
      }
      if (!isLarge && !small.includes(m)) continue;
      const ci = bootstrapArms(
        [
          { values: r.randRand, seeds: r.randRand.map((_, i) => i) },
          { values: r.randPretrained, seeds: r.randPretrained.map((_, i) => i) },
        ],
        ([rr, rp]) => rr! - rp!,
        ctx.bootstrap,
      );
      comparisons.push(
        judged(label, 'CCA', claim, ci, ctx.options, {
          note: `${r.randRand.length} Rand–Rand and ${r.randPretrained.length} Rand–Pretrained pairs; top layers ${r.topLayers.join(', ')}`,
        }),
      );
    }
  }
  return {
    criterion: `in every CCA variant, Δ = mean top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained), pairs of trained models resampled: for each large model supported if the interval lies above ${margin}, for each CBR (with at most 1/${ctx.options.largeModelRatio} of the large models' parameters) if it lies at or below ${margin}; contradicted if wholly on the other side`,
    comparisons,
    missing: 'Needs Rand–Rand and Rand–Pretrained CCA for a large and a CBR model.',
  };
}

/** CCA(init, final) per seed and layer of one model and init, layers ordered from the input. */
function perSeedLayers(
  cca: CcaResult,
  model: string,
  init: 'random' | 'pretrained',
): { layers: string[]; seeds: Map<number, Map<string, number>> } {
  const entries = cca.initFinal.filter((e) => e.model === model && e.init === init);
  const layers = [...new Map(entries.map((e) => [e.layer, e.layerIndex])).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([l]) => l);
  const seeds = new Map<number, Map<string, number>>();
  for (const e of entries) {
    const s = seeds.get(e.seed) ?? new Map<string, number>();
    s.set(e.layer, e.value);
    seeds.set(e.seed, s);
  }
  return { layers, seeds };
}

export function statement5(ctx: StatementContext): StatementResult {
  const comparisons: Comparison[] = [];
  const above0 = { kind: 'above', margin: 0 } as const;
  for (const cca of ctx.results.cca) {
    const models = [...new Set(cca.initFinal.map((e) => e.model))];
    // (a) within each model and init: the two lowest layers change least.
    for (const model of models) {
      for (const init of ['random', 'pretrained'] as const) {
        const { layers, seeds } = perSeedLayers(cca, model, init);
        if (layers.length === 0) continue;
        const label = `${cca.variant.id}, ${ctx.models.get(model)!.label} (${init} init): CCA(init, final) of the two lowest layers − of the higher layers`;
        if (layers.length < 3) {
          comparisons.push(
            notTestable(label, 'CCA', above0, `only ${layers.length} layer(s) measured; needs at least 3`),
          );
          continue;
        }
        const values = [...seeds.values()].flatMap((byLayer) => {
          const v = layers.map((l) => byLayer.get(l));
          if (v.some((x) => x === undefined)) return [];
          const xs = v as number[];
          return [mean(xs.slice(0, 2)) - mean(xs.slice(2))];
        });
        if (values.length === 0) continue;
        const ci = bootstrapArms([{ values, seeds: values.map((_, i) => i) }], ([d]) => d!, ctx.bootstrap);
        comparisons.push(judged(label, 'CCA', above0, ci, ctx.options));
      }
    }
    // (b) from random init, a large model's representations stay closer to their init than a small CBR's.
    const avgPerSeed = (model: string) =>
      [...perSeedLayers(cca, model, 'random').seeds.values()].map((byLayer) => mean([...byLayer.values()]));
    const { large, small, tooBig, smallestLarge } = sizeClasses(
      ctx,
      models.filter((m) => avgPerSeed(m).length > 0),
    );
    for (const l of large) {
      for (const s of [...small, ...tooBig]) {
        const label = `${cca.variant.id}, random init: mean CCA(init, final) over layers, ${l.label} − ${s.label}`;
        if (tooBig.includes(s)) {
          comparisons.push(notTestable(label, 'CCA', above0, tooBigNote(ctx, s, smallestLarge)));
          continue;
        }
        const a = avgPerSeed(l.id);
        const b = avgPerSeed(s.id);
        const ci = bootstrapArms(
          [
            { values: a, seeds: a.map((_, i) => i) },
            { values: b, seeds: b.map((_, i) => i) },
          ],
          ([x, y]) => x! - y!,
          ctx.bootstrap,
        );
        comparisons.push(judged(label, 'CCA', above0, ci, ctx.options));
      }
    }
  }
  return {
    criterion:
      'in every CCA variant, seeds resampled: (a) for each model and init, Δ = mean CCA(init, final) of the two lowest layers − mean of the higher layers; (b) from random init, Δ = mean over layers of each large model − of each CBR with at most 1/' +
      `${ctx.options.largeModelRatio} of its parameters. Supported if every interval lies above 0, contradicted if any lies wholly at or below 0`,
    comparisons,
    missing:
      'Needs per-layer CCA(init, final) for at least one model (and from random init for a large and a CBR model).',
  };
}
