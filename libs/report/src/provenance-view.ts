import { duration } from './format.js';
import type { Provenance } from './schema.js';
import type { ReportTable } from './tables.js';

function table(id: string, title: string, columns: string[], rows: string[][], numeric: string[] = []): ReportTable {
  return {
    id,
    title,
    caption: '',
    columns: columns.map((label) => ({ label, numeric: numeric.includes(label) })),
    rows,
    data: [],
    notes: [],
  };
}

/** Provenance as tables, shared by the HTML and Markdown writers; empty tables are left out. */
export function provenanceTables(p: Provenance): ReportTable[] {
  return [
    table(
      'provenance-run',
      'Run',
      ['Field', 'Value'],
      [
        ['Pipeline', p.pipeline.name],
        ['Pipeline file', p.pipeline.file],
        ...(p.pipeline.sha256 ? [['Pipeline file sha256', p.pipeline.sha256]] : []),
        ['Backend', p.backend],
        ['Started', p.startedAt],
        ['Finished', p.finishedAt],
        ['Wall time', duration(p.wallSeconds)],
      ],
    ),
    table(
      'provenance-versions',
      'Versions',
      ['Component', 'Version'],
      Object.entries(p.versions).sort(([a], [b]) => a.localeCompare(b)),
    ),
    table(
      'provenance-datasets',
      'Datasets',
      ['Dataset', 'Source', 'Split', 'Images', 'Positives per label'],
      p.datasets.flatMap((d) =>
        d.splits.map((s) => [
          d.name,
          d.source,
          s.split,
          s.images.toLocaleString('en-US'),
          s.positives
            ? Object.entries(s.positives)
                .map(([k, v]) => `${k}: ${v.toLocaleString('en-US')}`)
                .join(', ')
            : '–',
        ]),
      ),
      ['Images'],
    ),
    table(
      'provenance-cache-keys',
      'Stage cache keys',
      ['Stage', 'Cache key', 'Status'],
      p.cacheKeys.map((k) => [k.stage, k.key, k.status ?? '–']),
    ),
  ].filter((t) => t.rows.length > 0);
}
