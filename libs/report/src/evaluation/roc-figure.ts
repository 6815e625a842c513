import { unitSquareSpec } from '../charts/unit-square.js';
import type { FigureDef } from '../figures.js';
import { pct } from '../format.js';
import { initKey } from '../init.js';
import { mean } from '../stats.js';
import {
  randomVsTransfer,
  randomVsTransferFigure,
  settingsOf,
  transferNote,
  unitSquarePanels,
  type ScoredGroup,
} from './random-vs-transfer.js';
import { fprGrid, macroRocAtGrid } from './roc.js';
import { seedsPhrase, type FigureScope } from './scope.js';

/** The mean ROC of a setting, as results.json keeps it. */
export interface MeanRoc {
  model: string;
  init: string;
  seeds: number[];
  /** Each seed's test AUC (macro over labels) and their mean: the legend's number. */
  aucPerSeed: number[];
  aucMean: number;
  fpr: number[];
  /** Mean over seeds of each seed's (macro-averaged) TPR at `fpr`. */
  tpr: number[];
}

/** Vertical average over seeds of each seed's ROC (macro over labels / classes) at a fixed FPR grid. */
export function meanRoc(g: ScoredGroup, grid: readonly number[]): MeanRoc {
  const perSeed = g.scorers.map((s) => macroRocAtGrid(s, grid));
  return {
    model: g.model.id,
    init: initKey(g.init),
    seeds: g.runs.map((r) => r.seed),
    aucPerSeed: g.runs.map((r) => r.auc.macro.value),
    aucMean: g.macro.mean,
    fpr: [...grid],
    tpr: grid.map((_, i) => mean(perSeed.map((c) => c[i]!).filter(Number.isFinite))),
  };
}

function averagingNote(scope: FigureScope, grid: readonly number[]): string {
  const read = `read at ${grid.length} evenly spaced false-positive rates (0, 0.01, …, 1; at a rate where the curve steps up, its top)`;
  const labels = scope.task.labels.length;
  if (scope.task.kind === 'multiclass')
    return `Macro-averaged one-vs-rest ROC: for each seed, each of the ${labels} classes' exact ROC against the rest, ${read}, averaged over the classes; then averaged vertically (mean TPR at each FPR)`;
  if (labels > 1)
    return `Macro-averaged ROC: for each seed, each of the ${labels} labels' exact ROC (over the images where the label is known), ${read}, averaged over the labels; then averaged vertically (mean TPR at each FPR)`;
  return `For each seed the exact ROC of the test set, ${read}; then averaged vertically (mean TPR at each FPR)`;
}

const aucKind: Record<FigureScope['task']['kind'], string> = {
  binary: '',
  multilabel: 'macro over labels, ',
  multiclass: 'macro one-vs-rest, ',
};

/** ROC curves of random init vs transfer, one panel per model; undefined when no model has both with test scores. */
export function rocFigure(scope: FigureScope): FigureDef | undefined {
  const pairs = randomVsTransfer(scope);
  if (pairs.length === 0) return undefined;
  const grid = fprGrid(100);
  const { rows, panels, data } = unitSquarePanels(pairs, (g) => {
    const roc = meanRoc(g, grid);
    // From (0, 0) up to the curve's value at FPR 0, then along the grid.
    const points = [{ x: 0, y: 0 }, ...roc.tpr.flatMap((y, i) => (Number.isFinite(y) ? [{ x: grid[i]!, y }] : []))];
    return { says: `AUC ${pct(roc.aucMean)}%`, datum: roc, points };
  });
  return randomVsTransferFigure(scope, {
    kind: 'roc',
    what: 'ROC curves',
    caption:
      `${averagingNote(scope, grid)} over ${seedsPhrase(settingsOf(pairs))}. Ties in the scores are one diagonal step, as scikit-learn's roc_curve. ` +
      `Legend: test AUC (${aucKind[scope.task.kind]}mean over the seeds of each run's AUC). Dashed diagonal: chance.${transferNote(pairs)}`,
    spec: (title) =>
      unitSquareSpec({
        title,
        rows,
        panels,
        xTitle: 'False-positive rate',
        yTitle: 'True-positive rate',
        points: false,
      }),
    data,
  });
}
