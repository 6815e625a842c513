// What trainModel checks before its first step, so a mismatch fails with a clear message instead of a shape
// error (or a wasted epoch) inside the loop.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import type { Task } from '../options/task.js';
import type { Monitor } from './best-evaluation.js';

/** The model takes the dataset's NHWC images and returns logits, one per class or label. */
export function checkModel(model: tf.LayersModel, data: Dataset, task: Task, name: string): void {
  const inShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || !inShape || inShape.length !== 4) {
    throw new TrainError(
      'TRAIN_BAD_MODEL',
      `model '${model.name}' must have one NHWC image input, has ${JSON.stringify(model.inputs.map((i) => i.shape))}`,
    );
  }
  const [h, w, c] = inShape.slice(1);
  const [dh, dw, dc] = data.imageShape;
  if ((h !== null && h !== dh) || (w !== null && w !== dw) || c !== dc) {
    throw new TrainError(
      'TRAIN_BAD_DATA',
      `${name}: images are ${dh}x${dw}x${dc} but model '${model.name}' expects ${h}x${w}x${c}`,
    );
  }
  const outShape = model.outputs[0]?.shape;
  const units = outShape?.[outShape.length - 1];
  const want = task.type === 'multiclass' ? task.numClasses : data.labelWidth;
  if (model.outputs.length !== 1 || units !== want) {
    throw new TrainError(
      'TRAIN_BAD_MODEL',
      `model '${model.name}' outputs ${units} values per image; the ${task.type} task needs ${want}`,
    );
  }
  if (task.type === 'multiclass' && data.labelWidth !== 1) {
    throw new TrainError(
      'TRAIN_BAD_DATA',
      `${name}: a multiclass task needs one label column (the class index), got ${data.labelWidth}`,
    );
  }
  const last = model.layers[model.layers.length - 1];
  const act = last ? (last.getConfig() as { activation?: string }).activation : undefined;
  if (act === 'sigmoid' || act === 'softmax') {
    throw new TrainError(
      'TRAIN_BAD_MODEL',
      `model '${model.name}': the last layer applies '${act}'; trainModel expects logits (use a linear last layer)`,
    );
  }
}

/** A 'val_*' monitor cannot work without a validation set: say so before training, not after the first epoch. */
export function checkMonitor(m: Monitor | undefined, option: string, hasValidation: boolean): void {
  if (m && !hasValidation && m.monitor !== 'train_loss') {
    throw new TrainError(
      'TRAIN_BAD_OPTIONS',
      `${option}.monitor '${m.monitor}' needs a validation set (without one only 'train_loss' is recorded)`,
    );
  }
}
