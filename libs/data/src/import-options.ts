import { z } from 'zod';
import {
  aptosOptionsSchema,
  chexpertOptionsSchema,
  csvOptionsSchema,
  dicomOptionsSchema,
  eyepacsOptionsSchema,
  folderOptionsSchema,
  medmnistOptionsSchema,
} from './formats/options.js';
import { preprocessOptionsSchema, resizeOptionsSchema } from './preprocess-options.js';

// zod only, for the light '@transfusion/data/schemas' entry (import.ts and import-dataset.ts use them).

export const importOptionsSchema = z
  .object({
    preprocess: preprocessOptionsSchema,
    /** Images decoded at once (sharp also uses its own threads). */
    concurrency: z.number().int().min(1).max(64).default(2),
    onBadRow: z.enum(['skip', 'fail']).default('skip'),
    splits: z
      .array(z.enum(['train', 'val', 'test']))
      .min(1)
      .optional(),
    /** Keep at most this many rows (after the split filter), in index order. */
    limit: z.number().int().min(1).optional(),
    /** Rows per chunk handed to the writer. */
    chunkSize: z.number().int().min(1).default(64),
  })
  .strict();
export type ImportOptions = z.input<typeof importOptionsSchema>;

/** Images per shard (record batch) of a dataset artifact: what is read or written at once. */
export const shardSizeSchema = z.number().int().min(1).default(512);

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
      shardSize: shardSizeSchema,
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
      shardSize: shardSizeSchema,
    })
    .strict(),
]);
export type ImportDatasetOptions = z.input<typeof importDatasetOptionsSchema>;
export type ImportFormat = ImportDatasetOptions['format'];
export const IMPORT_FORMATS = importDatasetOptionsSchema.options.map((o) => o.shape.format.value) as ImportFormat[];
