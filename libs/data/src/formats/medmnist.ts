import path from 'node:path';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { labelWidth, packSamples, type ImageSet, type LabelSpec, type SampleRow, type Split } from '../image-set.js';
import { parseNpyHeader, readNpyNumber, type NpyHeader } from '../npy.js';
import { listZip, streamZipMember, type ZipMember } from '../zip-reader.js';
import { parseLoaderOptions } from './shared.js';
import { createImageSetWriter } from '../artifact.js';
import { parsePreprocessOptions, preprocessRaw, type PreprocessOptions } from '../preprocess.js';

const CHEST14 = ['atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax', 'consolidation', 'edema', 'emphysema', 'fibrosis', 'pleural', 'hernia'];

/** Tasks of the MedMNIST v2 sets this project uses (from medmnist/info.py); others are inferred from the labels. */
export const MEDMNIST_TASKS: Record<string, LabelSpec> = {
  retinamnist: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'] },
  chestmnist: { kind: 'multilabel', names: CHEST14 },
  pneumoniamnist: { kind: 'binary', names: ['pneumonia'] },
  breastmnist: { kind: 'binary', names: ['benign/normal'] },
};

export const medmnistOptionsSchema = z
  .object({
    /** Path of the .npz file, e.g. ~/.medmnist/retinamnist_64.npz. */
    file: z.string().min(1),
    splits: z.array(z.enum(['train', 'val', 'test'])).min(1).default(['train', 'val', 'test']),
    /** At most this many samples per split (for previews and quick runs). */
    limit: z.number().int().min(1).optional(),
  })
  .strict();
export type MedmnistOptions = z.input<typeof medmnistOptionsSchema>;

export interface MedmnistSplitInfo {
  count: number;
  height: number;
  width: number;
  channels: number;
  images: ZipMember;
  labels: ZipMember;
}

export interface MedmnistInfo {
  file: string;
  flag: string;
  task: LabelSpec;
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
  return path.basename(file).replace(/\.npz$/i, '').replace(/_(28|64|128|224)$/, '').toLowerCase();
}

/** Reads the archive's directory and the .npy headers (not the data). */
export async function inspectMedmnist(file: string): Promise<MedmnistInfo> {
  const members = await listZip(file);
  const byName = new Map(members.map((m) => [m.name.replace(/\.npy$/, ''), m]));
  const splits: MedmnistInfo['splits'] = {};
  let labelCols = 1;
  for (const split of ['train', 'val', 'test'] as const) {
    const im = byName.get(`${split}_images`);
    const lm = byName.get(`${split}_labels`);
    if (!im && !lm) continue;
    if (!im || !lm) throw new DataError('DATA_BAD_NPZ', `${file}: has ${im ? `${split}_images` : `${split}_labels`} but not its partner`, { file });
    const ih = await readHeader(file, im);
    const lh = await readHeader(file, lm);
    if (ih.dtype !== 'uint8') throw new DataError('DATA_BAD_NPZ', `${file}: ${split}_images: expected uint8, got ${ih.dtype}`, { file, field: `${split}_images` });
    if (ih.shape.length !== 3 && ih.shape.length !== 4) throw new DataError('DATA_BAD_NPZ', `${file}: ${split}_images: expected shape (N,H,W) or (N,H,W,C), got (${ih.shape.join(',')})`, { file, field: `${split}_images` });
    if (lh.shape[0] !== ih.shape[0]) throw new DataError('DATA_BAD_NPZ', `${file}: ${split}_labels has ${lh.shape[0]} rows but ${split}_images has ${ih.shape[0]}`, { file, field: `${split}_labels` });
    labelCols = lh.shape.length > 1 ? lh.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    splits[split] = { count: ih.shape[0]!, height: ih.shape[1]!, width: ih.shape[2]!, channels: ih.shape[3] ?? 1, images: im, labels: lm };
  }
  if (Object.keys(splits).length === 0) throw new DataError('DATA_BAD_NPZ', `${file}: no train_/val_/test_ images and labels arrays (keys: ${[...byName.keys()].join(', ')})`, { file });
  const flag = medmnistFlag(file);
  const known = MEDMNIST_TASKS[flag];
  let task: LabelSpec;
  if (known && labelWidth(known) === labelCols) task = known;
  else if (labelCols > 1) task = { kind: 'multilabel', names: Array.from({ length: labelCols }, (_, i) => String(i)) };
  else {
    let max = 0;
    for (const s of Object.values(splits)) for (const v of await readAllLabels(file, s.labels)) max = Math.max(max, v);
    task = max <= 1 ? { kind: 'binary', names: ['1'] } : { kind: 'multiclass', names: Array.from({ length: max + 1 }, (_, i) => String(i)) };
  }
  return { file, flag, task, splits };
}

/**
 * Streams samples split by split without loading the archive: the image member is inflated chunk by chunk
 * and cut into images, so 224-px sets larger than a Node Buffer (4 GiB) work.
 */
export async function* streamMedmnist(options: MedmnistOptions): AsyncGenerator<MedmnistSample> {
  const o = parseLoaderOptions(medmnistOptionsSchema, options, 'medmnist');
  const info = await inspectMedmnist(o.file);
  const k = labelWidth(info.task);
  for (const split of o.splits) {
    const s = info.splits[split];
    if (!s) continue;
    const labels = await readAllLabels(o.file, s.labels);
    const per = s.height * s.width * s.channels;
    const limit = Math.min(s.count, o.limit ?? Infinity);
    let index = 0;
    for await (const image of fixedRecords(o.file, s.images, per)) {
      if (index >= limit) break;
      yield { split, index, id: `${info.flag}/${split}/${index}`, image, labels: labels.slice(index * k, (index + 1) * k) };
      index++;
    }
    if (index < limit) throw new DataError('DATA_BAD_NPZ', `${o.file}: ${split}_images ended after ${index} of ${s.count} images`, { file: o.file });
  }
}

