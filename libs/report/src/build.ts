import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildReportContent, type ReportContent } from './content.js';
import { dagSvg } from './dag-figure.js';
import { ReportError } from './errors.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { parseReportOptions, type ReportOptionsInput } from './options.js';
import type { ReportTable } from './tables.js';
import { parseStudyResults } from './validate.js';

export interface ReportFile {
  /** Relative, '/'-separated: `index.html`, `report.md`, `results.json`, `figures/<id>.png|svg`. */
  path: string;
  content: string | Buffer;
  mediaType: 'text/html' | 'text/markdown' | 'application/json' | 'image/png' | 'image/svg+xml';
}

/** JSON.stringify replacer: typed arrays as plain arrays, ±∞ (a threshold never reached) as "Infinity", NaN as null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array || value instanceof Float64Array) return Array.from(value);
  if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY)
    return value > 0 ? 'Infinity' : '-Infinity';
  if (Buffer.isBuffer(value)) return undefined;
  return value;
}

const tableJson = (t: ReportTable) => ({
  id: t.id,
  title: t.title,
  caption: t.caption,
  notes: t.notes,
  columns: t.columns.map((x) => x.label),
  rows: t.rows,
  data: t.data,
});

function resultsJson(c: ReportContent): string {
  return JSON.stringify(
    {
      generator: '@transfusion/report',
      options: c.options,
      findings: c.findings,
      tables: c.tables.map(tableJson),
      similarityTables: c.similarityTables.map(tableJson),
      benchmarks: c.benchmarks.map((b) => ({
        task: b.task,
        suite: b.suite,
        dataset: b.dataset,
        source: b.source,
        split: b.split,
        note: b.note,
        ours: tableJson(b.ours),
        published: b.published ? tableJson(b.published) : null,
      })),
      figures: c.figures.map((f) => ({
        id: f.id,
        title: f.title,
        caption: f.caption,
        files: [`figures/${f.id}.png`, ...(f.svg !== undefined ? [`figures/${f.id}.svg`] : [])],
        data: f.data,
      })),
      input: c.results,
    },
    jsonReplacer,
    1,
  );
}

/**
 * Builds every file of the report in memory (for the pipeline engine, which stores stage outputs itself).
 * `results` is validated first; an invalid field raises a ReportError naming it.
 */
export async function buildReportFiles(results: unknown, options?: ReportOptionsInput): Promise<ReportFile[]> {
  const content = await buildReportContent(parseStudyResults(results), parseReportOptions(options));
  return [
    { path: 'index.html', content: renderHtml(content), mediaType: 'text/html' },
    { path: 'report.md', content: renderMarkdown(content), mediaType: 'text/markdown' },
    { path: 'results.json', content: resultsJson(content), mediaType: 'application/json' },
    ...(content.results.provenance.dag
      ? [
          {
            path: 'figures/pipeline-graph.svg',
            content: dagSvg(content.results.provenance.dag),
            mediaType: 'image/svg+xml' as const,
          },
        ]
      : []),
    ...content.figures.flatMap((f): ReportFile[] => [
      { path: `figures/${f.id}.png`, content: f.png, mediaType: 'image/png' },
      ...(f.svg !== undefined
        ? [{ path: `figures/${f.id}.svg`, content: f.svg, mediaType: 'image/svg+xml' as const }]
        : []),
    ]),
  ];
}

/** Builds the report and writes it under `outDir`; returns the absolute paths written. */
export async function renderReport(
  results: unknown,
  outDir: string,
  options?: ReportOptionsInput,
): Promise<{ files: string[] }> {
  const files = await buildReportFiles(results, options);
  const written: string[] = [];
  for (const f of files) {
    const target = path.resolve(outDir, ...f.path.split('/'));
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, f.content);
    } catch (e) {
      throw new ReportError(`cannot write ${target}: ${(e as Error).message}`, 'write-failed', target);
    }
    written.push(target);
  }
  return { files: written };
}
