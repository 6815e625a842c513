import type { TopLevelSpec } from 'vega-lite';
import { titleOf, type Title } from './specs.js';

/** A seed's value (`seedValue`) or a setting's mean (`mean`) with its interval (`lo`, `hi`, when finite). */
export interface SeedDotRow {
  panel: string;
  setting: string;
  colour: string;
  seedValue?: number;
  seed?: number;
  mean?: number;
  lo?: number;
  hi?: number;
}

/**
 * Per panel (model) and setting (init): the mean as a black diamond with its interval as an error bar, and each
 * seed as a dot in the setting's colour just to its right, so the spread over seeds shows beside the mean.
 * One concatenated chart per panel rather than a facet: in a facet with independent x scales, layers that drop
 * different invalid rows (a mean has no seed value) make Vega-Lite warn that it guesses how their domains relate.
 */
export function seedDotsSpec(o: {
  title: Title;
  rows: SeedDotRow[];
  panels: string[];
  settings: string[];
  yTitle: string;
}): TopLevelSpec {
  const x = {
    field: 'setting',
    type: 'nominal' as const,
    sort: o.settings,
    title: null,
    axis: { labelAngle: -35, labelLimit: 200 },
  };
  // The panels share the y scale: the axis title once, on the first.
  const y = (field: keyof SeedDotRow, panel: number) => ({
    field,
    type: 'quantitative' as const,
    scale: { zero: false, padding: 10 },
    title: panel === 0 ? o.yTitle : null,
  });
  return {
    title: titleOf(o.title),
    data: { values: o.rows },
    columns: Math.min(4, o.panels.length),
    resolve: { scale: { x: 'independent', y: 'shared' } },
    concat: o.panels.map((panel, i) => ({
      title: { text: panel, fontSize: 12, subtitle: '' },
      transform: [{ filter: { field: 'panel', equal: panel } }],
      width: { step: 56 },
      height: 200,
      layer: [
        // A panel without any interval gets no error-bar layer: an empty one warns of an infinite extent.
        ...(o.rows.some((r) => r.panel === panel && r.lo !== undefined)
          ? [
              {
                mark: { type: 'rule' as const, color: '#222222', strokeWidth: 1.5, xOffset: -7 },
                encoding: { x, y: y('lo', i), y2: { field: 'hi' } },
              },
            ]
          : []),
        {
          mark: {
            type: 'point' as const,
            shape: 'diamond',
            filled: true,
            size: 70,
            color: '#000000',
            opacity: 1,
            xOffset: -7,
          },
          encoding: { x, y: y('mean', i) },
        },
        {
          mark: { type: 'point' as const, filled: true, size: 42, opacity: 0.85, xOffset: 7 },
          encoding: {
            x,
            y: y('seedValue', i),
            color: { field: 'colour', type: 'nominal' as const, scale: null, legend: null },
          },
        },
      ],
    })),
  };
}
