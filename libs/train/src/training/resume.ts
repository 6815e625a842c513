// Resumable training: everything trainModel carries from one step to the next, in one Arrow tensors file that is
// replaced atomically (temp file + rename), so a killed run finds either the previous state or the new one.
// The batch order is a seeded function of (seed, epoch) and augmentation is seeded per step, so the position
// (epoch, batches of the epoch already trained, step) is all the random state there is.
import { createHash } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectArrowFile, readTensors, type Tensor, writeTensors } from '@transfusion/arrow-io';
import { z } from 'zod';
import { describeZodIssues, TrainError } from '../errors.js';
import type { OptimizerState } from './optimizer.js';
import type { FloatTensor } from './tensors.js';

export const RESUME_FILE = 'resume.arrow';
const FORMAT = 'transfusion-resume/1';
const STATE_META_KEY = 'transfusion.resume';

/** JSON has no NaN or ±Infinity (a val_auc with one class present is NaN): they travel as tagged objects. */
const nonFiniteSchema = z.object({ $number: z.enum(['NaN', 'Infinity', '-Infinity']) }).strict();
const numberSchema = z
  .union([z.number(), nonFiniteSchema])
  .transform((v) => (typeof v === 'number' ? v : Number(v.$number)));
const metricsSchema = z.record(z.string(), numberSchema);

const trackerSchema = z
  .object({
    best: z
      .object({
        value: z.number(),
        step: z.number().int(),
        epoch: z.number().int(),
        metrics: metricsSchema,
        hasWeights: z.boolean(),
      })
      .strict()
      .optional(),
    sinceBest: z.number().int().min(0),
  })
  .strict();
export type TrackerState = z.output<typeof trackerSchema>;

const stateSchema = z
  .object({
    format: z.literal(FORMAT),
    /** Hash of what must not change between the run that wrote the state and the one resuming it. */
    fingerprint: z.string(),
    /** Who wrote it (a different backend resumes fine, but not bitwise). */
    backend: z.string(),
    /** 'done': the loop finished (final evaluation and checkpoint included); only the returned weights remain to pick. */
    phase: z.enum(['training', 'done']),
    step: z.number().int().min(0),
    epoch: z.number().int().min(0),
    /** Batches of `epoch` already trained: the resumed run skips them in the epoch's seeded order. */
    batchInEpoch: z.number().int().min(0),
    images: z.number().int().min(0),
    /** Training loss accumulated since the last evaluation. */
    lossSum: z.number(),
    lossCount: z.number().int().min(0),
    lastMetrics: metricsSchema,
    stoppedEarly: z.boolean(),
    lastCheckpointStep: z.number().int(),
    checkpoints: z.array(z.string()),
    elapsedSeconds: z.number().min(0),
    history: z.array(
      z
        .object({
          step: z.number().int(),
          epoch: z.number().int(),
          lr: numberSchema,
          metrics: metricsSchema,
          seconds: z.number(),
        })
        .strict(),
    ),
    optimizerStep: z.number().int().min(0),
    optimizerSlots: z.record(z.string(), z.number().int().min(0)),
    kept: trackerSchema.optional(),
    /** The early-stopping tracker when it is not `kept` itself. */
    stopper: trackerSchema.optional(),
  })
  .strict();
export type ResumeState = z.output<typeof stateSchema>;

/** What a resumable checkpoint holds besides the plain state: the tensors. */
export interface ResumePoint {
  state: ResumeState;
  weights: Record<string, FloatTensor>;
  optimizer: OptimizerState;
  /** The best evaluation's weights, when a tracker keeps them. */
  bestWeights?: Record<string, FloatTensor>;
}

/** A stable hash of the options and shapes a resumed run must share with the run that wrote the checkpoint. */
export function resumeFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function encodeNumbers(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v;
}

const WEIGHT = 'model/';
const BEST = 'best/';
const SLOT = 'optimizer/';

/** Writes the resume point atomically over the previous one: only the latest is kept. */
export async function saveResumePoint(dir: string, point: ResumePoint): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(point.weights)) tensors[WEIGHT + name] = t;
  for (const [name, t] of Object.entries(point.bestWeights ?? {})) tensors[BEST + name] = t;
  const slotCounts: Record<string, number> = {};
  for (const [name, slots] of Object.entries(point.optimizer.slots)) {
    slotCounts[name] = slots.length;
    slots.forEach((t, i) => (tensors[`${SLOT}${name}#${i}`] = t));
  }
  const state: ResumeState = { ...point.state, optimizerStep: point.optimizer.t, optimizerSlots: slotCounts };
  const path = join(dir, RESUME_FILE);
  await writeTensors(path, tensors, { [STATE_META_KEY]: JSON.stringify(state, encodeNumbers) });
  return path;
}

function bad(path: string, message: string): TrainError {
  return new TrainError('TRAIN_BAD_CHECKPOINT', `${path}: ${message}`, { file: path });
}

/** The resume point in `dir`, or undefined when there is none yet. `fingerprint` must match the writer's. */
export async function loadResumePoint(dir: string, fingerprint: string): Promise<ResumePoint | undefined> {
  const path = join(dir, RESUME_FILE);
  if (
    !(await access(path).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  let tensors: Record<string, Tensor>;
  let meta: Record<string, string>;
  try {
    meta = (await inspectArrowFile(path)).metadata;
    tensors = await readTensors(path);
  } catch (err) {
    throw bad(path, `not a readable resume checkpoint (${(err as Error).message}); delete it to start over`);
  }
  const raw = meta[STATE_META_KEY];
  if (raw === undefined)
    throw bad(path, `no '${STATE_META_KEY}' metadata: not a resume checkpoint written by trainModel`);
  const parsed = stateSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw bad(path, `resume state: ${describeZodIssues(parsed.error.issues)}`);
  const state = parsed.data;
  if (state.fingerprint !== fingerprint) {
    throw bad(
      path,
      'was written by a run with other training options, model or data; delete it (or use another resume.dir) to start over',
    );
  }
  const weights: Record<string, FloatTensor> = {};
  const bestWeights: Record<string, FloatTensor> = {};
  const slots: Record<string, FloatTensor[]> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw bad(path, `tensor '${name}' is ${t.dtype}, expected float32`);
    const f: FloatTensor = { dtype: 'float32', shape: t.shape, data: t.data as Float32Array };
    if (name.startsWith(WEIGHT)) weights[name.slice(WEIGHT.length)] = f;
    else if (name.startsWith(BEST)) bestWeights[name.slice(BEST.length)] = f;
    else if (name.startsWith(SLOT)) {
      const hash = name.lastIndexOf('#');
      const param = name.slice(SLOT.length, hash);
      const paramSlots = slots[param] ?? [];
      paramSlots[Number(name.slice(hash + 1))] = f;
      slots[param] = paramSlots;
    } else throw bad(path, `unexpected tensor '${name}'`);
  }
  for (const [param, n] of Object.entries(state.optimizerSlots)) {
    if (slots[param]?.length !== n || slots[param].some((s) => s === undefined))
      throw bad(path, `optimizer slots of '${param}': expected ${n}`);
  }
  const point: ResumePoint = { state, weights, optimizer: { t: state.optimizerStep, slots } };
  if (Object.keys(bestWeights).length > 0) point.bestWeights = bestWeights;
  return point;
}

/** Removes the resume point (a run that should start over). */
export async function clearResumePoint(dir: string): Promise<void> {
  await rm(join(dir, RESUME_FILE), { force: true });
}
