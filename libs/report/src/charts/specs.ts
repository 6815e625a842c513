import type { TopLevelSpec } from 'vega-lite';

/** Vega-Lite specs for the report's figure types. Data arrives prepared; these only describe the drawing. */

export interface Title {
  text: string;
  subtitle?: string;
}

export const titleOf = (t: Title) => (t.subtitle ? { text: t.text, subtitle: t.subtitle } : { text: t.text });

type FacetedSpec = Extract<TopLevelSpec, { facet: unknown }>;

/** One panel per value of `panel`, in the given order, wrapped after `maxColumns`. */
function faceted(o: {
  title: Title;
  rows: object[];
  panels: string[];
  maxColumns: number;
  spec: FacetedSpec['spec'];
  resolve?: FacetedSpec['resolve'];
}): TopLevelSpec {
  return {
    title: titleOf(o.title),
    data: { values: o.rows },
    facet: { field: 'panel', type: 'nominal', title: null, sort: o.panels },
    columns: Math.min(o.maxColumns, o.panels.length),
    ...(o.resolve ? { resolve: o.resolve } : {}),
    spec: o.spec,
  };
}

/** A line series of a figure: its legend name and its colour (palette.ts). */
export interface Series {
  name: string;
  colour: string;
}

/** Colour by the `series` field, each series in its own colour, legend in the given order. */
function seriesColour(series: readonly Series[]) {
  return {
    field: 'series',
    type: 'nominal' as const,
    scale: { domain: series.map((s) => s.name), range: series.map((s) => s.colour) },
  };
}

/** What a line figure is drawn from: `rows` in one panel per entry of `panels`, one line per series. */
interface SeriesPanels<Row> {
  title: Title;
  rows: Row[];
  panels: string[];
  series: Series[];
  yTitle: string;
}

/** The legend of the line figures: stroke symbols, long init names unclipped. */
const LINE_LEGEND = { title: null, symbolType: 'stroke', symbolStrokeWidth: 3, labelLimit: 400 } as const;

export interface CurveRow {
  panel: string;
  series: string;
  step: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
  threshold?: number;
}

/** Mean curve over seeds with a ±1 std band, one panel per model, optional dashed threshold line. */
export function curvesSpec(o: SeriesPanels<CurveRow>): TopLevelSpec {
  const colour = seriesColour(o.series);
  const x = {
    field: 'step',
    type: 'quantitative' as const,
    title: 'Training step',
    axis: { format: ',.0f', labelOverlap: true },
  };
  const hasThreshold = o.rows.some((r) => r.threshold !== undefined);
  return faceted({
    title: o.title,
    rows: o.rows,
    panels: o.panels,
    maxColumns: 3,
    spec: {
      width: 250,
      height: 180,
      layer: [
        {
          mark: { type: 'area', fillOpacity: 0.16, strokeWidth: 0 },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: o.yTitle },
            y2: { field: 'hi' },
            color: colour,
          },
        },
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative' },
            color: { ...colour, legend: LINE_LEGEND },
          },
        },
        ...(hasThreshold
          ? [
              {
                mark: { type: 'rule' as const, strokeDash: [5, 3], color: '#555555', strokeWidth: 1 },
                encoding: { y: { field: 'threshold', aggregate: 'min' as const, type: 'quantitative' as const } },
              },
            ]
          : []),
      ],
    },
  });
}

export interface StepsRow {
  panel: string;
  init: string;
  order: number;
  colour: string;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Where the note sits: above the whisker, or on the axis when no seed reached the threshold. */
  noteY: number;
  note: string;
}

/**
 * Fig 7 right: steps to the threshold per init, bars = mean over seeds, whiskers = min–max over seeds. Each panel
 * has its own x axis (its model's prefixes, in the order of `inits`): models have different stages.
 */
