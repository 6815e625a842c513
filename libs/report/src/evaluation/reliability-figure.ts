import { unitSquareSpec } from '../charts/unit-square.js';
import type { FigureDef } from '../figures.js';
import { fixed } from '../format.js';
import { initKey } from '../init.js';
import { summarize, type Summary } from '../stats.js';
import { calibrationPairs, reliability, type ReliabilityBin } from './calibration.js';
import {
  randomVsTransfer,
  randomVsTransferFigure,
  settingsOf,
  transferNote,
  unitSquarePanels,
  type ScoredGroup,
} from './random-vs-transfer.js';
import { seedsPhrase, type FigureScope } from './scope.js';

export const RELIABILITY_BINS = 10;

/** A setting's calibration, as results.json keeps it. */
export interface SettingCalibration {
  model: string;
  init: string;
  seeds: number[];
  /** Each seed's ECE over its own predictions; the legend shows their mean ± std. */
  ecePerSeed: number[];
  ece: Summary;
  /** The bins of all seeds' predictions together: what is drawn. */
  pooled: { bins: ReliabilityBin[]; total: number; ece: number };
}

export function settingCalibration(g: ScoredGroup): SettingCalibration {
  const perSeed = g.scorers.map(calibrationPairs);
  const ecePerSeed = perSeed.map((p) => reliability(p.confidence, p.outcome, RELIABILITY_BINS).ece);
  const pooled = reliability(
    perSeed.flatMap((p) => p.confidence),
    perSeed.flatMap((p) => p.outcome),
    RELIABILITY_BINS,
  );
  return {
    model: g.model.id,
    init: initKey(g.init),
    seeds: g.runs.map((r) => r.seed),
    ecePerSeed,
    ece: summarize(ecePerSeed),
    pooled,
  };
}

const eceText = (s: Summary) => `ECE ${fixed(s.mean)}${s.n > 1 ? ` ± ${fixed(s.std)}` : ''}`;

function predictionsNote(scope: FigureScope): string {
  if (scope.task.kind === 'multiclass')
    return "each image's top-class probability (confidence) against whether the top class is the true class (top-label calibration, Guo et al. 2017); y = accuracy in the bin";
  const each =
    scope.task.labels.length > 1
      ? `every known (image, label) probability of the ${scope.task.labels.length} labels`
      : "each image's predicted probability";
  return `${each} against the label; y = share of the bin's predictions whose label is positive`;
}

/** Reliability diagrams of random init vs transfer with ECE, one panel per model; undefined without scored pairs. */
export function reliabilityFigure(scope: FigureScope): FigureDef | undefined {
  const pairs = randomVsTransfer(scope);
  if (pairs.length === 0) return undefined;
  const { rows, panels, data } = unitSquarePanels(pairs, (g) => {
    const cal = settingCalibration(g);
    const points = cal.pooled.bins.filter((b) => b.count > 0).map((b) => ({ x: b.confidence, y: b.observed }));
    return { says: eceText(cal.ece), datum: cal, points };
  });
  const multiclass = scope.task.kind === 'multiclass';
  return randomVsTransferFigure(scope, {
    kind: 'reliability',
    what: 'Reliability diagrams',
    subtitle: `, ${RELIABILITY_BINS} bins`,
    caption:
      `Test predictions in ${RELIABILITY_BINS} equal-width bins of predicted probability ((0, 0.1], (0.1, 0.2], …, (0.9, 1]): ${predictionsNote(scope)}; ` +
      `x = mean predicted probability in the bin. Points pool the predictions of ${seedsPhrase(settingsOf(pairs))}; empty bins are left out. Dashed diagonal: perfect calibration. ` +
      `Legend: expected calibration error ECE = Σ_b (n_b / N) · |${multiclass ? 'acc' : 'observed'}_b − conf_b| of each seed, mean ± std over the seeds.${transferNote(pairs)}`,
    spec: (title) =>
      unitSquareSpec({
        title,
        rows,
        panels,
        xTitle: multiclass ? 'Mean confidence (top class)' : 'Mean predicted probability',
        yTitle: multiclass ? 'Accuracy' : 'Observed frequency',
        points: true,
      }),
    data,
  });
}
