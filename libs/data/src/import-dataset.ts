import type { z } from 'zod';
import { DataError, formatZodIssues, type RejectedRow } from './errors.js';
import type { LabelSpec } from './image-set.js';
import { importManifestToArrow, type ImportProgress } from './import.js';
import type { ResumeOptions } from './import-resume.js';
import { loadManifest } from './load.js';
import { importMedmnistToArrow } from './formats/medmnist.js';
import {
  IMPORT_FORMATS,
  importDatasetOptionsSchema,
  type ImportDatasetOptions,
  type ImportFormat,
} from './import-options.js';

// The options schema lives in import-options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { IMPORT_FORMATS, importDatasetOptionsSchema, type ImportDatasetOptions, type ImportFormat };

export interface ImportDatasetResult {
  format: ImportFormat;
  task: LabelSpec;
  rows: number;
  shards: number;
  /** Rows rejected by the index loader and while decoding, each with file, line and reason. */
  rejected: RejectedRow[];
  /** Rows left out on purpose by an option, not errors (e.g. lateral views, DICOM files without a label row). */
  filtered: Record<string, number>;
}

export function parseImportDatasetOptions(options: unknown): z.infer<typeof importDatasetOptionsSchema> {
  const r = importDatasetOptionsSchema.safeParse(options);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `import options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/**
 * Indexes, decodes and preprocesses a dataset of any supported format into a sharded Arrow image set at
 * `outFile`, streaming (memory stays at one chunk / shard). An aborted import leaves no file.
 */
export async function importDataset(
  options: ImportDatasetOptions,
  outFile: string,
  onProgress?: (p: ImportProgress) => void,
  /** File formats: keep completed shards in `resume.workDir` so a rerun after an interruption continues there. */
  resume?: ResumeOptions,
): Promise<ImportDatasetResult> {
  const p = parseImportDatasetOptions(options);
  if (p.format === 'medmnist') {
    const r = await importMedmnistToArrow(
      { ...p.options, resize: p.preprocess, shardSize: p.shardSize },
      outFile,
      (done, total) => onProgress?.({ done, total, rejected: 0 }),
    );
    return { format: p.format, ...r, rejected: [], filtered: {} };
  }
  const manifest = await loadManifest(p.format, p.options);
  const r = await importManifestToArrow(
    manifest,
    outFile,
    { ...p.import, preprocess: p.preprocess, onBadRow: p.options.onBadRow, shardSize: p.shardSize },
    onProgress,
    resume,
  );
  return { format: p.format, task: manifest.task, ...r, filtered: manifest.filtered ?? {} };
}
