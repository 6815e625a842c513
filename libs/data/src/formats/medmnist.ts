import path from 'node:path';
import { createImageSetWriter } from '../artifact.js';
import { DataError } from '../errors.js';
import {
  labelWidth,
  packSamples,
  SPLITS,
  type ImageSet,
  type LabelSpec,
  type SampleRow,
  type Split,
} from '../image-set.js';
import { copyNpyValues, NpyError, parseNpyHeader, type NpyHeader } from '@transfusion/arrow-io/npy';
import type { ResizeOptions } from '../preprocess.js';
import { parseResizeOptions, resizeChannels, resizeRaw, resizeTarget } from '../resize.js';
import { listZip, streamZipMember, type ZipMember } from '../zip-reader.js';
import {
  isMedmnistFlag,
  medmnistLabelSpec,
  MEDMNIST_FLAGS,
  MEDMNIST_TASKS,
  parseMedmnistFileName,
} from './medmnist-info.js';
import { parseLoaderOptions } from './shared.js';
import { medmnistOptionsSchema, type MedmnistOptions } from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { medmnistOptionsSchema, type MedmnistOptions };

/** Smallest image side accepted from a MedMNIST file (MedMNIST's own sides are 28–224). */
export const MEDMNIST_MIN_SIDE = 8;

export interface MedmnistSplitInfo {
  count: number;
  images: ZipMember;
  labels: ZipMember;
}

export interface MedmnistInfo {
  file: string;
  /** The MedMNIST flag (from the `flag` option or the file name); for other names, the name without `.npz`. */
  flag: string;
  /** True when the flag is one of MEDMNIST_FLAGS (task and labels from MedMNIST's INFO table). */
  known: boolean;
  task: LabelSpec;
  height: number;
  width: number;
  channels: number;
  splits: Partial<Record<Split, MedmnistSplitInfo>>;
}

/** One streamed sample. */
export interface MedmnistSample {
  split: Split;
  index: number;
  id: string;
  /** HWC uint8 (a view valid until the next sample is requested). */
  image: Uint8Array;
  labels: number[];
}

/** Dataset flag from the file name: "retinamnist_224.npz" → "retinamnist". */
export function medmnistFlag(file: string): string {
  return parseMedmnistFileName(file).flag;
}

/**
 * Reads the archive's directory and the .npy headers (not the images) and checks that the file is a 2D
 * MedMNIST set: `{split}_images` uint8 (N,H,W) or (N,H,W,C) with C 1 or 3, square, at least 8 px, the same
 * shape in every split; `{split}_labels` with N rows and as many columns as the task has. Every problem is a
 * DataError DATA_BAD_NPZ naming the file and what was expected.
 */
export async function inspectMedmnist(file: string, flagOverride?: string): Promise<MedmnistInfo> {
  const bad = (msg: string, field?: string): DataError =>
    new DataError('DATA_BAD_NPZ', `${file}: ${msg}`, { file, ...(field ? { field } : {}) });
  const named = parseMedmnistFileName(file);
  const flag = flagOverride ?? named.flag;
  if (/mnist3d$/.test(flag))
    throw bad(
      `${flag} is a 3D MedMNIST set: 3D volumes are not supported (expected one of the 2D sets ${MEDMNIST_FLAGS.join(', ')})`,
    );
  const members = await listZip(file);
  const byName = new Map(members.map((m) => [m.name.replace(/\.npy$/, ''), m]));
  const splits: MedmnistInfo['splits'] = {};
  let shape: { height: number; width: number; channels: number; from: Split } | undefined;
  let labelCols: number | undefined;
  for (const split of SPLITS) {
    const im = byName.get(`${split}_images`);
    const lm = byName.get(`${split}_labels`);
    if (!im && !lm) continue;
    if (!im || !lm)
      throw bad(
        `has ${im ? `${split}_images` : `${split}_labels`} but not its partner ${im ? `${split}_labels` : `${split}_images`}`,
      );
    const ih = await readHeader(file, im);
    const lh = await readHeader(file, lm);
    const field = `${split}_images`;
    if (ih.dtype !== 'uint8') throw bad(`${field}: expected uint8 pixels, got ${ih.dtype}`, field);
    const s = imageShape(ih.shape, (m) => bad(`${field}: ${m}`, field));
    if (s.height !== s.width)
      throw bad(
        `${field}: images are ${s.height}×${s.width}: expected square images (MedMNIST sides are ${[28, 64, 128, 224].join(', ')})`,
        field,
      );
    if (s.height < MEDMNIST_MIN_SIDE)
      throw bad(`${field}: images are ${s.height}×${s.width}: expected at least ${MEDMNIST_MIN_SIDE} px a side`, field);
    if (named.size !== undefined && !flagOverride && s.height !== named.size)
      throw bad(`${field}: images are ${s.height}×${s.width} but the file name says ${named.size} px`, field);
    if (shape && (shape.height !== s.height || shape.channels !== s.channels)) {
      throw bad(
        `${field}: images are ${s.height}×${s.width}×${s.channels}, ${shape.from}_images are ${shape.height}×${shape.width}×${shape.channels}: expected one shape for all splits`,
        field,
      );
    }
    shape ??= { ...s, from: split };
    if (lh.shape[0] !== ih.shape[0])
      throw bad(
        `${split}_labels has ${lh.shape[0]} rows but ${field} has ${ih.shape[0]}: expected one label row per image`,
        `${split}_labels`,
      );
    if (lh.shape.length > 2)
      throw bad(`${split}_labels: expected shape (N,) or (N,K), got (${lh.shape.join(',')})`, `${split}_labels`);
    const cols = lh.shape[1] ?? 1;
    if (labelCols !== undefined && cols !== labelCols)
      throw bad(
        `${split}_labels has ${cols} columns, other splits ${labelCols}: expected the same label columns in every split`,
        `${split}_labels`,
      );
    labelCols = cols;
    splits[split] = { count: ih.shape[0]!, images: im, labels: lm };
  }
  if (!shape || labelCols === undefined) {
    throw bad(
      `not a MedMNIST .npz: expected {train,val,test}_images and _labels arrays, found ${byName.size ? [...byName.keys()].join(', ') : 'no arrays'}`,
    );
  }
  let task: LabelSpec;
  if (isMedmnistFlag(flag)) {
    task = medmnistLabelSpec(flag);
    if (labelWidth(task) !== labelCols) {
      throw bad(
        `labels have ${labelCols} column(s): expected ${labelWidth(task)} for ${flag} (${task.kind}${task.kind === 'multilabel' ? `: ${task.names.join(', ')}` : ''})`,
      );
    }
  } else task = await inferTask(file, splits, labelCols);
  return {
    file,
    flag,
    known: isMedmnistFlag(flag),
    task,
    height: shape.height,
    width: shape.width,
    channels: shape.channels,
    splits,
  };
}

