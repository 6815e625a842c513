import { z } from 'zod';
import { blankPolicySchema, CHEXPERT_COMPETITION, CHEXPERT_OBSERVATIONS, uncertaintyPolicySchema } from '../labels.js';
import { DEFAULT_SPLIT, splitFractionsSchema } from '../split.js';
import { MEDMNIST_FLAGS } from './medmnist-info.js';

// Every loader's options, zod only, for the light '@transfusion/data/schemas' entry (the loaders import them from here).

/** Options shared by every real-format loader. */
export const loaderBaseSchema = z.object({
  /** Dataset root folder. */
  root: z.string().min(1),
  /** Bad rows: 'skip' reports and continues, 'fail' stops at the first one. */
  onBadRow: z.enum(['skip', 'fail']).default('skip'),
  /** Seed of the patient-level split. */
  seed: z.number().int().min(0).default(0),
  /** Check that every image file exists inside the root (turn off only for huge indexes you trust). */
  checkFiles: z.boolean().default(true),
});

export const labelColumnFields = {
  labelColumns: z.array(z.string()).min(1).default(['label']),
  kind: z.enum(['multiclass', 'binary', 'multilabel']).default('multiclass'),
  classes: z.array(z.string()).min(2).optional(),
  /** Multiclass: the classes, in `classes` order (else natural sort), are ordered grades (e.g. DR 0–4). */
  ordinal: z.boolean().default(false),
  policy: uncertaintyPolicySchema.default('ignore'),
  blank: blankPolicySchema.default('zero'),
};

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.bmp', '.dcm'];

/**
 * Generic CSV index: one row per image with a path column (relative to `root`) and label column(s) (see
 * `labelColumnFields`: multiclass names, binary 0/1, multilabel 1/0/-1/blank). Optional patient and split
 * columns; without a split column the split is by patient (or by image).
 */
export const csvOptionsSchema = loaderBaseSchema
  .extend({
    /** Index file, relative to root. */
    csv: z.string().min(1).default('index.csv'),
    pathColumn: z.string().default('path'),
    ...labelColumnFields,
    patientColumn: z.string().optional(),
    splitColumn: z.string().optional(),
    split: splitFractionsSchema.default(DEFAULT_SPLIT),
  })
  .strict();
export type CsvOptions = z.input<typeof csvOptionsSchema>;

/**
 * Folder-per-class tree: `root/<class>/<image>`, or `root/<split>/<class>/<image>` when the root holds
 * train/val/test folders. Classes are the sorted folder names. Files with other extensions are ignored;
 * symlinks pointing outside the root are rejected.
 */
export const folderOptionsSchema = loaderBaseSchema
  .extend({
    split: splitFractionsSchema.default(DEFAULT_SPLIT),
    extensions: z.array(z.string()).default(IMAGE_EXTENSIONS),
    /** The class folders, in natural order (grade0 < grade1 < … < grade10), are ordered grades. */
    ordinal: z.boolean().default(false),
  })
  .strict();
export type FolderOptions = z.input<typeof folderOptionsSchema>;

/**
 * A folder tree of DICOM files (any depth; `.dcm`/`.dicom` or any name with the "DICM" magic; hidden entries
 * and DICOMDIR skipped, folder symlinks not followed). Labels come from
 * - `{ from: 'folders' }`: the first folder under the root is the class (`root/<class>/<patient>/<study>/x.dcm`);
 * - `{ from: 'csv', csv, key, keyColumn, labelColumns, kind, ... }`: a CSV whose key column holds the file path
 *   relative to the root (`key: 'path'`, column "path" by default) or the SOPInstanceUID (`key:
 *   'sopInstanceUid'`, column "SOPInstanceUID" by default), with label columns as in the generic CSV loader.
 * The patient is the file's PatientID (0010,0020) when present (else the file itself), so the splits are
 * patient-disjoint. Every file is opened for its header, so `checkFiles` has no effect.
 */
export const dicomOptionsSchema = loaderBaseSchema
  .extend({
    labels: z
      .discriminatedUnion('from', [
        /** `ordinal`: the class folders, in natural order, are ordered grades. */
        z.object({ from: z.literal('folders'), ordinal: z.boolean().default(false) }).strict(),
        z
          .object({
            from: z.literal('csv'),
            /** Label file, relative to root. */
            csv: z.string().min(1).default('labels.csv'),
            key: z.enum(['path', 'sopInstanceUid']).default('path'),
            keyColumn: z.string().min(1).optional(),
            ...labelColumnFields,
          })
          .strict(),
      ])
      .prefault({ from: 'folders' }),
    split: splitFractionsSchema.default(DEFAULT_SPLIT),
  })
  .strict();
export type DicomFolderOptions = z.input<typeof dicomOptionsSchema>;

export const chexpertOptionsSchema = loaderBaseSchema
  .extend({
    labels: z
      .array(z.enum(CHEXPERT_OBSERVATIONS))
      .min(1)
      .default([...CHEXPERT_COMPETITION]),
    policy: uncertaintyPolicySchema.default('ignore'),
    blank: blankPolicySchema.default('zero'),
    /** Keep frontal images only (AP and PA); lateral views are dropped (not rejected). */
    frontalOnly: z.boolean().default(true),
    /** Fraction of train.csv patients held out as the validation split; valid.csv is the test split. */
    valFraction: z.number().min(0).max(0.9).default(0.1),
  })
  .strict();
export type ChexpertOptions = z.input<typeof chexpertOptionsSchema>;

/** 'grade': 5-class ICDR grade; 'referable': binary, grade ≥ 2 (moderate or worse). */
export const drTaskSchema = z.enum(['grade', 'referable']);
export type DrTask = z.infer<typeof drTaskSchema>;

const retinaBase = loaderBaseSchema.extend({
  task: drTaskSchema.default('grade'),
  split: splitFractionsSchema.default(DEFAULT_SPLIT),
});

export const eyepacsOptionsSchema = retinaBase
  .extend({
    labelsCsv: z.string().default('trainLabels.csv'),
    imageDir: z.string().default('train'),
    extension: z.string().default('.jpeg'),
  })
  .strict();
export type EyepacsOptions = z.input<typeof eyepacsOptionsSchema>;

export const aptosOptionsSchema = retinaBase
  .extend({
    labelsCsv: z.string().default('train.csv'),
    imageDir: z.string().default('train_images'),
    extension: z.string().default('.png'),
  })
  .strict();
export type AptosOptions = z.input<typeof aptosOptionsSchema>;

export const medmnistOptionsSchema = z
  .object({
    /** Path of the .npz file, e.g. ~/.medmnist/retinamnist_64.npz. */
    file: z.string().min(1),
    /** Which MedMNIST set the file is, when its name is not MedMNIST's (`{flag}.npz`, `{flag}_{size}.npz`). */
    flag: z.enum(MEDMNIST_FLAGS).optional(),
    /** Splits to read; each must be in the file. */
    splits: z
      .array(z.enum(['train', 'val', 'test']))
      .min(1)
      .default(['train', 'val', 'test']),
    /** At most this many samples per split (for previews and quick runs). */
    limit: z.number().int().min(1).optional(),
  })
  .strict();
export type MedmnistOptions = z.input<typeof medmnistOptionsSchema>;
