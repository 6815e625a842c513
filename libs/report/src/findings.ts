import { bootstrapSettings, type RunGroup } from './aggregate.js';
import type { ReportOptions } from './options.js';
import type { StudyResults } from './schema.js';
import { describeComparison, type Comparison } from './findings/comparison.js';
import type { StatementContext, StatementResult } from './findings/context.js';
import { statement1, statement2, statement3 } from './findings/auc-statements.js';
import { statement4, statement5 } from './findings/similarity-statements.js';
import { statement6, statement7 } from './findings/convergence-statements.js';
import { combine, type Verdict } from './verdict.js';

export type { Comparison } from './findings/comparison.js';
export { verdicts, type Verdict } from './verdict.js';

export interface Finding {
  id: number;
  statement: string;
  /** The rule applied, with its margins, so a reader can check the verdict. */
  criterion: string;
  /**
   * supported / contradicted / inconclusive (the intervals against the rule), not testable (a precondition
   * fails: too few seeds, models not far enough apart in size, a threshold never reached), not measured (no runs).
   */
  verdict: Verdict;
  /** One line per comparison: Δ, interval, seeds, DeLong, verdict. */
  evidence: string[];
  /** The same, machine-readable, for results.json and `report findings --json`. */
  comparisons: Comparison[];
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

/** How to read the findings; printed above them in every format. */
export const FINDINGS_METHOD =
  "Each statement is judged on differences Δ with a bootstrap interval: AUC differences are paired on the same test images, resampling test patients once for both sides and the seeds of each side (hierarchical), with DeLong's test for correlated AUCs beside them; CCA and convergence differences resample seeds. " +
  "Supported: every interval lies on the statement's side of its margin; contradicted: one lies wholly on the other side; inconclusive: an interval straddles the margin; not testable: a precondition fails (fewer than 2 seeds, models not far enough apart in size, a threshold never reached); not measured: no runs. " +
  "AUC is each task's test AUC (macro over labels or one-vs-rest classes); margins are report options.";

/** Evaluates the paper's seven testable statements on this run's numbers, each comparison with its interval. */
export function evaluateFindings(results: StudyResults, groups: RunGroup[], options: ReportOptions): Finding[] {
  const params = new Map<string, number>();
  for (const g of groups) if (!params.has(g.model.id)) params.set(g.model.id, g.params);
  const bootstrap = bootstrapSettings(results);
  const ctx: StatementContext = {
    results,
    groups,
    options,
    models: new Map(results.models.map((m) => [m.id, m])),
    bootstrap,
    levelText: `${Math.round(bootstrap.level * 100)}%`,
    paramsOf: (id) => params.get(id),
  };
  const evaluate: ((c: StatementContext) => StatementResult)[] = [
    statement1,
    statement2,
    statement3,
    statement4,
    statement5,
    statement6,
    statement7,
  ];
  return evaluate.map((f, i) => {
    const r = f(ctx);
    const verdict = combine(r.comparisons.map((c) => c.verdict));
    return {
      id: i + 1,
      statement: statements[i]!,
      criterion: r.criterion,
      verdict,
      evidence: r.comparisons.length > 0 ? r.comparisons.map(describeComparison) : [r.missing],
      comparisons: r.comparisons,
    };
  });
}