/** (N,H,W) → 1 channel, (N,H,W,C) with C 1 or 3; 3D volumes (N,D,H,W) and other channel counts are refused. */
function imageShape(
  shape: readonly number[],
  bad: (m: string) => DataError,
): { height: number; width: number; channels: number } {
  const text = `(${shape.join(',')})`;
  if (shape.length === 3) return { height: shape[1]!, width: shape[2]!, channels: 1 };
  if (shape.length === 4) {
    const c = shape[3]!;
    if (c === 1 || c === 3) return { height: shape[1]!, width: shape[2]!, channels: c };
    // MedMNIST 3D sets are (N,28,28,28) / (N,64,64,64): a last axis this long is depth, not colour
    if (c > 4)
      throw bad(
        `shape ${text} is a 3D volume (N,D,H,W): 3D MedMNIST is not supported; expected 2D images (N,H,W) or (N,H,W,C)`,
      );
    throw bad(`shape ${text} has ${c} channels: expected 1 (grey) or 3 (RGB)`);
  }
  if (shape.length === 5)
    throw bad(
      `shape ${text} is a 3D volume (N,D,H,W,C): 3D MedMNIST is not supported; expected 2D images (N,H,W) or (N,H,W,C)`,
    );
  throw bad(`shape ${text}: expected 2D images (N,H,W) or (N,H,W,C)`);
}

/** Task of a file whose name is not a MedMNIST flag: several columns → multilabel; else binary (0/1) or classes 0..max. */
async function inferTask(file: string, splits: MedmnistInfo['splits'], labelCols: number): Promise<LabelSpec> {
  if (labelCols > 1) return { kind: 'multilabel', names: Array.from({ length: labelCols }, (_, i) => String(i)) };
  let max = 0;
  for (const s of Object.values(splits))
    for (const v of await readAllLabels(file, s.labels)) if (Number.isInteger(v) && v > max) max = v;
  return max <= 1
    ? { kind: 'binary', names: ['1'] }
    : { kind: 'multiclass', names: Array.from({ length: max + 1 }, (_, i) => String(i)) };
}

/** Throws DATA_BAD_NPZ at the first label the task cannot hold, naming split, row and value. */
function checkLabels(info: MedmnistInfo, split: Split, values: readonly number[]): void {
  const k = labelWidth(info.task);
  const classes = info.task.names.length;
  const ok =
    info.task.kind === 'multiclass'
      ? (v: number) => Number.isInteger(v) && v >= 0 && v < classes
      : (v: number) => v === 0 || v === 1;
  const expected =
    info.task.kind === 'multiclass'
      ? `a class index 0..${classes - 1} (${classes} classes of ${info.flag})`
      : `0 or 1 (${info.task.kind} labels of ${info.flag})`;
  for (let i = 0; i < values.length; i++) {
    if (ok(values[i]!)) continue;
    const row = Math.floor(i / k);
    const col = k > 1 ? `, column ${i % k} (${info.task.names[i % k]})` : '';
    throw new DataError(
      'DATA_BAD_NPZ',
      `${info.file}: ${split}_labels row ${row}${col}: value ${values[i]}: expected ${expected}`,
      { file: info.file, row, field: `${split}_labels` },
    );
  }
}

