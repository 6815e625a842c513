import { fixed } from './format.js';
import type { CcaResult, ModelInfo } from './schema.js';
import { linearFit } from './stats.js';
import type { ReportTable } from './tables.js';

type InitVsFinalEntry = CcaResult['initVsFinal'][number];

/** The kind of pair a Fig 4 point compares (`rand-rand`, `rand-pretrained`): its `comparison`, else the first word of `pair`. */
export function comparisonOf(e: InitVsFinalEntry): string {
  return e.comparison ?? e.pair.trim().split(/\s+/)[0]!;
}

/** Least squares of after-training on at-init similarity over one set of Fig 4 points. */
export interface InitVsFinalFit {
  model: string;
  comparison: string;
  /** The layer, or null for the fit over every layer of this model and comparison. */
  layer: string | null;
  layerIndex: number | null;
  n: number;
  slope: number;
  intercept: number;
  /** NaN with fewer than 3 points or no spread in x or y. */
  r2: number;
}

function fitOf(
  model: string,
  comparison: string,
  layer: { layer: string; layerIndex: number } | null,
  points: readonly InitVsFinalEntry[],
): InitVsFinalFit {
  const { n, slope, intercept, r2 } = linearFit(
    points.map((p) => p.atInit),
    points.map((p) => p.afterTraining),
  );
  return {
    model,
    comparison,
    layer: layer?.layer ?? null,
    layerIndex: layer?.layerIndex ?? null,
    n,
    slope,
    intercept,
    r2,
  };
}

/**
 * Fig 4 split by layer and by comparison type: for each model (in the given order) and comparison (sorted), one fit
 * per layer from input to output, then one over all its layers.
 */
export function initVsFinalFits(cca: CcaResult, models: readonly ModelInfo[]): InitVsFinalFit[] {
  const out: InitVsFinalFit[] = [];
  for (const m of models) {
    const mine = cca.initVsFinal.filter((e) => e.model === m.id);
    for (const comparison of [...new Set(mine.map(comparisonOf))].sort()) {
      const points = mine.filter((e) => comparisonOf(e) === comparison);
      const layers = [...new Map(points.map((e) => [e.layer, e.layerIndex])).entries()].sort((a, b) => a[1] - b[1]);
      for (const [layer, layerIndex] of layers)
        out.push(
          fitOf(
            m.id,
            comparison,
            { layer, layerIndex },
            points.filter((e) => e.layer === layer),
          ),
        );
      out.push(fitOf(m.id, comparison, null, points));
    }
  }
  return out;
}

const ALL_LAYERS = 'all layers';

/** The fits of one CCA variant as a table (null when the variant has no Fig 4 points). */
export function initVsFinalFitTable(
  cca: CcaResult,
  models: readonly ModelInfo[],
  methodName: string,
): ReportTable | null {
  const fits = initVsFinalFits(cca, models);
  if (fits.length === 0) return null;
  const label = new Map(models.map((m) => [m.id, m.label]));
  const r2 = (x: number): string => (Number.isFinite(x) ? fixed(x, 3) : 'n/a');
  return {
    id: `fig4-fits-${cca.variant.id}`,
    title: `Fig 4 by layer and comparison — similarity after training against at initialisation (${methodName})`,
    caption:
      `CCA variant: ${cca.variant.description} [${cca.variant.id}]. Least-squares line y = a + b·x through the points of Fig 4 ` +
      `(x: similarity of a pair of models at initialisation, y: after training), per model, kind of pair and layer, then over all ` +
      `layers of that kind ("${ALL_LAYERS}"). R² is n/a with fewer than 3 points or no spread.`,
    columns: [
      { label: 'Model', numeric: false },
      { label: 'Comparison', numeric: false },
      { label: 'Layer', numeric: false },
      { label: 'Points', numeric: true },
      { label: 'Slope', numeric: true },
      { label: 'R²', numeric: true },
    ],
    rows: fits.map((f) => [
      label.get(f.model) ?? f.model,
      f.comparison,
      f.layer ?? ALL_LAYERS,
      String(f.n),
      fixed(f.slope, 3),
      r2(f.r2),
    ]),
    data: fits.map((f) => ({ ...f })),
    notes: [],
  };
}
