import { readImageSet, selectRows, splitOf, type ImageSet } from '@transfusion/data';
import type { TaskConfig } from '@transfusion/train';
import { StudyError } from './run-info.js';


export interface TaskData {
  /** Rows of each split, already converted to the task's labels. */
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
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
  /** The artifact's provenance metadata (format, source file, MedMNIST flag, resize, ...). */
  meta: Record<string, string>;
}

/**
 * Dataset metadata key set by prepare-dataset on graded sets: the grade k of the referable task P(grade ≥ k)
 * scored from the graded model (RETINA's referable DR: 2).
 */
export const REFERABLE_GRADE_META = 'referableGrade';

/**
 * Loads a dataset artifact split by split. `trainImages` keeps the first N training images (the small-data
 * regime); the order is the generator's, which does not depend on the label, so the prefix is a fair sample.
 */
export async function loadTaskData(path: string, trainImages?: number): Promise<TaskData> {
  const all = await readImageSet(path);
  if (all.height !== all.width) throw new StudyError('STUDY_BAD_INPUT', `${path}: images are ${all.height}×${all.width}; the study expects square images`);
  let train = splitOf(all, 'train');
  const val = splitOf(all, 'val');
  const test = splitOf(all, 'test');
  for (const [name, s] of [['train', train], ['val', val], ['test', test]] as const) {
    if (s.ids.length === 0) throw new StudyError('STUDY_BAD_INPUT', `${path}: split '${name}' is empty`);
  }
  if (trainImages !== undefined) {
    if (trainImages > train.ids.length) {
      throw new StudyError('STUDY_BAD_INPUT', `${path}: data: limited-${trainImages} needs ${trainImages} training images, but the train split has only ${train.ids.length} images`);
    }
    train = selectRows(train, Array.from({ length: trainImages }, (_, i) => i));
  }
  const kind = all.task.kind;
  const labels = all.task.names;
  const referable = all.meta[REFERABLE_GRADE_META] === undefined ? undefined : Number(all.meta[REFERABLE_GRADE_META]);
  const task: TaskConfig =
    kind === 'multiclass'
      ? { type: 'multiclass', numClasses: labels.length, ordinal: all.task.ordinal === true, ...(referable !== undefined ? { referableClass: referable } : {}) }
      : { type: 'multilabel', labelNames: labels };
  return {
    train, val, test, task, kind, labels, dataset: all.name, channels: all.channels, size: all.height, classes: labels.length,
    ordinal: all.task.ordinal === true, meta: all.meta,
  };
}
