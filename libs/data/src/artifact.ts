import * as arrow from 'apache-arrow';
import {
  createBatchWriter,
  fixedSizeListValues,
  inspectArrowFile,
  openArrowFile,
  type BatchWriter,
} from '@transfusion/arrow-io';
import { DataError, formatZodIssues } from './errors.js';
import {
  concatImageSets,
  DATASET_FORMAT,
  labelSpecSchema,
  labelWidth,
  sliceImageSet,
  SPLITS,
  validateImageSet,
  type ImageSet,
  type LabelSpec,
  type Split,
} from './image-set.js';

/**
 * Dataset artifact layout (one Arrow IPC file, one record batch per shard of `shardSize` rows, so a set of
 * any size streams batch by batch and each batch can be read alone):
 *
 * | column | type |
 * |---|---|
 * | image | FixedSizeList<Uint8 or Float32>[H·W·C], NHWC |
 * | label | FixedSizeList<Float32>[K] |
 * | mask | FixedSizeList<Uint8>[K] (1 = label counts) |
 * | id, patient, split | Utf8 |
 *
 * Schema metadata: transfusion.dataset = "image-set/1", transfusion.shape = [H,W,C], transfusion.layout = NHWC,
 * transfusion.dtype, transfusion.task (JSON LabelSpec), transfusion.name, transfusion.meta (JSON).
 * (DATASET_FORMAT itself is in image-set.ts, so the light schemas entry can name it without Arrow.)
 */

export interface ImageSetHeader {
  name: string;
  height: number;
  width: number;
  channels: number;
  dtype: 'uint8' | 'float32';
  task: LabelSpec;
  meta: Record<string, string>;
}

export function imageSetSchema(h: ImageSetHeader): arrow.Schema {
  const d = h.height * h.width * h.channels;
  const k = labelWidth(h.task);
  const pixel = h.dtype === 'uint8' ? new arrow.Uint8() : new arrow.Float32();
  const metadata = new Map<string, string>([
    ['transfusion.kind', 'table'],
    ['transfusion.dataset', DATASET_FORMAT],
    ['transfusion.shape', JSON.stringify([h.height, h.width, h.channels])],
    ['transfusion.layout', 'NHWC'],
    ['transfusion.dtype', h.dtype],
    ['transfusion.task', JSON.stringify(h.task)],
    ['transfusion.name', h.name],
    ['transfusion.meta', JSON.stringify(h.meta)],
  ]);
  return new arrow.Schema(
    [
      new arrow.Field('image', new arrow.FixedSizeList(d, new arrow.Field('item', pixel, false)), false),
      new arrow.Field('label', new arrow.FixedSizeList(k, new arrow.Field('item', new arrow.Float32(), false)), false),
      new arrow.Field('mask', new arrow.FixedSizeList(k, new arrow.Field('item', new arrow.Uint8(), false)), false),
      new arrow.Field('id', new arrow.Utf8(), false),
      new arrow.Field('patient', new arrow.Utf8(), false),
      new arrow.Field('split', new arrow.Utf8(), false),
    ],
    metadata,
  );
}

/** Builds one record batch from a chunk of rows of an in-memory set (zero-copy for the tensor columns). */
export function imageSetBatch(schema: arrow.Schema, set: ImageSet): arrow.RecordBatch {
  const n = set.ids.length;
  const fsl = (field: arrow.Field, values: Uint8Array | Float32Array): arrow.Data => {
    const type = field.type as arrow.FixedSizeList;
    const child =
      values instanceof Uint8Array
        ? arrow.makeData({ type: new arrow.Uint8(), length: values.length, data: values })
        : arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values });
    return arrow.makeData({ type, length: n, nullCount: 0, child });
  };
  const utf8 = (values: string[]): arrow.Data => arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
  const [image, label, mask] = schema.fields;
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: n,
    nullCount: 0,
    children: [
      fsl(image!, set.images),
      fsl(label!, set.labels),
      fsl(mask!, set.mask),
      utf8(set.ids),
      utf8(set.patients),
      utf8(set.splits),
    ],
  });
  return new arrow.RecordBatch(schema, data);
}

