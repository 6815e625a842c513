import { z } from 'zod';
import { DataError, formatZodIssues } from '../errors.js';

/** Largest image buffer generated in memory (Node's typed-array limit is 4 GiB; keep headroom). */
export const MAX_IN_MEMORY_BYTES = 2 ** 31;
import type { ImageSet, LabelSpec, Split } from '../image-set.js';
import { labelWidth } from '../image-set.js';
import { createRng, mixSeed, type Rng } from '@transfusion/random';
import { DEFAULT_SPLIT, hashString, splitFractionsSchema, splitForPatient } from '../split.js';
import { Raster } from './raster.js';

/** Options every synthetic generator accepts. */
export const syntheticBaseSchema = z.object({
  /** Number of images. */
  count: z.number().int().min(1).max(10_000_000),
  /** Square image side in pixels. */
  size: z.number().int().min(16).max(1024).default(64),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  /** 0 = obvious cues, 1 = subtle cues, more noise and distractors. */
  difficulty: z.number().min(0).max(1).default(0.5),
  /** Fractions of patients per split (split is by patient). */
  split: splitFractionsSchema.default(DEFAULT_SPLIT),
});
export type SyntheticBase = z.infer<typeof syntheticBaseSchema>;

/** One generated sample before it is packed into a set. */
export interface RenderedLabels {
  labels: number[];
  /** Per label: 1 counts, 0 masked. Defaults to all 1. */
  mask?: number[];
  patient: string;
  id: string;
}

export interface SyntheticSample extends RenderedLabels {
  index: number;
  split: Split;
  /** HWC uint8. */
  image: Uint8Array;
}

/** A generator: parsed options P, a task and a renderer drawing sample `index` into a raster. */
export interface SyntheticGenerator<P extends SyntheticBase> {
  name: string;
  channels: number;
  task(p: P): LabelSpec;
  /** Draws sample `index` (its own seeded stream) and returns its labels and ids. */
  render(rng: Rng, raster: Raster, index: number, p: P, split: (patient: string) => Split): RenderedLabels;
  describe(p: P): Record<string, string>;
}

export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(options);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `${what} options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/** Streams samples one at a time (for sets too large to hold, e.g. straight into Arrow shards). */
export function* streamSynthetic<P extends SyntheticBase>(
  gen: SyntheticGenerator<P>,
  p: P,
): Generator<SyntheticSample> {
  const splitOf = (patient: string): Split => splitForPatient(patient, p.seed, p.split);
  const raster = new Raster(p.size, p.size, gen.channels);
  const k = labelWidth(gen.task(p));
  for (let i = 0; i < p.count; i++) {
    // one independent stream per sample, so sample i does not depend on how many came before
    const rng = createRng(mixSeed(p.seed, i, hashString(gen.name)));
    const out = gen.render(rng, raster, i, p, splitOf);
    if (out.labels.length !== k) throw new Error(`${gen.name}: rendered ${out.labels.length} labels, expected ${k}`);
    const image = new Uint8Array(raster.data.length);
    raster.toUint8(image);
    yield { ...out, index: i, split: splitOf(out.patient), image };
  }
}

/** Generates the whole set in memory. */
export function generateSynthetic<P extends SyntheticBase>(gen: SyntheticGenerator<P>, p: P): ImageSet {
  const task = gen.task(p);
  const k = labelWidth(task);
  const d = p.size * p.size * gen.channels;
  if (p.count * d > MAX_IN_MEMORY_BYTES) {
    throw new DataError(
      'DATA_BAD_OPTIONS',
      `${gen.name}: ${p.count} images of ${p.size}×${p.size}×${gen.channels} need ${((p.count * d) / 2 ** 30).toFixed(1)} GiB, more than one in-memory buffer holds (${MAX_IN_MEMORY_BYTES / 2 ** 30} GiB); stream it with writeSyntheticSet / streamSyntheticSet instead`,
    );
  }
  const images = new Uint8Array(p.count * d);
  const labels = new Float32Array(p.count * k);
  const mask = new Uint8Array(p.count * k);
  const ids: string[] = [];
  const patients: string[] = [];
  const splits: Split[] = [];
  for (const s of streamSynthetic(gen, p)) {
    images.set(s.image, s.index * d);
    labels.set(s.labels, s.index * k);
    mask.set(s.mask ?? new Array<number>(k).fill(1), s.index * k);
    ids.push(s.id);
    patients.push(s.patient);
    splits.push(s.split);
  }
  return {
    name: gen.name,
    height: p.size,
    width: p.size,
    channels: gen.channels,
    images,
    task,
    labels,
    mask,
    ids,
    patients,
    splits,
    meta: { generator: gen.name, options: JSON.stringify(p), ...gen.describe(p) },
  };
}
