import { z } from 'zod';
import type { Manifest } from './manifest.js';
import { loadChexpert, type ChexpertOptions } from './formats/chexpert.js';
import { loadDicomFolder, type DicomFolderOptions } from './formats/dicom-folder.js';
import { loadAptos, loadEyepacs, type AptosOptions, type EyepacsOptions } from './formats/retina.js';
import { loadCsvDataset, loadFolderDataset, type CsvOptions, type FolderOptions } from './formats/generic.js';

/** Formats indexed from files on disk (MedMNIST .npz and synthetic sets carry their images inline). */
export const FILE_FORMATS = ['chexpert', 'eyepacs', 'aptos', 'csv', 'folder', 'dicom'] as const;
export const fileFormatSchema = z.enum(FILE_FORMATS);
export type FileFormat = z.infer<typeof fileFormatSchema>;

export type LoaderOptions = {
  chexpert: ChexpertOptions;
  eyepacs: EyepacsOptions;
  aptos: AptosOptions;
  csv: CsvOptions;
  folder: FolderOptions;
  dicom: DicomFolderOptions;
};

/** Reads the index of a dataset on disk (no image is decoded yet). */
export async function loadManifest<F extends FileFormat>(format: F, options: LoaderOptions[F]): Promise<Manifest> {
  switch (format) {
    case 'chexpert':
      return loadChexpert(options as ChexpertOptions);
    case 'eyepacs':
      return loadEyepacs(options as EyepacsOptions);
    case 'aptos':
      return loadAptos(options as AptosOptions);
    case 'csv':
      return loadCsvDataset(options as CsvOptions);
    case 'dicom':
      return loadDicomFolder(options as DicomFolderOptions);
    default:
      return loadFolderDataset(options as FolderOptions);
  }
}
