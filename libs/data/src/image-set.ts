import { z } from 'zod';
import { DataError } from './errors.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * What the label columns mean.
 * - multilabel: `names.length` independent binary labels; labels[i*K+k] in {0,1}, mask says which count.
 * - multiclass: one column holding the class index 0..names.length-1 (e.g. DR grade 0–4). `ordinal: true`
 *   when the classes are ordered grades (RetinaMNIST's DR grades), so metrics such as quadratic weighted
 *   kappa and thresholds such as `toBinaryFromGrade` make sense.
 * - binary: one column in {0,1}; names = [positive-class name].
 */
export interface LabelSpec {
  kind: 'multilabel' | 'multiclass' | 'binary';
  names: string[];
  ordinal?: boolean;
}

/** The `transfusion.dataset` value of an Arrow image set written by this version (see artifact.ts). */
export const DATASET_FORMAT = 'image-set/1';

/** A LabelSpec read from outside (artifact metadata, pipeline parameters); `ordinal` only on multiclass. */
export const labelSpecSchema = z
  .object({
    kind: z.enum(['multilabel', 'multiclass', 'binary']),
    names: z.array(z.string()).min(1),
    ordinal: z.boolean().optional(),
  })
  .strict()
  .refine((t) => t.ordinal === undefined || t.kind === 'multiclass', {
    message: 'ordinal is only meaningful for a multiclass task',
    path: ['ordinal'],
  });

/** Number of label columns per sample. */
export function labelWidth(spec: LabelSpec): number {
  return spec.kind === 'multilabel' ? spec.names.length : 1;
}

/**
 * A dataset held in memory: images NHWC (uint8 0–255 or float32), labels, ids and splits.
 * This is the form the study stages use directly; `writeImageSet` stores it as sharded Arrow.
 */
export interface ImageSet {
  name: string;
  height: number;
  width: number;
  channels: number;
  images: Uint8Array | Float32Array;
  task: LabelSpec;
  /** N × labelWidth, row-major. */
  labels: Float32Array;
  /** N × labelWidth; 1 = the label counts (0 = masked out of the loss, e.g. U-Ignore). */
  mask: Uint8Array;
  ids: string[];
  patients: string[];
  splits: Split[];
  /** Free-form provenance: generator parameters, label rules, normalisation stats. */
  meta: Record<string, string>;
}

/** The i-th image as a view (no copy). */
export function imageAt(set: ImageSet, i: number): Uint8Array | Float32Array {
  const d = set.height * set.width * set.channels;
  return set.images.subarray(i * d, (i + 1) * d);
}

/** Checks every array length against N, H, W, C; throws DataError DATA_BAD_SET naming the field. */
export function validateImageSet(set: ImageSet): void {
  const n = set.ids.length;
  const d = set.height * set.width * set.channels;
  const k = labelWidth(set.task);
  const bad = (field: string, msg: string): never => {
    throw new DataError('DATA_BAD_SET', `image set "${set.name}": ${field}: ${msg}`, { field });
  };
  for (const f of ['height', 'width', 'channels'] as const) {
    if (!Number.isInteger(set[f]) || set[f] <= 0) bad(f, `expected a positive integer, got ${set[f]}`);
  }
  if (set.images.length !== n * d)
    bad(
      'images',
      `expected ${n}×${set.height}×${set.width}×${set.channels} = ${n * d} values, got ${set.images.length}`,
    );
  if (set.labels.length !== n * k) bad('labels', `expected ${n}×${k} values, got ${set.labels.length}`);
  if (set.mask.length !== n * k) bad('mask', `expected ${n}×${k} values, got ${set.mask.length}`);
  if (set.patients.length !== n) bad('patients', `expected ${n} entries, got ${set.patients.length}`);
  if (set.splits.length !== n) bad('splits', `expected ${n} entries, got ${set.splits.length}`);
  if (set.task.names.length === 0) bad('task.names', 'expected at least one label name');
  if (set.task.ordinal !== undefined && set.task.kind !== 'multiclass')
    bad('task.ordinal', `only a multiclass task can be ordinal, this one is ${set.task.kind}`);
}

/** A new set holding the given rows (copies the data). */
export function selectRows(set: ImageSet, rows: readonly number[]): ImageSet {
  const d = set.height * set.width * set.channels;
  const k = labelWidth(set.task);
  const images =
    set.images instanceof Float32Array ? new Float32Array(rows.length * d) : new Uint8Array(rows.length * d);
  const labels = new Float32Array(rows.length * k);
  const mask = new Uint8Array(rows.length * k);
  rows.forEach((r, j) => {
    if (!(r >= 0 && r < set.ids.length)) throw new RangeError(`selectRows: row ${r} outside 0..${set.ids.length - 1}`);
    images.set(set.images.subarray(r * d, (r + 1) * d), j * d);
    labels.set(set.labels.subarray(r * k, (r + 1) * k), j * k);
    mask.set(set.mask.subarray(r * k, (r + 1) * k), j * k);
  });
  return {
    ...set,
    images,
    labels,
    mask,
    ids: rows.map((r) => set.ids[r]!),
    patients: rows.map((r) => set.patients[r]!),
    splits: rows.map((r) => set.splits[r]!),
    meta: { ...set.meta },
  };
}

/** The rows of one split, as a new set. */
export function splitOf(set: ImageSet, split: Split): ImageSet {
  const rows: number[] = [];
  set.splits.forEach((s, i) => {
    if (s === split) rows.push(i);
  });
  return selectRows(set, rows);
}

/**
 * Referable-DR view of a 5-grade set: positive when grade >= threshold (default 2, moderate or worse).
 * The grade task it came from (with its `ordinal` flag) is kept in `meta.gradeTask`.
 */
export function toBinaryFromGrade(set: ImageSet, threshold = 2, name = 'referable'): ImageSet {
  if (set.task.kind !== 'multiclass') {
    throw new DataError(
      'DATA_BAD_SET',
      `image set "${set.name}": task.kind: expected multiclass grades, got ${set.task.kind}`,
      { field: 'task.kind' },
    );
  }
  const labels = set.labels.map((g) => (g >= threshold ? 1 : 0));
  return {
    ...set,
    task: { kind: 'binary', names: [name] },
    labels,
    mask: set.mask.slice(),
    meta: { ...set.meta, binaryThreshold: String(threshold), gradeTask: JSON.stringify(set.task) },
  };
}

/** Rows [a, b) of a set, as views (no copy). */
export function sliceImageSet(set: ImageSet, a: number, b: number): ImageSet {
  const d = set.height * set.width * set.channels;
  const k = labelWidth(set.task);
  return {
    ...set,
    images: set.images.subarray(a * d, b * d),
    labels: set.labels.subarray(a * k, b * k),
    mask: set.mask.subarray(a * k, b * k),
    ids: set.ids.slice(a, b),
    patients: set.patients.slice(a, b),
    splits: set.splits.slice(a, b),
  };
}

/** Concatenates sets with the template's shape, dtype and task, rows in order (the single part is returned as is). */
export function concatImageSets(parts: readonly ImageSet[], template: ImageSet): ImageSet {
  if (parts.length === 1) return parts[0]!;
  const d = template.height * template.width * template.channels;
  const k = labelWidth(template.task);
  const n = parts.reduce((a, p) => a + p.ids.length, 0);
  const images = template.images instanceof Float32Array ? new Float32Array(n * d) : new Uint8Array(n * d);
  const labels = new Float32Array(n * k);
  const mask = new Uint8Array(n * k);
  let o = 0;
  for (const p of parts) {
    images.set(p.images, o * d);
    labels.set(p.labels, o * k);
    mask.set(p.mask, o * k);
    o += p.ids.length;
  }
  return {
    ...template,
    images,
    labels,
    mask,
    ids: parts.flatMap((p) => p.ids),
    patients: parts.flatMap((p) => p.patients),
    splits: parts.flatMap((p) => p.splits),
  };
}

/** One sample to pack: HWC uint8 image, its label row and ids. */
export interface SampleRow {
  image: Uint8Array;
  labels: readonly number[];
  mask?: readonly number[];
  id: string;
  patient: string;
  split: Split;
}

/** Packs samples into a uint8 set with the template's shape and task (mask defaults to all 1). */
export function packSamples(
  samples: readonly SampleRow[],
  template: Omit<ImageSet, 'images' | 'labels' | 'mask' | 'ids' | 'patients' | 'splits'>,
): ImageSet {
  const d = template.height * template.width * template.channels;
  const k = labelWidth(template.task);
  const images = new Uint8Array(samples.length * d);
  const labels = new Float32Array(samples.length * k);
  const mask = new Uint8Array(samples.length * k).fill(1);
  samples.forEach((s, j) => {
    images.set(s.image, j * d);
    labels.set(s.labels, j * k);
    if (s.mask) mask.set(s.mask, j * k);
  });
  return {
    ...template,
    images,
    labels,
    mask,
    ids: samples.map((s) => s.id),
    patients: samples.map((s) => s.patient),
    splits: samples.map((s) => s.split),
  };
}
