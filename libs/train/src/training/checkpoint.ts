// Checkpoints are Arrow weight artifacts (@transfusion/arrow-io `writeTensors`), one file per saved step,
// with the step, epoch, backend and metrics in the schema metadata.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readTensors, writeTensors } from '@transfusion/arrow-io';
import { TrainError } from '../errors.js';
import type { FloatTensor } from './tensors.js';

export interface CheckpointMeta {
  step: number;
  epoch: number;
  backend: string;
  metrics: Record<string, number>;
}

export function checkpointPath(dir: string, step: number): string {
  return join(dir, `step-${String(step).padStart(8, '0')}.arrow`);
}

export async function saveCheckpoint(
  dir: string,
  weights: Record<string, FloatTensor>,
  meta: CheckpointMeta,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = checkpointPath(dir, meta.step);
  await writeTensors(path, weights, {
    'transfusion.checkpoint.step': String(meta.step),
    'transfusion.checkpoint.epoch': String(meta.epoch),
    'transfusion.checkpoint.backend': meta.backend,
    'transfusion.checkpoint.metrics': JSON.stringify(meta.metrics, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : v,
    ),
  });
  return path;
}

/** Reads a checkpoint written by `saveCheckpoint` (or any float32 weights collection). */
export async function loadCheckpoint(path: string): Promise<Record<string, FloatTensor>> {
  const ts = await readTensors(path);
  const out: Record<string, FloatTensor> = {};
  for (const [name, t] of Object.entries(ts)) {
    if (t.dtype !== 'float32')
      throw new TrainError('TRAIN_BAD_MODEL', `${path}: weight '${name}' is ${t.dtype}, expected float32`);
    out[name] = { dtype: 'float32', shape: t.shape, data: t.data as Float32Array };
  }
  return out;
}
