import { findGroup, type RunGroup } from './aggregate.js';
import { fixed, pct, steps as fmtSteps } from './format.js';
import type { ReportOptions } from './options.js';
import type { ModelInfo, StudyResults } from './schema.js';
import { initFinalByLayer, topLayerComparisons } from './similarity.js';
import { compareSpeed, isFig6Init, isFig7Init, recoveredSpeedup, stepsOrInf } from './speedup.js';
import { mean } from './stats.js';

export type Verdict = 'supported' | 'not supported' | 'not measured';

export interface Finding {
  id: number;
  statement: string;
  /** The rule applied, with its thresholds, so a reader can check the verdict. */
  criterion: string;
  verdict: Verdict;
  /** Human-readable numbers behind the verdict. */
  evidence: string[];
  /** The same numbers, machine-readable, for results.json. */
  numbers: Record<string, unknown>;
}

export const statements = [
  '|AUC(transfer) − AUC(random)| is small for all models on a large target set.',
  'Small CBR models reach AUC close to the large models.',
  'With little data, transfer helps the large model more than the small ones.',
  'CCA(Rand, Rand) > CCA(Rand, Pretrained) in top layers for the large model, not for small ones.',
  'CCA(init, final) is highest in the lowest layers, and higher for larger models.',
  'Transfer and Mean Var init reach a given AUC in fewer steps than random init.',
  'Transfusing only the lowest layers recovers most of the convergence speed-up.',
] as const;

const pts = (d: number): string => `${d >= 0 ? '+' : '−'}${pct(Math.abs(d))}`;

interface Ctx {
  results: StudyResults;
  groups: RunGroup[];
  options: ReportOptions;
  models: Map<string, ModelInfo>;
}

type Partial = Omit<Finding, 'id' | 'statement'>;
const notMeasured = (criterion: string, why: string): Partial => ({ criterion, verdict: 'not measured', evidence: [why], numbers: {} });

function transferDeltas(ctx: Ctx, regime: 'full' | 'limited'): { task: string; model: ModelInfo; delta: number }[] {
  const out: { task: string; model: ModelInfo; delta: number }[] = [];
  for (const g of ctx.groups) {
    if (g.regime !== regime || g.initKey !== 'random') continue;
    const t = findGroup(ctx.groups, { task: g.task.id, regime, model: g.model.id, initKey: 'pretrained' });
    if (t) out.push({ task: g.task.id, model: g.model, delta: t.macro.mean - g.macro.mean });
  }
  return out;
}

function s1(ctx: Ctx): Partial {
  const tol = ctx.options.aucTolerance;
  const criterion = `every model's |mean AUC(transfer) − mean AUC(random)| ≤ ${pct(tol)} points (full data)`;
  const d = transferDeltas(ctx, 'full');
  if (d.length === 0) return notMeasured(criterion, 'No model was trained with both random init and transfer on full data.');
  return {
    criterion,
    verdict: d.every((x) => Math.abs(x.delta) <= tol) ? 'supported' : 'not supported',
    evidence: d.map((x) => `${x.task}, ${x.model.label}: transfer − random = ${pts(x.delta)} points`),
    numbers: { tolerance: tol, deltas: d.map((x) => ({ task: x.task, model: x.model.id, delta: x.delta })) },
  };
}

function s2(ctx: Ctx): Partial {
  const tol = ctx.options.aucTolerance;
  const criterion = `for random init and for transfer, every CBR model's mean AUC is at most ${pct(tol)} points below the best large model's`;
  const rows: { task: string; init: string; cbr: string; best: string; gap: number }[] = [];
  for (const task of ctx.results.tasks) {
    for (const init of ['random', 'pretrained']) {
      const of = (fam: string) => ctx.groups.filter((g) => g.task.id === task.id && g.regime === 'full' && g.initKey === init && g.model.family === fam);
      const large = of('imagenet');
      if (large.length === 0) continue;
      const best = large.reduce((a, b) => (b.macro.mean > a.macro.mean ? b : a));
      for (const c of of('cbr')) rows.push({ task: task.id, init, cbr: c.model.label, best: best.model.label, gap: best.macro.mean - c.macro.mean });
    }
  }
  if (rows.length === 0) return notMeasured(criterion, 'Needs at least one large (ImageNet) and one CBR model trained with the same init on full data.');
  return {
    criterion,
    verdict: rows.every((r) => r.gap <= tol) ? 'supported' : 'not supported',
    evidence: rows.map((r) => `${r.task}, ${r.init === 'random' ? 'random init' : 'transfer'}: ${r.cbr} is ${pts(-r.gap)} points vs ${r.best}`),
    numbers: { tolerance: tol, gaps: rows },
  };
}