/** Appends rows shard by shard; `close()` finalises the file atomically, `abort()` leaves no file. */
export interface ImageSetWriter {
  /** Adds rows (any count); full shards are written as they fill. */
  write(rows: ImageSet): Promise<void>;
  close(): Promise<{ rows: number; shards: number }>;
  abort(): Promise<void>;
}

export async function createImageSetWriter(
  path: string,
  header: ImageSetHeader,
  shardSize = 512,
): Promise<ImageSetWriter> {
  const schema = imageSetSchema(header);
  const writer: BatchWriter = await createBatchWriter(path, schema);
  let pending: ImageSet[] = [];
  let pendingRows = 0;
  let rows = 0;
  let shards = 0;
  const flush = async (force: boolean): Promise<void> => {
    while (pendingRows >= shardSize || (force && pendingRows > 0)) {
      const all = concatImageSets(pending, emptyLike(header));
      const take = Math.min(shardSize, pendingRows);
      await writer.write(imageSetBatch(schema, sliceImageSet(all, 0, take)));
      shards++;
      rows += take;
      const rest = sliceImageSet(all, take, pendingRows);
      pending = rest.ids.length ? [rest] : [];
      pendingRows = rest.ids.length;
    }
  };
  return {
    async write(part) {
      if (part.height !== header.height || part.width !== header.width || part.channels !== header.channels) {
        await writer.abort();
        throw new DataError(
          'DATA_BAD_SET',
          `${path}: rows are ${part.height}×${part.width}×${part.channels}, the file holds ${header.height}×${header.width}×${header.channels}`,
          { file: path },
        );
      }
      if (part.images instanceof Uint8Array !== (header.dtype === 'uint8')) {
        await writer.abort();
        throw new DataError(
          'DATA_BAD_SET',
          `${path}: rows have ${part.images instanceof Uint8Array ? 'uint8' : 'float32'} images, the file holds ${header.dtype}`,
          { file: path },
        );
      }
      validateImageSet(part);
      pending.push(part);
      pendingRows += part.ids.length;
      try {
        await flush(false);
      } catch (e) {
        await writer.abort();
        throw e;
      }
    },
    async close() {
      try {
        await flush(true);
      } catch (e) {
        await writer.abort();
        throw e;
      }
      await writer.close();
      return { rows, shards };
    },
    abort: () => writer.abort(),
  };
}

/** Writes a whole in-memory set. */
export async function writeImageSet(
  path: string,
  set: ImageSet,
  shardSize = 512,
): Promise<{ rows: number; shards: number }> {
  validateImageSet(set);
  const w = await createImageSetWriter(path, headerOf(set), shardSize);
  await w.write(set);
  return w.close();
}

export function headerOf(set: ImageSet): ImageSetHeader {
  return {
    name: set.name,
    height: set.height,
    width: set.width,
    channels: set.channels,
    dtype: set.images instanceof Uint8Array ? 'uint8' : 'float32',
    task: set.task,
    meta: set.meta,
  };
}

/** Reads the header (schema metadata) of a dataset artifact; throws DATA_BAD_SET if it is not one. */
export function parseHeader(schema: arrow.Schema, file: string): ImageSetHeader {
  const m = schema.metadata;
  const bad = (msg: string): never => {
    throw new DataError('DATA_BAD_SET', `${file}: not a dataset artifact (${msg})`, { file });
  };
  if (m.get('transfusion.dataset') !== DATASET_FORMAT)
    bad(`transfusion.dataset is ${JSON.stringify(m.get('transfusion.dataset') ?? null)}, expected "${DATASET_FORMAT}"`);
  try {
    const [height, width, channels] = JSON.parse(m.get('transfusion.shape') ?? 'null') as number[];
    const dtype = m.get('transfusion.dtype');
    if (dtype !== 'uint8' && dtype !== 'float32') return bad(`transfusion.dtype ${dtype}`);
    const task = labelSpecSchema.safeParse(JSON.parse(m.get('transfusion.task') ?? 'null'));
    if (!task.success) return bad(`transfusion.task: ${formatZodIssues(task.error.issues)}`);
    return {
      name: m.get('transfusion.name') ?? '',
      height: height!,
      width: width!,
      channels: channels!,
      dtype,
      task: task.data,
      meta: JSON.parse(m.get('transfusion.meta') ?? '{}') as Record<string, string>,
    };
  } catch (e) {
    if (e instanceof DataError) throw e;
    return bad(`metadata is not valid JSON: ${(e as Error).message}`);
  }
}

