import * as arrow from 'apache-arrow';
import { writeFileAtomic } from './atomic-write.js';
import { arrowTypeOf, bytesPerElement, primitiveData, typedArrayCtor } from './dtype.js';
import { ArrowArgumentError, asArrowFileError } from './errors.js';
import { IN_MEMORY, expectKind, parseArrowBytes } from './inspect.js';
import { withSource } from './file-source.js';
import { DTYPE_KEY, SHAPE_KEY, checkUserMeta, toMetaMap } from './metadata.js';
import { KIND_KEY } from './parse-file.js';
import { encodeFileChunks, joinChunks } from './spec-file-writer.js';
import { type Tensor, checkTensor } from './tensor.js';
import { type Segment, tensorLayout } from './tensor-layout.js';

export interface TensorWriteOptions {
  /**
   * Elements per record batch (default: 256 MiB worth). Big tensors are split so that no batch exceeds
   * 2^31 elements (a limit of several Arrow implementations) and can be streamed batch by batch.
   */
  batchElements?: number;
}

const DEFAULT_BATCH_BYTES = 256 * 1024 * 1024;

function tensorBatches(
  t: Tensor,
  meta: Record<string, string>,
  options: TensorWriteOptions,
): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const type = arrowTypeOf(t.dtype);
  const schema = new arrow.Schema(
    [new arrow.Field('data', type, false)],
    toMetaMap({ ...meta, [KIND_KEY]: 'tensor', [DTYPE_KEY]: t.dtype, [SHAPE_KEY]: JSON.stringify(t.shape) }),
  );
  const per = options.batchElements ?? Math.floor(DEFAULT_BATCH_BYTES / bytesPerElement(t.dtype));
  if (!Number.isSafeInteger(per) || per < 1 || per > 2 ** 31 - 1) {
    throw new ArrowArgumentError('options.batchElements', `expected an integer in [1, 2^31-1], got ${String(per)}`);
  }
  const batches: arrow.RecordBatch[] = [];
  const n = t.data.length;
  for (let start = 0; start < n || batches.length === 0; start += per) {
    const slice = t.data.subarray(start, Math.min(n, start + per));
    const column = primitiveData(t.dtype, slice);
    const struct = arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: slice.length,
      nullCount: 0,
      children: [column],
    });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return { schema, batches };
}

function tensorChunks(t: Tensor, meta: Record<string, string> | undefined, options: TensorWriteOptions): Uint8Array[] {
  checkTensor(t);
  const { schema, batches } = tensorBatches(t, checkUserMeta(meta), options);
  return encodeFileChunks(schema, batches);
}

/** Encodes a tensor as an Arrow IPC file: column `data` + metadata transfusion.kind/dtype/shape. */
export function encodeTensor(t: Tensor, meta?: Record<string, string>, options: TensorWriteOptions = {}): Uint8Array {
  return joinChunks(tensorChunks(t, meta, options));
}

/**
 * Decodes a tensor file. When the elements sit in one record batch and are aligned for the dtype, the
 * returned `data` is a view into `bytes` (zero-copy); otherwise they are copied into a new array.
 */
export function decodeTensor(bytes: Uint8Array, source?: string): Tensor {
  const p = parseArrowBytes(bytes, source);
  const file = source ?? IN_MEMORY;
  try {
    expectKind(p, 'tensor', file);
    const { dtype, shape, size, segments } = tensorLayout(p);
    const Ctor = typedArrayCtor(dtype);
    const bpe = Ctor.BYTES_PER_ELEMENT;
    const only = segments.length === 1 ? segments[0]! : null;
    if (only && (bytes.byteOffset + only.offset) % bpe === 0) {
      return { dtype, shape, data: new Ctor(bytes.buffer, bytes.byteOffset + only.offset, size) };
    }
    const data = new Ctor(size);
    copySegments(bytes, segments, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return { dtype, shape, data };
  } catch (err) {
    throw asArrowFileError(err, file);
  }
}

function copySegments(bytes: Uint8Array, segments: Segment[], out: Uint8Array): void {
  let pos = 0;
  for (const s of segments) {
    out.set(bytes.subarray(s.offset, s.offset + s.bytes), pos);
    pos += s.bytes;
  }
}

/** Writes a tensor file atomically (temp file + fsync + rename). */
export async function writeTensor(
  path: string,
  t: Tensor,
  meta?: Record<string, string>,
  options?: TensorWriteOptions,
): Promise<void> {
  // Written chunk by chunk straight from the tensor's memory: no second copy of a big tensor.
  await writeFileAtomic(path, tensorChunks(t, meta, options ?? {}));
}

/**
 * Reads a tensor file straight into one typed array, batch by batch from the file handle (the file is
 * never loaded as a whole, so tensors over Node's 4 GiB Buffer limit work as long as the array fits).
 */
export async function readTensor(path: string): Promise<Tensor> {
  return withSource(path, async (src) => {
    const p = await src.parse();
    expectKind(p, 'tensor', path);
    const { dtype, shape, size, segments } = tensorLayout(p);
    const data = new (typedArrayCtor(dtype))(size);
    let pos = 0;
    for (const s of segments) {
      await src.readAt(s.offset, s.bytes, new Uint8Array(data.buffer, pos, s.bytes));
      pos += s.bytes;
    }
    return { dtype, shape, data };
  });
}