function s3(ctx: Ctx): Partial {
  const margin = ctx.options.transferGainMargin;
  const criterion = `on the small-data runs, mean transfer gain of the large models − that of the CBR models ≥ ${pct(margin)} points`;
  const d = transferDeltas(ctx, 'limited');
  const large = d.filter((x) => x.model.family === 'imagenet');
  const small = d.filter((x) => x.model.family === 'cbr');
  if (large.length === 0 || small.length === 0) {
    return notMeasured(criterion, 'Needs small-data runs (regime "limited") with random init and transfer for a large and a CBR model.');
  }
  const diff = mean(large.map((x) => x.delta)) - mean(small.map((x) => x.delta));
  return {
    criterion,
    verdict: diff >= margin ? 'supported' : 'not supported',
    evidence: [
      ...d.map((x) => `${x.task}, ${x.model.label}: transfer gain ${pts(x.delta)} points`),
      `large − small mean gain = ${pts(diff)} points`,
    ],
    numbers: { margin, gains: d.map((x) => ({ task: x.task, model: x.model.id, family: x.model.family, gain: x.delta })), difference: diff },
  };
}

function s4(ctx: Ctx): Partial {
  const margin = ctx.options.ccaGapMargin;
  const criterion = `in every CCA variant, mean top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained) > ${margin} for each large model and ≤ ${margin} for each CBR model`;
  const rows: { variant: string; model: ModelInfo; gap: number; rr: number; rp: number }[] = [];
  for (const cca of ctx.results.cca) {
    for (const c of topLayerComparisons(cca, ctx.results.models)) {
      rows.push({ variant: cca.variant.id, model: ctx.models.get(c.model)!, gap: c.gap, rr: mean(c.randRand), rp: mean(c.randPretrained) });
    }
  }
  const large = rows.filter((r) => r.model.family === 'imagenet');
  const small = rows.filter((r) => r.model.family === 'cbr');
  if (large.length === 0 || small.length === 0) return notMeasured(criterion, 'Needs Rand–Rand and Rand–Pretrained CCA for a large and a CBR model.');
  const ok = large.every((r) => r.gap > margin) && small.every((r) => r.gap <= margin);
  return {
    criterion,
    verdict: ok ? 'supported' : 'not supported',
    evidence: rows.map((r) => `${r.variant}, ${r.model.label}: Rand–Rand ${fixed(r.rr)} vs Rand–Pretrained ${fixed(r.rp)} (gap ${fixed(r.gap)})`),
    numbers: { margin, gaps: rows.map((r) => ({ variant: r.variant, model: r.model.id, randRand: r.rr, randPretrained: r.rp, gap: r.gap })) },
  };
}

function s5(ctx: Ctx): Partial {
  const criterion =
    'in every CCA variant, (a) for each model and init the highest CCA(init, final) is in one of the two lowest layers, and (b) averaged over layers from random init, every large model exceeds every CBR model';
  const evidence: string[] = [];
  const numbers: Record<string, unknown>[] = [];
  let measured = false;
  let ok = true;
  for (const cca of ctx.results.cca) {
    const layers = initFinalByLayer(cca);
    const keys = [...new Set(layers.map((l) => `${l.model}|${l.init}`))];
    for (const k of keys) {
      const ls = layers.filter((l) => `${l.model}|${l.init}` === k);
      const top = ls.reduce((a, b) => (b.mean > a.mean ? b : a));
      const lowest = ls.indexOf(top) < 2;
      ok &&= lowest;
      const m = ctx.models.get(ls[0]!.model)!;
      evidence.push(`${cca.variant.id}, ${m.label} (${ls[0]!.init} init): highest at ${top.layer} (${fixed(top.mean)}), lowest layer ${fixed(ls[0]!.mean)}, top layer ${fixed(ls.at(-1)!.mean)}`);
      numbers.push({ variant: cca.variant.id, model: m.id, init: ls[0]!.init, maxLayer: top.layer, highestInLowestTwo: lowest, perLayer: ls.map((l) => ({ layer: l.layer, mean: l.mean })) });
    }
    const avg = (fam: string) =>
      [...new Set(layers.filter((l) => l.init === 'random' && ctx.models.get(l.model)!.family === fam).map((l) => l.model))].map((model) => ({
        model,
        value: mean(layers.filter((l) => l.init === 'random' && l.model === model).map((l) => l.mean)),
      }));
    const large = avg('imagenet');
    const small = avg('cbr');
    if (large.length > 0 && small.length > 0) {
      measured = true;
      const b = Math.min(...large.map((x) => x.value)) > Math.max(...small.map((x) => x.value));
      ok &&= b;
      evidence.push(
        `${cca.variant.id}, mean over layers from random init: ` +
          [...large, ...small].map((x) => `${ctx.models.get(x.model)!.label} ${fixed(x.value)}`).join(', '),
      );
      numbers.push({ variant: cca.variant.id, meanOverLayersRandomInit: [...large, ...small] });
    }
  }
  if (!measured) return notMeasured(criterion, 'Needs per-layer CCA(init, final) from random init for a large and a CBR model.');
  return { criterion, verdict: ok ? 'supported' : 'not supported', evidence, numbers: { rows: numbers } };
}

