// Statements 1–3: test AUC of transfer vs random init, of small vs large models, and the transfer gain with
// little data. Every Δ is a paired contrast on one task's test images (hierarchical bootstrap + DeLong).
import { findGroup, type RunGroup } from '../aggregate.js';
import { count } from '../format.js';
import { aucContrast, notTestable, type Comparison } from './comparison.js';
import type { StatementContext } from './context.js';

const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

/** Settings of one model with both random init and transfer, in a data regime. */
function randomAndTransfer(
  ctx: StatementContext,
  regime: 'full' | 'limited',
): { random: RunGroup; transfer: RunGroup }[] {
  return ctx.groups.flatMap((random) => {
    if (random.regime !== regime || random.initKey !== 'random') return [];
    const transfer = findGroup(ctx.groups, {
      task: random.task.id,
      regime,
      model: random.model.id,
      initKey: 'pretrained',
    });
    return transfer ? [{ random, transfer }] : [];
  });
}

export function statement1(ctx: StatementContext) {
  const tol = ctx.options.aucTolerance;
  const claim = { kind: 'within', margin: tol } as const;
  const comparisons: Comparison[] = randomAndTransfer(ctx, 'full').map(({ random, transfer }) =>
    aucContrast(
      `${random.task.id}, ${random.model.label}: transfer − random`,
      [
        { group: transfer, coefficient: 1 },
        { group: random, coefficient: -1 },
      ],
      claim,
      ctx.bootstrap,
      ctx.options,
    ),
  );
  return {
    criterion: `for every model (full data), Δ = mean AUC(transfer) − mean AUC(random) has its ${ctx.levelText} interval within ±${(tol * 100).toFixed(2)} points: supported if inside, contradicted if wholly outside, else inconclusive`,
    comparisons,
    missing: 'No model was trained with both random init and transfer on full data.',
  };
}

export function statement2(ctx: StatementContext) {
  const tol = ctx.options.aucTolerance;
  const need = ctx.options.largeModelRatio;
  const claim = { kind: 'below', margin: tol } as const;
  const comparisons: Comparison[] = [];
  for (const task of ctx.results.tasks) {
    for (const init of ['random', 'pretrained']) {
      const of = (family: string) =>
        ctx.groups.filter(
          (g) => g.task.id === task.id && g.regime === 'full' && g.initKey === init && g.model.family === family,
        );
      const large = of('imagenet');
      if (large.length === 0) continue;
      const best = large.reduce((a, b) => (b.macro.mean > a.macro.mean ? b : a));
      for (const cbr of of('cbr')) {
        const label = `${task.id}, ${init === 'random' ? 'random init' : 'transfer'}: ${best.model.label} − ${cbr.model.label}`;
        if (best.params < need * cbr.params) {
          comparisons.push(
            notTestable(
              label,
              'AUC',
              claim,
              `${best.model.label} has ${ratio(best.params, cbr.params)} the parameters of ${cbr.model.label} (${count(best.params)} vs ${count(cbr.params)}); the statement compares models at least ${need}× apart`,
            ),
          );
          continue;
        }
        comparisons.push(
          aucContrast(
            label,
            [
              { group: best, coefficient: 1 },
              { group: cbr, coefficient: -1 },
            ],
            claim,
            ctx.bootstrap,
            ctx.options,
          ),
        );
      }
    }
  }
  return {
    criterion: `for random init and for transfer, Δ = mean AUC(best large model) − mean AUC(CBR model), for CBRs with at most 1/${need} of its parameters: supported if the interval lies at or below ${(tol * 100).toFixed(2)} points, contradicted if wholly above`,
    comparisons,
    missing: 'Needs at least one large (ImageNet) and one CBR model trained with the same init on full data.',
  };
}

export function statement3(ctx: StatementContext) {
  const margin = ctx.options.transferGainMargin;
  const need = ctx.options.largeModelRatio;
  const claim = { kind: 'above', margin } as const;
  const comparisons: Comparison[] = [];
  for (const task of ctx.results.tasks) {
    const pairs = randomAndTransfer(ctx, 'limited').filter((p) => p.random.task.id === task.id);
    const large = pairs.filter((p) => p.random.model.family === 'imagenet');
    const cbrs = pairs.filter((p) => p.random.model.family === 'cbr');
    if (large.length === 0 || cbrs.length === 0) continue;
    const label = `${task.id}, small data: transfer gain of ${large.map((p) => p.random.model.label).join(', ')} − that of ${cbrs.map((p) => p.random.model.label).join(', ')}`;
    const smallest = Math.min(...large.map((p) => p.random.params));
    const small = cbrs.filter((p) => p.random.params * need <= smallest);
    if (small.length === 0) {
      comparisons.push(
        notTestable(
          label,
          'AUC',
          claim,
          `no CBR has at most 1/${need} of the large models' parameters (smallest large: ${count(smallest)}; CBRs: ${cbrs.map((p) => count(p.random.params)).join(', ')})`,
        ),
      );
      continue;
    }
    const arms = [
      ...large.flatMap((p) => [
        { group: p.transfer, coefficient: 1 / large.length },
        { group: p.random, coefficient: -1 / large.length },
      ]),
      ...small.flatMap((p) => [
        { group: p.transfer, coefficient: -1 / small.length },
        { group: p.random, coefficient: 1 / small.length },
      ]),
    ];
    const shown = `${task.id}, small data: transfer gain of ${large.map((p) => p.random.model.label).join(', ')} − that of ${small.map((p) => p.random.model.label).join(', ')}`;
    comparisons.push(aucContrast(shown, arms, claim, ctx.bootstrap, ctx.options));
  }
  return {
    criterion: `on the small-data runs, Δ = mean transfer gain (AUC(transfer) − AUC(random)) of the large models − that of the CBRs with at most 1/${need} of their parameters: supported if the interval lies above ${(margin * 100).toFixed(2)} points, contradicted if wholly at or below`,
    comparisons,
    missing: 'Needs small-data runs (regime "limited") with random init and transfer for a large and a CBR model.',
  };
}
