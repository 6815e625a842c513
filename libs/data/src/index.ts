// In-memory sets, splits and labels
export {
  type ImageSet,
  type LabelSpec,
  type Split,
  SPLITS,
  DATASET_FORMAT,
  labelSpecSchema,
  labelWidth,
  imageAt,
  validateImageSet,
  selectRows,
  splitOf,
  toBinaryFromGrade,
} from './image-set.js';
export { type SplitFractions, DEFAULT_SPLIT, splitFractionsSchema, splitForPatient, hashString } from './split.js';
export {
  CHEXPERT_OBSERVATIONS,
  CHEXPERT_COMPETITION,
  type UncertaintyPolicy,
  type BlankPolicy,
  type RawLabelState,
  uncertaintyPolicySchema,
  blankPolicySchema,
  applyUncertaintyPolicy,
  rawState,
} from './labels.js';
export {
  DataError,
  formatZodIssues,
  type DataErrorCode,
  type RejectedRow,
  type RejectReason,
  type OnBadRow,
} from './errors.js';

// Real formats
export type { Manifest, ManifestRow } from './manifest.js';
export { FILE_FORMATS, type FileFormat, type LoaderOptions, loadManifest } from './load.js';
export {
  loadChexpert,
  chexpertOptionsSchema,
  type ChexpertOptions,
  parseChexpertCell,
  locateChexpert,
} from './formats/chexpert.js';
export {
  loadEyepacs,
  loadAptos,
  eyepacsOptionsSchema,
  aptosOptionsSchema,
  type EyepacsOptions,
  type AptosOptions,
  type DrTask,
  DR_GRADES,
  drLabelSpec,
} from './formats/retina.js';
export {
  loadCsvDataset,
  loadFolderDataset,
  csvOptionsSchema,
  folderOptionsSchema,
  type CsvOptions,
  type FolderOptions,
  IMAGE_EXTENSIONS,
} from './formats/generic.js';
export {
  readMedmnist,
  streamMedmnist,
  importMedmnistToArrow,
  inspectMedmnist,
  medmnistFlag,
  medmnistOptionsSchema,
  type MedmnistOptions,
  type MedmnistInfo,
  type MedmnistSplitInfo,
  type MedmnistSample,
} from './formats/medmnist.js';
export {
  MEDMNIST_TASKS,
  MEDMNIST_FLAGS,
  MEDMNIST_SIZES,
  medmnistLabelSpec,
  medmnistFileName,
  parseMedmnistFileName,
  type MedmnistFlag,
  type MedmnistSize,
  type MedmnistTaskKind,
  type MedmnistDataset,
} from './formats/medmnist-info.js';
export { loadDicomFolder, dicomOptionsSchema, type DicomFolderOptions } from './formats/dicom-folder.js';
export { parseCsv, readCsv, type CsvTable, type CsvRow } from './csv.js';
export { DatasetRoot, type ResolvedPath } from './safe-path.js';
export { listZip, streamZipMember, type ZipMember } from './zip-reader.js';
export {
  readDicomFile,
  readDicomHeader,
  decodeDicom,
  dicomToUint8,
  type DicomImage,
  type DicomHeader,
  type WindowOptions,
} from './dicom.js';

// Preprocessing, import, normalisation, augmentation
export {
  type RawImage,
  type PreprocessOptions,
  type ResolvedPreprocess,
  type ResizeOptions,
  type ResolvedResize,
  preprocessOptionsSchema,
  resizeOptionsSchema,
  parsePreprocessOptions,
  decodeImageFile,
  preprocessRaw,
  preprocessFile,
  foregroundBox,
  maskCircle,
  convertChannels,
} from './preprocess.js';
export { importResumable, removeImportWork, type ResumeOptions } from './import-resume.js';
export {
  importManifest,
  importManifestToArrow,
  importChunks,
  rowTargets,
  importOptionsSchema,
  type ImportOptions,
  type ImportResult,
  type ImportProgress,
} from './import.js';
export { resizeImageSet } from './resize.js';
export {
  importDataset,
  importDatasetOptionsSchema,
  IMPORT_FORMATS,
  type ImportDatasetOptions,
  type ImportDatasetResult,
  type ImportFormat,
} from './import-dataset.js';
export {
  computeChannelStats,
  normalizeImages,
  normalizePixels,
  normalizedSet,
  type ChannelStats,
} from './normalize.js';
export {
  augmentImage,
  augmentBatch,
  augmentOptionsSchema,
  parseAugmentOptions,
  type AugmentOptions,
} from './augment.js';

// Arrow dataset artifacts
export {
  writeImageSet,
  readImageSet,
  readImageSetHeader,
  parseHeader,
  streamImageSet,
  createImageSetWriter,
  imageSetSchema,
  type ImageSetWriter,
  type ImageSetHeader,
} from './artifact.js';

// Synthetic demo sets
export {
  SYNTHETIC_KINDS,
  type SyntheticKind,
  type SyntheticOptions,
  generateSyntheticSet,
  streamSyntheticSet,
  writeSyntheticSet,
} from './synthetic/index.js';
export {
  generateNaturalSet,
  streamNaturalSet,
  naturalOptionsSchema,
  naturalClass,
  naturalClassName,
  SHAPES,
  TEXTURES,
  type NaturalOptions,
} from './synthetic/natural.js';
export {
  generateFundusSet,
  streamFundusSet,
  fundusOptionsSchema,
  FUNDUS_GRADES,
  type FundusOptions,
} from './synthetic/fundus.js';
export { generateChestSet, streamChestSet, chestOptionsSchema, type ChestOptions } from './synthetic/chest.js';
export type { SyntheticSample } from './synthetic/common.js';

// Summaries and previews
export {
  summarizeManifest,
  summarizeImageSet,
  formatSummary,
  type DatasetSummary,
  type SplitSummary,
  type LabelCounts,
} from './summary.js';
export { renderContactSheet, type SheetTile } from './contact-sheet.js';