/** Loads a MedMNIST file into memory (images stay uint8). */
export async function readMedmnist(options: MedmnistOptions): Promise<ImageSet> {
  const o = parseLoaderOptions(medmnistOptionsSchema, options, 'medmnist');
  const info = await inspectMedmnist(o.file);
  const first = Object.values(info.splits)[0]!;
  const k = labelWidth(info.task);
  let n = 0;
  for (const split of o.splits) n += Math.min(info.splits[split]?.count ?? 0, o.limit ?? Infinity);
  const per = first.height * first.width * first.channels;
  const images = new Uint8Array(n * per);
  const labels = new Float32Array(n * k);
  const ids: string[] = [];
  const splits: Split[] = [];
  let i = 0;
  for await (const s of streamMedmnist(o)) {
    if (s.image.length !== per) throw new DataError('DATA_BAD_NPZ', `${o.file}: ${s.split} images are not ${first.height}×${first.width}×${first.channels} like the first split`, { file: o.file });
    images.set(s.image, i * per);
    labels.set(s.labels, i * k);
    ids.push(s.id);
    splits.push(s.split);
    i++;
  }
  return {
    name: info.flag,
    height: first.height,
    width: first.width,
    channels: first.channels,
    images,
    task: info.task,
    labels,
    mask: new Uint8Array(n * k).fill(1),
    ids,
    // MedMNIST ships no patient ids; its splits are already patient-disjoint where the source allowed it
    patients: ids.slice(),
    splits,
    meta: { source: path.basename(o.file), format: 'medmnist' },
  };
}

async function readHeader(file: string, m: ZipMember): Promise<NpyHeader> {
  let buf: Uint8Array = new Uint8Array(0);
  for await (const chunk of streamZipMember(file, m)) {
    buf = concat(buf, chunk);
    const h = parseNpyHeader(buf, `${file}:${m.name}`);
    if (h) return h;
    if (buf.length > 1 << 20) break;
  }
  throw new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: .npy header incomplete`, { file, field: m.name });
}

async function readAllLabels(file: string, m: ZipMember): Promise<number[]> {
  const chunks: Uint8Array[] = [];
  for await (const c of streamZipMember(file, m)) chunks.push(c.slice());
  const all = concat(new Uint8Array(0), ...chunks);
  const h = parseNpyHeader(all, `${file}:${m.name}`);
  if (!h) throw new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: .npy header incomplete`, { file, field: m.name });
  const n = h.shape.reduce((a, b) => a * b, 1);
  const body = all.slice(h.headerBytes);
  if (body.length < n * h.itemSize) throw new DataError('DATA_BAD_NPZ', `${file}: ${m.name}: expected ${n} values, file holds ${Math.floor(body.length / h.itemSize)}`, { file, field: m.name });
  return Array.from({ length: n }, (_, i) => readNpyNumber(body, h.dtype, i));
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
      header = parseNpyHeader(pending, `${file}:${m.name}`);
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
 * Streams a MedMNIST file into a sharded Arrow dataset artifact, optionally resized (`size`) with the same
 * preprocessing as other formats. Memory stays at one shard.
 */
export async function importMedmnistToArrow(
  options: MedmnistOptions & { preprocess?: PreprocessOptions; shardSize?: number },
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ rows: number; shards: number }> {
  const { preprocess, shardSize, ...rest } = options;
  const o = parseLoaderOptions(medmnistOptionsSchema, rest, 'medmnist');
  const info = await inspectMedmnist(o.file);
  const first = Object.values(info.splits)[0]!;
  const pre = preprocess ? parsePreprocessOptions(preprocess) : undefined;
  const channels = pre && pre.channels !== 'auto' ? pre.channels : first.channels;
  const size = pre?.size ?? first.height;
  const k = labelWidth(info.task);
  const total = o.splits.reduce((a, s) => a + Math.min(info.splits[s]?.count ?? 0, o.limit ?? Infinity), 0);
  const writer = await createImageSetWriter(file, { name: info.flag, height: size, width: pre ? size : first.width, channels, dtype: 'uint8', task: info.task, meta: { source: path.basename(o.file), format: 'medmnist', ...(pre ? { preprocess: JSON.stringify(pre) } : {}) } }, shardSize ?? 512);
  const n = shardSize ?? 512;
  let buf: SampleRow[] = [];
  let done = 0;
  const template = { name: info.flag, height: size, width: pre ? size : first.width, channels, task: info.task, meta: {} };
  const flush = async (): Promise<void> => {
    if (!buf.length) return;
    await writer.write(packSamples(buf, template));
    done += buf.length;
    onProgress?.(done, total);
    buf = [];
  };
  try {
    for await (const s of streamMedmnist(o)) {
      const sp = info.splits[s.split]!;
      const image = pre ? (await preprocessRaw({ data: s.image, width: sp.width, height: sp.height, channels: sp.channels }, pre)).data : s.image.slice();
      buf.push({ image, labels: s.labels, id: s.id, patient: s.id, split: s.split });
      if (buf.length === n) await flush();
    }
    await flush();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}