/**
 * Streams samples split by split without loading the archive: the image member is inflated chunk by chunk
 * and cut into images, so 224-px sets larger than a Node Buffer (4 GiB) work. A split asked for but absent
 * from the file and labels the task cannot hold are DataErrors, raised before the first sample.
 */
export async function* streamMedmnist(options: MedmnistOptions): AsyncGenerator<MedmnistSample> {
  const o = parseLoaderOptions(medmnistOptionsSchema, options, 'medmnist');
  const info = await inspectMedmnist(o.file, o.flag);
  yield* streamInspected(info, o.splits, o.limit);
}

async function* streamInspected(
  info: MedmnistInfo,
  wanted: readonly Split[],
  limitPerSplit: number | undefined,
): AsyncGenerator<MedmnistSample> {
  const missing = wanted.filter((s) => !info.splits[s]);
  if (missing.length) {
    const have = SPLITS.filter((s) => info.splits[s]).join(', ');
    throw new DataError(
      'DATA_BAD_NPZ',
      `${info.file}: split(s) ${missing.join(', ')} asked for but the file has no ${missing.map((s) => `${s}_images/${s}_labels`).join(', ')} (it has ${have}); pass splits: [${have}] to read only those`,
      { file: info.file, field: `${missing[0]}_images` },
    );
  }
  const labelsBySplit = new Map<Split, number[]>();
  for (const split of wanted) {
    const labels = await readAllLabels(info.file, info.splits[split]!.labels);
    checkLabels(info, split, labels);
    labelsBySplit.set(split, labels);
  }
  const k = labelWidth(info.task);
  const per = info.height * info.width * info.channels;
  for (const split of wanted) {
    const s = info.splits[split]!;
    const labels = labelsBySplit.get(split)!;
    const limit = Math.min(s.count, limitPerSplit ?? Infinity);
    let index = 0;
    for await (const image of fixedRecords(info.file, s.images, per)) {
      if (index >= limit) break;
      yield {
        split,
        index,
        id: `${info.flag}/${split}/${index}`,
        image,
        labels: labels.slice(index * k, (index + 1) * k),
      };
      index++;
    }
    if (index < limit)
      throw new DataError('DATA_BAD_NPZ', `${info.file}: ${split}_images ended after ${index} of ${s.count} images`, {
        file: info.file,
        field: `${split}_images`,
      });
  }
}

/** Loads a MedMNIST file into memory (images stay uint8). */
export async function readMedmnist(options: MedmnistOptions): Promise<ImageSet> {
  const o = parseLoaderOptions(medmnistOptionsSchema, options, 'medmnist');
  const info = await inspectMedmnist(o.file, o.flag);
  const k = labelWidth(info.task);
  const n = o.splits.reduce((a, s) => a + Math.min(info.splits[s]?.count ?? 0, o.limit ?? Infinity), 0);
  const per = info.height * info.width * info.channels;
  const images = new Uint8Array(n * per);
  const labels = new Float32Array(n * k);
  const ids: string[] = [];
  const splits: Split[] = [];
  let i = 0;
  for await (const s of streamInspected(info, o.splits, o.limit)) {
    images.set(s.image, i * per);
    labels.set(s.labels, i * k);
    ids.push(s.id);
    splits.push(s.split);
    i++;
  }
  return {
    name: medmnistDisplayName(info.flag),
    height: info.height,
    width: info.width,
    channels: info.channels,
    images,
    task: info.task,
    labels,
    mask: new Uint8Array(n * k).fill(1),
    ids,
    // MedMNIST ships no patient ids; its splits are already patient-disjoint where the source allowed it
    patients: ids.slice(),
    splits,
    meta: { source: path.basename(o.file), format: 'medmnist', flag: info.flag },
  };
}

/**
 * The .npy header of archive member `m`, or undefined when `bytes` ends inside it. Members are streamed in
 * storage order, so only C order is accepted; reader errors become DATA_BAD_NPZ naming file and member.
 */