/** The header of a dataset artifact, reading only the file's structure (not its rows). */
export async function readImageSetHeader(path: string): Promise<ImageSetHeader & { rows: number }> {
  const info = await inspectArrowFile(path);
  return { ...parseHeader(info.schema, path), rows: info.numRows };
}

/** Converts one record batch back to an in-memory set (copies the tensor columns out of the file buffer). */
export function batchToImageSet(batch: arrow.RecordBatch, header: ImageSetHeader): ImageSet {
  const values = (name: string): Uint8Array | Float32Array =>
    fixedSizeListValues(batch.getChild(name)!, 'dataset artifact', name).values.slice() as Uint8Array | Float32Array;
  const strings = (name: string): string[] => batch.getChild(name)!.toArray() as string[];
  const splits = strings('split');
  for (const s of splits)
    if (!SPLITS.includes(s as Split))
      throw new DataError('DATA_BAD_SET', `dataset artifact: split value "${s}" is not train/val/test`);
  return {
    name: header.name,
    height: header.height,
    width: header.width,
    channels: header.channels,
    images: values('image'),
    task: header.task,
    labels: values('label') as Float32Array,
    mask: values('mask') as Uint8Array,
    ids: strings('id'),
    patients: strings('patient'),
    splits: splits as Split[],
    meta: header.meta,
  };
}

/** Streams a dataset artifact shard by shard (never loads the whole file). */
export async function* streamImageSet(path: string): AsyncGenerator<ImageSet> {
  const f = await openArrowFile(path);
  try {
    const header = parseHeader(f.info.schema, path);
    for (let i = 0; i < f.info.numBatches; i++) yield batchToImageSet(await f.batch(i), header);
  } finally {
    await f.close();
  }
}

/** Loads a dataset artifact into memory, optionally keeping only some splits. */
export async function readImageSet(path: string, options: { splits?: readonly Split[] } = {}): Promise<ImageSet> {
  const f = await openArrowFile(path);
  let header: ImageSetHeader;
  const parts: ImageSet[] = [];
  try {
    header = parseHeader(f.info.schema, path);
    for (let i = 0; i < f.info.numBatches; i++) {
      let part = batchToImageSet(await f.batch(i), header);
      if (options.splits) {
        const keep: number[] = [];
        part.splits.forEach((s, j) => options.splits!.includes(s) && keep.push(j));
        if (keep.length !== part.ids.length) part = pick(part, keep);
      }
      parts.push(part);
    }
  } finally {
    await f.close();
  }
  return parts.length === 0 ? emptyLike(header) : concatImageSets(parts, emptyLike(header));
}

function pick(set: ImageSet, rows: number[]): ImageSet {
  return concatImageSets(
    rows.map((r) => sliceImageSet(set, r, r + 1)),
    set,
  );
}

/** An empty set carrying a header, used as the template for concatenation. */
function emptyLike(h: ImageSetHeader): ImageSet {
  return {
    name: h.name,
    height: h.height,
    width: h.width,
    channels: h.channels,
    images: h.dtype === 'uint8' ? new Uint8Array(0) : new Float32Array(0),
    task: h.task,
    labels: new Float32Array(0),
    mask: new Uint8Array(0),
    ids: [],
    patients: [],
    splits: [],
    meta: h.meta,
  };
}
