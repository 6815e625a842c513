import { confusionSpec, type ConfusionCell } from '../charts/heatmap.js';
import type { FigureDef } from '../figures.js';
import { initKey, initLabel } from '../init.js';
import { rowRates, summedConfusion, type ConfusionCounts } from './confusion.js';
import { randomVsTransfer, randomVsTransferFigure, settingsOf, transferNote } from './random-vs-transfer.js';
import { seedsPhrase, type FigureScope } from './scope.js';

/** A setting's confusion matrix, as results.json keeps it. */
export interface SettingConfusion {
  model: string;
  init: string;
  seeds: number[];
  classes: string[];
  /** Row = true class, column = predicted class, summed over the seeds. */
  counts: ConfusionCounts;
  /** Each row divided by its total. */
  rates: number[][];
}

/** Confusion matrices of a multi-class task, random init and transfer per model; undefined otherwise. */
export function confusionFigure(scope: FigureScope): FigureDef | undefined {
  if (scope.task.kind !== 'multiclass') return undefined;
  const pairs = randomVsTransfer(scope);
  if (pairs.length === 0) return undefined;
  const classes = scope.task.labels;
  const rows: ConfusionCell[] = [];
  const panels: string[] = [];
  const data: SettingConfusion[] = [];
  for (const g of settingsOf(pairs)) {
    const counts = summedConfusion(g.scorers)!;
    const rates = rowRates(counts);
    const panel = `${g.model.label} · ${initLabel(g.init)}`;
    panels.push(panel);
    data.push({ model: g.model.id, init: initKey(g.init), seeds: g.runs.map((r) => r.seed), classes, counts, rates });
    counts.forEach((row, a) =>
      row.forEach((count, b) => {
        const rate = rates[a]![b]!;
        rows.push({
          panel,
          actual: classes[a]!,
          predicted: classes[b]!,
          count,
          rate: Number.isFinite(rate) ? rate : 0,
          rateText: Number.isFinite(rate) ? `${Math.round(rate * 100)}%` : '–',
        });
      }),
    );
  }
  const images = pairs[0]!.random.scorers[0]!.data.n;
  return randomVsTransferFigure(scope, {
    kind: 'confusion',
    what: 'Confusion matrices',
    caption:
      `Rows: true class; columns: the predicted (most probable) class. Counts summed over ${seedsPhrase(settingsOf(pairs))}, each classifying all ${images.toLocaleString('en-US')} test images once; ` +
      `colour and percentage: the count divided by its row's total (of the images of a true class, the share given each class; the same as the mean over seeds, every seed seeing the same images).${transferNote(pairs)}`,
    spec: (title) => confusionSpec({ title, rows, panels, classes }),
    data,
  });
}
