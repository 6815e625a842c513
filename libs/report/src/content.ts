import sharp from 'sharp';
import { groupRuns } from './aggregate.js';
import { buildBenchmarkSections, type BenchmarkSection } from './benchmark.js';
import { renderChart } from './charts/render.js';
import { buildFigureDefs, methodNames, type FigureDef } from './figures.js';
import { relativeChange, renderFilterFigure } from './filters.js';
import { evaluateFindings, type Finding } from './findings.js';
import { fixed } from './format.js';
import type { ReportOptions } from './options.js';
import type { StudyResults } from './schema.js';
import { initVsFinalFitTable } from './similarity-fits.js';
import { buildTables, type ReportTable } from './tables.js';

export interface RenderedFigure {
  id: string;
  section: FigureDef['section'] | 'filters';
  title: string;
  caption: string;
  /** Absent for raster-only figures (filter grids). */
  svg?: string;
  png: Buffer;
  /** CSS width for raster-only figures (PNG width / density). */
  displayWidth?: number;
  data: unknown;
  warnings: string[];
}

/** Everything the page shows, computed once and shared by the HTML, Markdown and JSON writers. */
export interface ReportContent {
  results: StudyResults;
  options: ReportOptions;
  tables: ReportTable[];
  /** "Beside published results", one per task with a benchmark. */
  benchmarks: BenchmarkSection[];
  findings: Finding[];
  figures: RenderedFigure[];
  /** Shown after the similarity figures: Fig 4's fits per layer and comparison type, one table per CCA variant. */
  similarityTables: ReportTable[];
}

export async function buildReportContent(results: StudyResults, options: ReportOptions): Promise<ReportContent> {
  const groups = groupRuns(results);
  const figures: RenderedFigure[] = [];
  for (const def of buildFigureDefs(results, groups, options)) {
    const r = await renderChart(def.id, def.spec, options.pngScale);
    figures.push({
      id: def.id,
      section: def.section,
      title: def.title,
      caption: def.caption,
      svg: r.svg,
      png: r.png,
      data: def.data,
      warnings: r.warnings,
    });
  }
  for (const model of results.models) {
    const snaps = results.filters.filter((f) => f.model === model.id);
    if (snaps.length === 0) continue;
    const png = await renderFilterFigure(model, snaps, options.pngScale);
    const changes = snaps.map((s) => ({
      init: s.init,
      seed: s.seed,
      layer: s.layer,
      relativeChange: relativeChange(s),
    }));
    figures.push({
      id: `fig5-filters-${model.id.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      section: 'filters',
      title: `Fig 5 analogue — ${model.label}: first-layer filters before and after training`,
      caption:
        `Each filter is scaled by its largest |weight| before or after training (mid-grey = 0), so both panels of a row share a scale; RGB when the layer has 3 input channels, else the channel mean. ` +
        `Relative change ‖after − before‖ / ‖before‖: ${changes.map((c) => `${c.init} init ${fixed(c.relativeChange, 3)}`).join(', ')}.`,
      png,
      displayWidth: Math.round(((await sharp(png).metadata()).width ?? 0) / Math.max(1, Math.round(options.pngScale))),
      data: changes,
      warnings: [],
    });
  }
  const similarityTables = results.cca.flatMap(
    (c) => initVsFinalFitTable(c, results.models, methodNames[c.variant.method]) ?? [],
  );
  return {
    results,
    options,
    tables: buildTables(results, groups),
    benchmarks: buildBenchmarkSections(results, groups),
    findings: evaluateFindings(results, groups, options),
    figures,
    similarityTables,
  };
}
