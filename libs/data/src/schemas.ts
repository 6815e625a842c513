// @transfusion/data/schemas: the zod schemas of the data options (every import format's loader options, the
// preprocessing and resize options, the import run, the synthetic sets), without sharp, DICOM codecs or Arrow,
// so a pipeline file can be validated without loading them (checked by test/schemas-entry.test.ts).
export {
  type AptosOptions,
  aptosOptionsSchema,
  type ChexpertOptions,
  chexpertOptionsSchema,
  type CsvOptions,
  csvOptionsSchema,
  type DicomFolderOptions,
  dicomOptionsSchema,
  type DrTask,
  drTaskSchema,
  type EyepacsOptions,
  eyepacsOptionsSchema,
  type FolderOptions,
  folderOptionsSchema,
  IMAGE_EXTENSIONS,
  loaderBaseSchema,
  type MedmnistOptions,
  medmnistOptionsSchema,
} from './formats/options.js';
export { DATASET_FORMAT, type LabelSpec, labelSpecSchema } from './image-set.js';
export { MEDMNIST_FLAGS, type MedmnistFlag } from './formats/medmnist-info.js';
export {
  IMPORT_FORMATS,
  type ImportDatasetOptions,
  importDatasetOptionsSchema,
  type ImportFormat,
  type ImportOptions,
  importOptionsSchema,
  shardSizeSchema,
} from './import-options.js';
export { blankPolicySchema, type BlankPolicy, type UncertaintyPolicy, uncertaintyPolicySchema } from './labels.js';
export {
  type PreprocessOptions,
  preprocessOptionsSchema,
  type ResizeOptions,
  resizeOptionsSchema,
} from './preprocess-options.js';
export { DEFAULT_SPLIT, type SplitFractions, splitFractionsSchema } from './split.js';
export { type ChestOptions, chestOptionsSchema } from './synthetic/chest.js';
export { type FundusOptions, fundusOptionsSchema } from './synthetic/fundus.js';
export { type NaturalOptions, naturalOptionsSchema } from './synthetic/natural.js';
