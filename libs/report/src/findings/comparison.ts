// One comparison behind a finding: Δ with its interval, how many seeds went into each side, the claim it is
// judged against, DeLong's analytic check where Δ is an AUC difference, and the resulting verdict.
import type { RunGroup } from '../aggregate.js';
import { delongContrast, type DeLongResult } from '../delong.js';
import type { ReportOptions } from '../options.js';
import { estimateContrast, type BootstrapSettings, type Interval } from '../paired-bootstrap.js';
import { describeClaim, judge, type Claim, type Verdict } from '../verdict.js';

export type DeltaUnit = 'AUC' | 'CCA' | 'steps';

export interface Comparison {
  /** What is compared, e.g. "retina, ResNet50: transfer − random". */
  label: string;
  unit: DeltaUnit;
  claim: Claim;
  verdict: Verdict;
  /** Δ and its interval (absent when the comparison could not be made). */
  delta?: number;
  low?: number;
  high?: number;
  level?: number;
  /** What the bootstrap resampled: test patients and seeds (paired), or seeds (or seed pairs) only. */
  resampled?: Interval['resampled'];
  /** Units on each side of the comparison: seeds, or seed pairs for CCA between models. */
  n?: number[];
  /** DeLong's test of the same AUC contrast (test-set variance only, seeds held fixed), and its verdict. */
  delong?: DeLongResult & { verdict: Verdict };
  /** Why a comparison is not testable, or anything a reader must know to read it. */
  note?: string;
}

/** A side of an AUC contrast: a setting's seeds with a coefficient. */
export interface GroupArm {
  group: RunGroup;
  coefficient: number;
}

export const pointsOf = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)}`;
const cca = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const steps = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.round(Math.abs(x)).toLocaleString('en-US')}` : x > 0 ? '+∞' : '−∞';

/** Δ in the comparison's unit: AUC in points (×100), CCA to three decimals, steps as integers (∞ = never reached). */
export function formatDelta(x: number, unit: DeltaUnit): string {
  return unit === 'AUC' ? pointsOf(x) : unit === 'CCA' ? cca(x) : steps(x);
}

export const unitName = (unit: DeltaUnit): string => (unit === 'AUC' ? ' points' : unit === 'steps' ? ' steps' : '');

export const claimText = (claim: Claim, unit: DeltaUnit): string =>
  describeClaim(claim, (m) => `${formatDelta(m, unit).replace(/^\+/, '')}${unitName(unit)}`);

/** The precondition shared by every comparison: at least `minSeeds` seeds on each side. */
export function seedsShort(n: number[], options: ReportOptions): string | undefined {
  const fewest = Math.min(...n);
  return fewest < options.minSeeds
    ? `${fewest} seed${fewest === 1 ? '' : 's'} on one side; needs at least ${options.minSeeds} to estimate the seed spread`
    : undefined;
}

export function notTestable(
  label: string,
  unit: DeltaUnit,
  claim: Claim,
  note: string,
  extra: Partial<Comparison> = {},
): Comparison {
  return { label, unit, claim, verdict: 'not testable', note, ...extra };
}

/** Δ from an interval, judged against the claim (not testable when a side has too few seeds). */
export function judged(
  label: string,
  unit: DeltaUnit,
  claim: Claim,
  ci: Interval,
  options: ReportOptions,
  extra: Partial<Comparison> = {},
): Comparison {
  const n = ci.seeds.map((s) => s.length);
  const short = seedsShort(n, options);
  const base = {
    label,
    unit,
    claim,
    delta: ci.estimate,
    low: ci.low,
    high: ci.high,
    level: ci.level,
    resampled: ci.resampled,
    n,
    ...extra,
  };
  return short
    ? { ...base, verdict: 'not testable', note: short }
    : { ...base, verdict: judge(ci.low, ci.high, claim) };
}

/** An AUC contrast of settings: the paired hierarchical bootstrap, with DeLong's test beside it. */
export function aucContrast(
  label: string,
  arms: GroupArm[],
  claim: Claim,
  settings: BootstrapSettings,
  options: ReportOptions,
): Comparison {
  const ci = estimateContrast(
    arms.map((a) => ({
      runs: a.group.runs,
      ...(a.group.scorers ? { scorers: a.group.scorers } : {}),
      coefficient: a.coefficient,
    })),
    'auc',
    settings,
  );
  const paired = arms.every((a) => a.group.scorers);
  const d = paired
    ? delongContrast(
        arms.map((a) => ({ scorers: a.group.scorers!, coefficient: a.coefficient })),
        settings.level,
      )
    : undefined;
  return judged(label, 'AUC', claim, ci, options, {
    ...(d ? { delong: { ...d, verdict: judge(d.low, d.high, claim) } } : {}),
    ...(paired
      ? {}
      : { note: 'no per-image test scores: only the seeds are resampled, the test-set noise is not in the interval' }),
  });
}

/** "Δ = +0.41 points [−1.20, +2.02] (95%, 3 vs 3 seeds, patients and seeds resampled); DeLong …" */
export function describeComparison(c: Comparison): string {
  const head = `${c.label}: `;
  if (c.delta === undefined || c.low === undefined || c.high === undefined)
    return `${head}${c.verdict}${c.note ? ` — ${c.note}` : ''}`;
  const u = unitName(c.unit);
  const level = `${Math.round((c.level ?? 0.95) * 100)}%`;
  const who = c.n ? `${c.n.join(' vs ')} ${c.unit === 'CCA' && c.resampled === 'seeds' ? 'seeds/pairs' : 'seeds'}` : '';
  const delong = c.delong
    ? `; DeLong ${formatDelta(c.delong.delta, 'AUC')} [${formatDelta(c.delong.low, 'AUC')}, ${formatDelta(c.delong.high, 'AUC')}], p = ${c.delong.p < 0.001 ? '< 0.001' : c.delong.p.toFixed(3)}${c.delong.verdict !== c.verdict && c.verdict !== 'not testable' ? ` (would be ${c.delong.verdict})` : ''}`
    : '';
  return (
    `${head}Δ = ${formatDelta(c.delta, c.unit)}${u} [${formatDelta(c.low, c.unit)}, ${formatDelta(c.high, c.unit)}] (${level}, ${who}, ${c.resampled} resampled)${delong}` +
    ` → ${c.verdict} (${claimText(c.claim, c.unit)})${c.note ? ` — ${c.note}` : ''}`
  );
}
