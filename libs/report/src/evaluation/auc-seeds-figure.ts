import type { SeedDotRow } from '../charts/seed-dots.js';
import { seedDotsSpec } from '../charts/seed-dots.js';
import { initColour } from '../charts/palette.js';
import type { FigureDef } from '../figures.js';
import { initKey, initLabel } from '../init.js';
import { scopeId, scopeName, type FigureScope } from './scope.js';

/** One setting's test AUC, as results.json keeps it (fractions; an interval bound is null when not computed). */
export interface SettingAuc {
  model: string;
  init: string;
  perSeed: { seed: number; auc: number }[];
  mean: number;
  std: number;
  ciLow: number;
  ciHigh: number;
}

/** Test AUC per model and init: every seed as a dot beside the mean and the mean's bootstrap interval. */
export function aucSeedsFigure(scope: FigureScope, level: number): FigureDef {
  const rows: SeedDotRow[] = [];
  const data: SettingAuc[] = [];
  for (const g of scope.groups) {
    const panel = g.model.label;
    const setting = initLabel(g.init);
    const colour = initColour(g.initKey);
    const perSeed = g.runs.map((r) => ({ seed: r.seed, auc: r.auc.macro.value }));
    data.push({
      model: g.model.id,
      init: initKey(g.init),
      perSeed,
      mean: g.macro.mean,
      std: g.macro.std,
      ciLow: g.macro.ciLow,
      ciHigh: g.macro.ciHigh,
    });
    const interval =
      Number.isFinite(g.macro.ciLow) && Number.isFinite(g.macro.ciHigh)
        ? { lo: 100 * g.macro.ciLow, hi: 100 * g.macro.ciHigh }
        : {};
    rows.push({ panel, setting, colour, mean: 100 * g.macro.mean, ...interval });
    for (const s of perSeed) rows.push({ panel, setting, colour, seedValue: 100 * s.auc, seed: s.seed });
  }
  const panels = [...new Set(scope.groups.map((g) => g.model.label))];
  const settings = [...new Set(scope.groups.map((g) => initLabel(g.init)))];
  const anyInterval = data.some((d) => Number.isFinite(d.ciLow));
  const kind =
    scope.task.kind === 'multiclass'
      ? ' (macro one-vs-rest over classes)'
      : scope.task.labels.length > 1
        ? ' (macro over labels)'
        : '';
  const name = scopeName(scope);
  return {
    id: scopeId('auc-seeds', scope),
    section: 'evaluation',
    title: `Test AUC per model and init — ${name}`,
    caption:
      `Test AUC${kind} of every run: one dot per seed, in the initialisation's colour; black diamond: the mean over seeds` +
      (anyInterval
        ? `; bar: the ${Math.round(level * 100)}% interval of that mean from the hierarchical bootstrap (test patients and seeds resampled), shown where the runs carry per-image test scores.`
        : '. No intervals: the runs carry no per-image test scores.'),
    spec: seedDotsSpec({
      title: { text: 'Test AUC per model and init', subtitle: `${name} · each seed beside the mean` },
      rows,
      panels,
      settings,
      yTitle: 'Test AUC (%)',
    }),
    data,
  };
}
