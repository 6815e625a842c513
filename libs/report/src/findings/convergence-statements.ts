// Statements 6–7 on convergence speed: steps to the task's threshold AUC on the validation curves, per seed
// ("never reached" is +∞, so a run that does not get there is slower than any that does). Seeds are resampled.
import { bootstrapArms } from '../paired-bootstrap.js';
import { mean } from '../stats.js';
import { compareSpeed, isFig6Init, isFig7Init, type SpeedComparison } from '../speedup.js';
import { judged, notTestable, type Comparison } from './comparison.js';
import type { StatementContext, StatementResult } from './context.js';

const metricOf = (ctx: StatementContext): string => ctx.results.evaluation.convergenceMetric;

/** Steps to the threshold of each seed of a setting (as compareSpeed found them); +∞ where a seed never reaches it. */
function stepsPerSeed(c: SpeedComparison, initKey: string): number[] | undefined {
  return c.steps.find((s) => s.initKey === initKey)?.perRun.map((n) => n ?? Number.POSITIVE_INFINITY);
}

/** a − b with ∞ − ∞ = 0: neither reached the threshold, so neither was faster. */
const minus = (a: number, b: number): number => (a === b ? 0 : a - b);
const arm = (values: number[]) => ({ values, seeds: values.map((_, i) => i) });
const reachedAny = (xs: number[]) => xs.some(Number.isFinite);
const auc = (x: number) => `${(x * 100).toFixed(1)}%`;

export function statement6(ctx: StatementContext): StatementResult {
  const claim = { kind: 'above', margin: 0 } as const;
  const comparisons: Comparison[] = [];
  for (const c of compareSpeed(ctx.groups, metricOf(ctx), ctx.options, isFig6Init)) {
    const random = stepsPerSeed(c, 'random')!;
    for (const [key, name] of [
      ['pretrained', 'transfer'],
      ['meanvar', 'Mean Var'],
    ] as const) {
      const other = stepsPerSeed(c, key);
      if (!other) continue;
      const label = `${c.task}, ${ctx.models.get(c.model)!.label}: steps to AUC ${auc(c.threshold)}, random − ${name}`;
      if (!reachedAny(random) && !reachedAny(other)) {
        comparisons.push(notTestable(label, 'steps', claim, 'neither init reaches the threshold in any seed'));
        continue;
      }
      const ci = bootstrapArms([arm(random), arm(other)], ([r, o]) => minus(r!, o!), ctx.bootstrap);
      comparisons.push(judged(label, 'steps', claim, ci, ctx.options));
    }
  }
  return {
    criterion: `for every model with curves, Δ = mean steps to the task's threshold AUC (chance + ${ctx.options.thresholdFraction} × (its best final validation AUC − chance)) from random init − from transfer, and − from Mean Var: supported if every interval lies above 0, contradicted if any lies wholly at or below 0`,
    comparisons,
    missing: 'Needs validation curves for random init and transfer or Mean Var init of one model.',
  };
}

/**
 * The transfusion prefix of "only the lowest layers": up to the model's second stage when it was run (ResNet's
 * block1, Inception-v3's stem), else up to its first (conv1).
 */
function lowestPrefix(c: SpeedComparison): string | undefined {
  const keys = c.steps.map((s) => s.initKey);
  return c.stages
    .slice(0, 2)
    .reverse()
    .map((st) => `transfusion:${st}`)
    .find((k) => keys.includes(k));
}

export function statement7(ctx: StatementContext): StatementResult {
  const need = ctx.options.recoveredFraction;
  const claim = { kind: 'above', margin: 0 } as const;
  const comparisons: Comparison[] = [];
  for (const c of compareSpeed(ctx.groups, metricOf(ctx), ctx.options, isFig7Init)) {
    const low = lowestPrefix(c);
    const random = stepsPerSeed(c, 'random')!;
    const full = stepsPerSeed(c, 'pretrained');
    if (!low || !full) continue;
    const prefix = stepsPerSeed(c, low)!;
    const name = low.replace('transfusion:', '≤ ');
    const label = `${c.task}, ${ctx.models.get(c.model)!.label}: (random − ${name}) − ${need} × (random − transfer), steps to AUC ${auc(c.threshold)}`;
    if (!random.every(Number.isFinite) || !full.every(Number.isFinite)) {
      comparisons.push(
        notTestable(
          label,
          'steps',
          claim,
          'random init or full transfer does not reach the threshold in every seed, so the speed-up to recover is unknown',
        ),
      );
      continue;
    }
    const speedup = mean(random) - mean(full);
    if (!(speedup > 0)) {
      comparisons.push(
        notTestable(
          label,
          'steps',
          claim,
          `full transfer is not faster than random init (${Math.round(mean(full))} vs ${Math.round(mean(random))} steps): there is no speed-up to recover`,
        ),
      );
      continue;
    }
    // Linear in the arm means, so the interval is stable where the ratio (random − prefix) / (random − transfer) is not.
    const ci = bootstrapArms(
      [arm(random), arm(full), arm(prefix)],
      ([r, t, p]) => minus(r!, p!) - need * (r! - t!),
      ctx.bootstrap,
    );
    const recovered = Number.isFinite(mean(prefix))
      ? `${Math.round(((mean(random) - mean(prefix)) / speedup) * 100)}%`
      : 'none (not reached)';
    comparisons.push(
      judged(label, 'steps', claim, ci, ctx.options, {
        note: `${name} recovers ${recovered} of the ${Math.round(speedup)}-step speed-up`,
      }),
    );
  }
  return {
    criterion: `for every model with transfusion curves, Δ = (steps from random − from transfusion up to its second stage (ResNet: block1), or its first (conv1) if that was not run) − ${need} × (steps from random − from full transfer): Δ > 0 means the lowest layers recover more than ${Math.round(need * 100)}% of the speed-up. Supported if every interval lies above 0, contradicted if any lies wholly at or below 0`,
    comparisons,
    missing:
      "Needs curves for random init, full transfer and a transfusion of one model's first or second stage (ResNet: conv1 or block1).",
  };
}