function memberHeader(bytes: Uint8Array, file: string, m: ZipMember): NpyHeader | undefined {
  const bad = (msg: string, cause?: unknown): DataError =>
    new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: ${msg}`, { file, field: m.name, cause });
  let h: NpyHeader | undefined;
  try {
    h = parseNpyHeader(bytes, `${file}:${m.name}`);
  } catch (e) {
    if (e instanceof NpyError) throw bad(e.reason, e);
    throw e;
  }
  if (h?.fortranOrder && h.shape.length > 1)
    throw bad('Fortran-order arrays are not supported (expected C order, as numpy saves by default)');
  return h;
}

async function readHeader(file: string, m: ZipMember): Promise<NpyHeader> {
  let buf: Uint8Array = new Uint8Array(0);
  for await (const chunk of streamZipMember(file, m)) {
    buf = concat(buf, chunk);
    const h = memberHeader(buf, file, m);
    if (h) return h;
    if (buf.length > 1 << 20) break;
  }
  throw new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: .npy header incomplete`, { file, field: m.name });
}

async function readAllLabels(file: string, m: ZipMember): Promise<number[]> {
  const chunks: Uint8Array[] = [];
  for await (const c of streamZipMember(file, m)) chunks.push(c.slice());
  const all = concat(new Uint8Array(0), ...chunks);
  const h = memberHeader(all, file, m);
  if (!h) throw new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: .npy header incomplete`, { file, field: m.name });
  const n = h.shape.reduce((a, b) => a * b, 1);
  const body = all.length - h.headerBytes;
  if (body < n * h.itemSize)
    throw new DataError(
      'DATA_BAD_NPZ',
      `${file}: ${m.name}: expected ${n} values, file holds ${Math.floor(body / h.itemSize)}`,
      { file, field: m.name },
    );
  const values = new Float64Array(n);
  copyNpyValues(all, h, values, `${file}:${m.name}`);
  return Array.from(values);
}

/** Cuts a member's body (after the .npy header) into records of `per` bytes. */
async function* fixedRecords(file: string, m: ZipMember, per: number): AsyncGenerator<Uint8Array> {
  let header: NpyHeader | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  const record = new Uint8Array(per);
  let filled = 0;
  for await (const chunk of streamZipMember(file, m)) {
    let data = chunk;
    if (!header) {
      pending = concat(pending, chunk);
      header = memberHeader(pending, file, m);
      if (!header) continue;
      data = pending.subarray(header.headerBytes);
    }
    let p = 0;
    while (p < data.length) {
      const take = Math.min(per - filled, data.length - p);
      record.set(data.subarray(p, p + take), filled);
      filled += take;
      p += take;
      if (filled === per) {
        yield record;
        filled = 0;
      }
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Streams a MedMNIST file into a sharded Arrow dataset artifact, optionally resized with the options of
 * `resizeImageSet` (`size`, `minSize`, `fit`, `channels`). Memory stays at one shard.
 */
/** MedMNIST's name of a known set (RetinaMNIST), else the flag from the file name. */
function medmnistDisplayName(flag: string): string {
  return (MEDMNIST_TASKS as Record<string, { name: string } | undefined>)[flag]?.name ?? flag;
}

export async function importMedmnistToArrow(
  options: MedmnistOptions & { resize?: ResizeOptions; shardSize?: number },
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ rows: number; shards: number; task: LabelSpec }> {
  const { resize, shardSize, ...rest } = options;
  const o = parseLoaderOptions(medmnistOptionsSchema, rest, 'medmnist');
  const info = await inspectMedmnist(o.file, o.flag);
  const r = parseResizeOptions(resize ?? {});
  const side = resizeTarget(info.height, info.width, r);
  const template = {
    name: medmnistDisplayName(info.flag),
    height: side ?? info.height,
    width: side ?? info.width,
    channels: resizeChannels(info.channels, r),
    task: info.task,
  };
  const total = o.splits.reduce((a, s) => a + Math.min(info.splits[s]?.count ?? 0, o.limit ?? Infinity), 0);
  const meta: Record<string, string> = {
    source: path.basename(o.file),
    format: 'medmnist',
    flag: info.flag,
    ...(resize ? { resize: JSON.stringify({ ...r, from: [info.height, info.width, info.channels] }) } : {}),
  };
  const writer = await createImageSetWriter(file, { ...template, dtype: 'uint8', meta }, shardSize ?? 512);
  const n = shardSize ?? 512;
  let buf: SampleRow[] = [];
  let done = 0;
  const flush = async (): Promise<void> => {
    if (!buf.length) return;
    await writer.write(packSamples(buf, { ...template, meta: {} }));
    done += buf.length;
    onProgress?.(done, total);
    buf = [];
  };
  try {
    for await (const s of streamInspected(info, o.splits, o.limit)) {
      const image = (
        await resizeRaw({ data: s.image.slice(), width: info.width, height: info.height, channels: info.channels }, r)
      ).data;
      buf.push({ image, labels: s.labels, id: s.id, patient: s.id, split: s.split });
      if (buf.length === n) await flush();
    }
    await flush();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return { ...(await writer.close()), task: info.task };
}
