// The figures that set each model's random-init runs beside its transfer runs (ROC curves, reliability diagrams,
// confusion matrices): which models qualify, and the naming and layout those figures share.
import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../aggregate.js';
import { initColour } from '../charts/palette.js';
import type { Title } from '../charts/specs.js';
import type { UnitSquarePanel, UnitSquareRow } from '../charts/unit-square.js';
import type { FigureDef } from '../figures.js';
import { initShortLabel } from '../init.js';
import { scopeId, scopeName, type FigureScope } from './scope.js';

/** A group whose every run has per-image test scores. */
export type ScoredGroup = RunGroup & Required<Pick<RunGroup, 'scorers'>>;

const isScored = (g: RunGroup | undefined): g is ScoredGroup => g?.scorers !== undefined;

/** Random init and full transfer of one model, both with test scores. */
export interface RandomVsTransfer {
  random: ScoredGroup;
  transfer: ScoredGroup;
}

/** The models of the scope with scored random and transfer runs, in report order. */
export function randomVsTransfer(scope: FigureScope): RandomVsTransfer[] {
  const out: RandomVsTransfer[] = [];
  for (const random of scope.groups.filter((g) => g.initKey === 'random')) {
    const transfer = scope.groups.find((g) => g.model.id === random.model.id && g.initKey === 'pretrained');
    if (isScored(random) && isScored(transfer)) out.push({ random, transfer });
  }
  return out;
}

export const settingsOf = (pairs: readonly RandomVsTransfer[]): ScoredGroup[] =>
  pairs.flatMap((p) => [p.random, p.transfer]);

/** The transfer source, when the runs name one: the captions say what "transfer" started from. */
export function transferNote(pairs: readonly RandomVsTransfer[]): string {
  const sources = [...new Set(pairs.flatMap((p) => (p.transfer.transferSource ? [p.transfer.transferSource] : [])))];
  return sources.length > 0 ? ` Transfer = pretrained on ${sources.join(' / ')}.` : '';
}

/** What a unit-square figure draws of one setting: its number for the legend, the numbers kept, the points in order. */
export interface SettingCurve<T> {
  says: string;
  datum: T;
  points: { x: number; y: number }[];
}

/** One panel per model with random and transfer as its two series; a legend name is short, as legends sit under narrow panels. */
export function unitSquarePanels<T>(
  pairs: readonly RandomVsTransfer[],
  draw: (g: ScoredGroup) => SettingCurve<T>,
): { rows: UnitSquareRow[]; panels: UnitSquarePanel[]; data: T[] } {
  const rows: UnitSquareRow[] = [];
  const data: T[] = [];
  const panels = pairs.map((pair) => {
    const panel: UnitSquarePanel = { name: pair.random.model.label, series: [] };
    for (const g of [pair.random, pair.transfer]) {
      const curve = draw(g);
      const series = {
        name: `${g.init.kind === 'pretrained' ? 'Transfer' : initShortLabel(g.init)} · ${curve.says}`,
        colour: initColour(g.initKey),
      };
      panel.series.push(series);
      data.push(curve.datum);
      curve.points.forEach((p, order) => rows.push({ panel: panel.name, series: series.name, ...p, order }));
    }
    return panel;
  });
  return { rows, panels, data };
}

/** The id, section and titles every random-vs-transfer figure shares; `what` names the chart, e.g. "ROC curves". */
export function randomVsTransferFigure(
  scope: FigureScope,
  o: {
    kind: string;
    what: string;
    subtitle?: string;
    caption: string;
    spec: (title: Title) => TopLevelSpec;
    data: unknown;
  },
): FigureDef {
  const name = scopeName(scope);
  return {
    id: scopeId(o.kind, scope),
    section: 'evaluation',
    title: `${o.what} — ${name}: random init vs transfer`,
    caption: o.caption,
    spec: o.spec({ text: `${o.what}, random init vs transfer`, subtitle: `${name} · test set${o.subtitle ?? ''}` }),
    data: o.data,
  };
}
