import { z } from 'zod';
import { DataError, formatZodIssues, type RejectedRow } from './errors.js';
import type { LabelSpec } from './image-set.js';
import { importManifestToArrow, importOptionsSchema, type ImportProgress } from './import.js';
import type { ResumeOptions } from './import-resume.js';
import { loadManifest } from './load.js';
import { preprocessOptionsSchema, resizeOptionsSchema } from './preprocess.js';
import { chexpertOptionsSchema } from './formats/chexpert.js';
import { dicomOptionsSchema } from './formats/dicom-folder.js';
import { csvOptionsSchema, folderOptionsSchema } from './formats/generic.js';
import { importMedmnistToArrow, medmnistOptionsSchema } from './formats/medmnist.js';
import { aptosOptionsSchema, eyepacsOptionsSchema } from './formats/retina.js';

const shardSize = z.number().int().min(1).default(512);

/** How the decode runs (the loader's `onBadRow` also governs images that fail to decode). */
const importRunSchema = importOptionsSchema.omit({ preprocess: true, onBadRow: true });

function fileFormat<F extends string, S extends z.ZodType>(format: F, options: S) {
  return z
    .object({
      format: z.literal(format),
      /** The loader's options (root, label columns, split, onBadRow, ...). */
      options,
      /** size (required: files differ in size), minSize, fit, channels, fundus, window. */
      preprocess: preprocessOptionsSchema,
      import: importRunSchema.prefault({}),
      shardSize,
    })
    .strict();
}

/**
 * One options object for importing any dataset, discriminated on `format`: the loader's options, the
 * preprocessing, and for file formats how the decode runs. MedMNIST arrays are already decoded, so its
 * `preprocess` is the resize options (size and minSize optional: the stored side is kept by default).
 */
export const importDatasetOptionsSchema = z.discriminatedUnion('format', [
  fileFormat('csv', csvOptionsSchema),
  fileFormat('folder', folderOptionsSchema),
  fileFormat('dicom', dicomOptionsSchema),
  fileFormat('chexpert', chexpertOptionsSchema),
  fileFormat('eyepacs', eyepacsOptionsSchema),
  fileFormat('aptos', aptosOptionsSchema),
  z
    .object({
      format: z.literal('medmnist'),
      options: medmnistOptionsSchema,
      preprocess: resizeOptionsSchema.prefault({}),
      shardSize,
    })
    .strict(),
]);
export type ImportDatasetOptions = z.input<typeof importDatasetOptionsSchema>;
export type ImportFormat = ImportDatasetOptions['format'];
export const IMPORT_FORMATS = importDatasetOptionsSchema.options.map((o) => o.shape.format.value) as ImportFormat[];

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
    const r = await importMedmnistToArrow({ ...p.options, resize: p.preprocess, shardSize: p.shardSize }, outFile, (done, total) => onProgress?.({ done, total, rejected: 0 }));
    return { format: p.format, ...r, rejected: [], filtered: {} };
  }
  const manifest = await loadManifest(p.format, p.options);
  const r = await importManifestToArrow(manifest, outFile, { ...p.import, preprocess: p.preprocess, onBadRow: p.options.onBadRow, shardSize: p.shardSize }, onProgress, resume);
  return { format: p.format, task: manifest.task, ...r, filtered: manifest.filtered ?? {} };
}