const metricOf = (ctx: Ctx): string => ctx.results.evaluation.convergenceMetric;

function s6(ctx: Ctx): Partial {
  const criterion = 'for every model with curves, mean steps to the threshold AUC: transfer < random and Mean Var < random (not reached counts as never)';
  const comps = compareSpeed(ctx.groups, metricOf(ctx), ctx.options, isFig6Init).filter((c) => c.steps.some((s) => s.initKey === 'meanvar') && c.steps.some((s) => s.initKey === 'pretrained'));
  if (comps.length === 0) return notMeasured(criterion, 'Needs validation curves for random, Mean Var and transfer init of one model.');
  let ok = true;
  const evidence = comps.map((c) => {
    const by = new Map(c.steps.map((s) => [s.initKey, s]));
    const r = stepsOrInf(by.get('random'));
    ok &&= stepsOrInf(by.get('pretrained')) < r && stepsOrInf(by.get('meanvar')) < r;
    return `${c.task}, ${ctx.models.get(c.model)!.label} (AUC ≥ ${pct(c.threshold, 1)}%): random ${fmtSteps(by.get('random')!.mean)}, Mean Var ${fmtSteps(by.get('meanvar')!.mean)}, transfer ${fmtSteps(by.get('pretrained')!.mean)} steps`;
  });
  return { criterion, verdict: ok ? 'supported' : 'not supported', evidence, numbers: { comparisons: comps } };
}

function s7(ctx: Ctx): Partial {
  const need = ctx.options.recoveredFraction;
  const criterion = `transfusing up to block1 (or conv1 if block1 was not run) recovers ≥ ${Math.round(need * 100)}% of full transfer's reduction in steps to the threshold`;
  const comps = compareSpeed(ctx.groups, metricOf(ctx), ctx.options, isFig7Init).filter((c) => c.steps.some((s) => s.initKey.startsWith('transfusion:')));
  const rows = comps.flatMap((c) => {
    const rec = recoveredSpeedup(c);
    const low = rec?.find((r) => r.initKey === 'transfusion:block1') ?? rec?.find((r) => r.initKey === 'transfusion:conv1');
    return rec && low ? [{ c, rec, low }] : [];
  });
  if (rows.length === 0) {
    return notMeasured(criterion, 'Needs curves for random init, full transfer (faster than random) and a conv1 or block1 transfusion of one model.');
  }
  const ok = rows.every((r) => r.low.fraction !== null && r.low.fraction >= need);
  return {
    criterion,
    verdict: ok ? 'supported' : 'not supported',
    evidence: rows.map(
      ({ c, rec }) =>
        `${c.task}, ${ctx.models.get(c.model)!.label}: ` +
        rec.map((r) => `${r.initKey.replace('transfusion:', '≤ ')} recovers ${r.fraction === null ? 'n/a (not reached)' : `${Math.round(r.fraction * 100)}%`}`).join(', '),
    ),
    numbers: { recoveredFraction: need, models: rows.map(({ c, rec }) => ({ task: c.task, model: c.model, threshold: c.threshold, recovery: rec })) },
  };
}

/** Evaluates the paper's seven testable statements on this run's numbers. */
export function evaluateFindings(results: StudyResults, groups: RunGroup[], options: ReportOptions): Finding[] {
  const ctx: Ctx = { results, groups, options, models: new Map(results.models.map((m) => [m.id, m])) };
  return [s1, s2, s3, s4, s5, s6, s7].map((f, i) => ({ id: i + 1, statement: statements[i]!, ...f(ctx) }));
}
