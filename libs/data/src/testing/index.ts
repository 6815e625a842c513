// Test utilities (entry point `@transfusion/data/testing`): writers of .npz / MedMNIST files for tests of
// this library and of the stages that read datasets. Not part of the main entry point.
export { writeZip, type ZipEntry, type ZipWriteOptions } from './zip-writer.js';
export { encodeNpy, type NpyArray } from '@transfusion/arrow-io/npy';
export { writeNpz, writeMedmnistNpz, type MedmnistNpzOptions, type MedmnistSplitArrays } from './npz-writer.js';
export {
  generateLearnableMedmnist,
  writeLearnableMedmnistNpz,
  type LearnableMedmnistOptions,
} from './learnable-medmnist.js';
