import type { TopLevelSpec } from 'vega-lite';
import { titleOf, type Title } from './specs.js';

/** One cell of a confusion matrix: its count and its share of the true class's row. */
export interface ConfusionCell {
  panel: string;
  actual: string;
  predicted: string;
  count: number;
  /** count / row total, in [0, 1]; the colour. */
  rate: number;
  /** e.g. "42%"; printed under the count. */
  rateText: string;
}

/** Confusion matrices, one panel each: colour = row-normalised rate, text = count over rate. */
export function confusionSpec(o: {
  title: Title;
  rows: ConfusionCell[];
  panels: string[];
  classes: string[];
}): TopLevelSpec {
  const x = {
    field: 'predicted',
    type: 'ordinal' as const,
    sort: o.classes,
    title: 'Predicted class',
    axis: { labelAngle: -35, grid: false },
  };
  const y = { field: 'actual', type: 'ordinal' as const, sort: o.classes, title: 'True class', axis: { grid: false } };
  // Dark cells take white text so that counts stay legible.
  const textColour = { condition: { test: 'datum.rate > 0.55', value: '#ffffff' }, value: '#1a1a1a' };
  const size = Math.max(160, 34 * o.classes.length);
  return {
    title: titleOf(o.title),
    data: { values: o.rows },
    facet: { field: 'panel', type: 'nominal', title: null, sort: o.panels },
    columns: 2,
    spec: {
      width: size,
      height: size,
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            x,
            y,
            color: {
              field: 'rate',
              type: 'quantitative',
              title: 'Share of the true class',
              scale: { domain: [0, 1], scheme: 'blues' },
              legend: { format: '.0%', titleLimit: 320 },
            },
          },
        },
        {
          mark: { type: 'text', fontSize: 11, fontWeight: 'bold', dy: -6 },
          encoding: { x, y, text: { field: 'count', type: 'quantitative', format: ',d' }, color: textColour },
        },
        {
          mark: { type: 'text', fontSize: 9, dy: 7 },
          encoding: { x, y, text: { field: 'rateText' }, color: textColour },
        },
      ],
    },
  };
}
