import { readImageSetHeader } from '@transfusion/data';
import { openStreamedImages, type StreamedDataset } from '@transfusion/train';
import type { TaskConfig } from '@transfusion/train';
import { provenanceOf, type ImageSetProvenance } from './artifact-kinds.js';
import { StudyError } from './run-info.js';

export interface TaskData {
  /**
   * Rows of each split, streamed from the artifact (labels, masks and patients in memory, images read per batch
   * in worker threads); visited in the same order as the in-memory sets of those rows were.
   */
  train: StreamedDataset;
  val: StreamedDataset;
  test: StreamedDataset;
  task: TaskConfig;
  kind: 'binary' | 'multilabel' | 'multiclass';
  labels: string[];
  /** Dataset name recorded in the artifact. */
  dataset: string;
  channels: number;
  size: number;
  /** Outputs of the model's head. */
  classes: number;
  /** Ordered classes (DR grades): quadratic-weighted kappa is reported. */
  ordinal: boolean;
  /** Where the images came from (format, source file, MedMNIST flag, generator, ...), checked. */
  provenance: ImageSetProvenance;
  /** Stops the image reader threads. */
  close(): Promise<void>;
}

/**
 * Opens a dataset artifact split by split, streamed: memory holds the labels and ids, never the images.
 * `trainImages` keeps the first N training images (the small-data regime); the order is the generator's, which
 * does not depend on the label, so the prefix is a fair sample. Call `close()` when done.
 */
export async function loadTaskData(path: string, trainImages?: number): Promise<TaskData> {
  const header = await readImageSetHeader(path);
  if (header.height !== header.width)
    throw new StudyError(
      'STUDY_BAD_INPUT',
      `${path}: images are ${header.height}×${header.width}; the study expects square images`,
    );
  const file = await openStreamedImages(path);
  try {
    let train = file.dataset(file.rowsOf('train'));
    const val = file.dataset(file.rowsOf('val'));
    const test = file.dataset(file.rowsOf('test'));
    for (const [name, s] of [
      ['train', train],
      ['val', val],
      ['test', test],
    ] as const) {
      if (s.size === 0) throw new StudyError('STUDY_BAD_INPUT', `${path}: split '${name}' is empty`);
    }
    if (trainImages !== undefined) {
      if (trainImages > train.size) {
        throw new StudyError(
          'STUDY_BAD_INPUT',
          `${path}: data: limited-${trainImages} needs ${trainImages} training images, but the train split has only ${train.size} images`,
        );
      }
      train = train.head(trainImages);
    }
    const kind = header.task.kind;
    const labels = header.task.names;
    // set by prepare-dataset on graded sets: the grade k of the referable task P(grade ≥ k) (RETINA's referable DR: 2)
    const provenance = provenanceOf(header.meta, path);
    const { referableGrade } = provenance;
    const referable = referableGrade === undefined ? undefined : Number(referableGrade);
    const task: TaskConfig =
      kind === 'multiclass'
        ? {
            type: 'multiclass',
            numClasses: labels.length,
            ordinal: header.task.ordinal === true,
            ...(referable !== undefined ? { referableClass: referable } : {}),
          }
        : { type: 'multilabel', labelNames: labels };
    return {
      train,
      val,
      test,
      task,
      kind,
      labels,
      dataset: header.name,
      channels: header.channels,
      size: header.height,
      classes: labels.length,
      ordinal: header.task.ordinal === true,
      provenance,
      close: () => file.close(),
    };
  } catch (e) {
    await file.close();
    throw e;
  }
}