export function stepsBarSpec(o: { title: Title; rows: StepsRow[]; panels: string[]; inits: string[] }): TopLevelSpec {
  const x = {
    field: 'init',
    type: 'nominal' as const,
    sort: o.inits,
    title: null,
    axis: { labelAngle: -35, labelLimit: 240 },
  };
  return faceted({
    title: o.title,
    rows: o.rows,
    panels: o.panels,
    maxColumns: 3,
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          mark: { type: 'bar', width: { band: 0.7 } },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: 'Steps to threshold AUC', axis: { format: ',.0f' } },
            color: { field: 'colour', type: 'nominal', scale: null, legend: null },
          },
        },
        {
          mark: { type: 'rule', color: '#222222' },
          encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
        },
        {
          mark: { type: 'text', dy: -8, fontSize: 10, color: '#333333' },
          encoding: { x, y: { field: 'noteY', type: 'quantitative' }, text: { field: 'note' } },
        },
      ],
    },
  });
}

export interface StripRow {
  panel: string;
  comparison: string;
  value: number;
}

/** Fig 2: every model pair as a dot, the mean as a black bar, per model and comparison. */
export function stripSpec(o: {
  title: Title;
  rows: StripRow[];
  panels: string[];
  comparisons: { name: string; colour: string }[];
  yTitle: string;
}): TopLevelSpec {
  const x = {
    field: 'comparison',
    type: 'nominal' as const,
    sort: o.comparisons.map((c) => c.name),
    title: null,
    axis: { labelAngle: 0 },
  };
  const y = { field: 'value', type: 'quantitative' as const, scale: { zero: false, padding: 12 }, title: o.yTitle };
  return faceted({
    title: o.title,
    rows: o.rows,
    panels: o.panels,
    maxColumns: 4,
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 55, opacity: 0.75 },
          encoding: {
            x,
            y,
            color: {
              field: 'comparison',
              type: 'nominal',
              scale: { domain: o.comparisons.map((c) => c.name), range: o.comparisons.map((c) => c.colour) },
              legend: null,
            },
          },
        },
        {
          mark: { type: 'tick', color: '#000000', thickness: 2.5, size: 34 },
          encoding: { x, y: { ...y, aggregate: 'mean' } },
        },
      ],
    },
  });
}

export interface LayerRow {
  panel: string;
  layer: string;
  layerIndex: number;
  series: string;
  mean: number;
  lo: number;
  hi: number;
}

/** Fig 3: per-layer similarity from input (left) to output (right), one line per init, ±1 std whiskers. */
export function layersSpec(o: SeriesPanels<LayerRow>): TopLevelSpec {
  const colour = seriesColour(o.series);
  const x = {
    field: 'layer',
    type: 'ordinal' as const,
    sort: { field: 'layerIndex', op: 'min' as const },
    title: 'Layer (input → output)',
    axis: { labelAngle: -35 },
  };
  return faceted({
    title: o.title,
    rows: o.rows,
    panels: o.panels,
    maxColumns: 3,
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 240,
      height: 180,
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 1.2 },
          encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: colour },
        },
        {
          mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1] }, title: o.yTitle },
            color: { ...colour, legend: LINE_LEGEND },
          },
        },
      ],
    },
  });
}

export interface ScatterRow {
  panel: string;
  x: number;
  y: number;
  layer: string;
}

/** Fig 4: similarity at init (x) vs after training (y) with the least-squares line; R² is in the panel title. */
export function scatterSpec(o: {
  title: Title;
  rows: ScatterRow[];
  panels: string[];
  xTitle: string;
  yTitle: string;
}): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: o.xTitle, scale: { zero: false } };
  const y = { field: 'y', type: 'quantitative' as const, title: o.yTitle, scale: { zero: false } };
  return faceted({
    title: o.title,
    rows: o.rows,
    panels: o.panels,
    maxColumns: 2,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 230,
      height: 190,
      layer: [
        { mark: { type: 'point', filled: true, size: 40, opacity: 0.7, color: '#0072b2' }, encoding: { x, y } },
        {
          transform: [{ regression: 'y', on: 'x' }],
          mark: { type: 'line', color: '#d55e00', strokeWidth: 2 },
          encoding: { x, y },
        },
      ],
    },
  });
}
