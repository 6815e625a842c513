import type { TopLevelSpec } from 'vega-lite';
import { titleOf, type Title } from './specs.js';

/** A point of a curve drawn in [0, 1]²; `order` is its place along the curve (ROC steps repeat an x). */
export interface UnitSquareRow {
  panel: string;
  series: string;
  x: number;
  y: number;
  order: number;
}

export interface UnitSquarePanel {
  name: string;
  /** The panel's series in legend order; the names may carry the panel's own numbers (an AUC, an ECE). */
  series: { name: string; colour: string }[];
}

/**
 * Curves against the dashed diagonal in [0, 1]² (ROC curves, reliability diagrams), one panel per model. Each
 * panel has a legend of its own under it, so that the legend can name that panel's numbers.
 */
export function unitSquareSpec(o: {
  title: Title;
  rows: UnitSquareRow[];
  panels: UnitSquarePanel[];
  xTitle: string;
  yTitle: string;
  points: boolean;
}): TopLevelSpec {
  const axis = (field: 'x' | 'y', title: string) => ({
    field,
    type: 'quantitative' as const,
    title,
    scale: { domain: [0, 1] },
    axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' },
  });
  return {
    title: titleOf(o.title),
    data: { values: o.rows },
    columns: Math.min(3, o.panels.length),
    resolve: { scale: { color: 'independent' } },
    concat: o.panels.map((p) => ({
      title: { text: p.name, fontSize: 12, subtitle: '' },
      width: 230,
      height: 230,
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
          },
          mark: { type: 'line' as const, color: '#888888', strokeDash: [4, 4], strokeWidth: 1 },
          encoding: { x: axis('x', o.xTitle), y: axis('y', o.yTitle) },
        },
        {
          transform: [{ filter: { field: 'panel', equal: p.name } }],
          mark: { type: 'line' as const, strokeWidth: 2, ...(o.points ? { point: { filled: true, size: 30 } } : {}) },
          encoding: {
            x: axis('x', o.xTitle),
            y: axis('y', o.yTitle),
            order: { field: 'order', type: 'quantitative' as const },
            color: {
              field: 'series',
              type: 'nominal' as const,
              scale: { domain: p.series.map((s) => s.name), range: p.series.map((s) => s.colour) },
              // Below the panel: inside it would hide part of a curve; vega sizes labels by an estimate wider than DejaVu Sans.
              legend: { title: null, orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 320 },
            },
          },
        },
      ],
    })),
  };
}
