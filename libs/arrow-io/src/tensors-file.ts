import * as arrow from 'apache-arrow';
import { writeFileAtomic } from './atomic-write.js';
import { arrowTypeOf, bytesPerElement, primitiveData, typedArrayCtor } from './dtype.js';
import { ArrowArgumentError, FormatProblem, asArrowFileError } from './errors.js';
import { withSource } from './file-source.js';
import { IN_MEMORY, expectKind, parseArrowBytes } from './inspect.js';
import { DTYPE_KEY, SHAPE_KEY, checkUserMeta, toMetaMap } from './metadata.js';
import { KIND_KEY, type ParsedFile } from './parse-file.js';
import { encodeFileChunks, joinChunks } from './spec-file-writer.js';
import { type Tensor, checkTensor } from './tensor.js';
import { type TensorLayout, dtypeAndShape } from './tensor-layout.js';

/**
 * Layout of a named collection (model weights): one record batch with one row; each tensor is a column
 * named after it, of type FixedSizeList<item: dtype>[size], with field metadata transfusion.dtype/shape.
 * Names are stored verbatim (any UTF-8, e.g. "conv2d_1/kernel:0"); a tensor may hold up to 2^31-1 elements.
 */
function collectionBatch(
  ts: Record<string, Tensor>,
  meta: Record<string, string>,
): { schema: arrow.Schema; batch: arrow.RecordBatch } {
  if (ts === null || typeof ts !== 'object' || Array.isArray(ts))
    throw new ArrowArgumentError('tensors', 'expected a record of name -> tensor');
  const fields: arrow.Field[] = [];
  const columns: arrow.Data[] = [];
  for (const [name, t] of Object.entries(ts)) {
    checkTensor(t, `tensors[${JSON.stringify(name)}]`);
    if (t.data.length > 2 ** 31 - 1)
      throw new ArrowArgumentError(
        `tensors[${JSON.stringify(name)}]`,
        'has more than 2^31-1 elements; write it with writeTensor instead',
      );
    const valueType = arrowTypeOf(t.dtype);
    const type = new arrow.FixedSizeList(t.data.length, new arrow.Field('item', valueType, false));
    fields.push(
      new arrow.Field(
        name,
        type,
        false,
        new Map([
          [DTYPE_KEY, t.dtype],
          [SHAPE_KEY, JSON.stringify(t.shape)],
        ]),
      ),
    );
    const child = primitiveData(t.dtype, t.data);
    // Cast for makeData's per-type overloads (see primitiveData).
    columns.push(
      arrow.makeData({
        type: type as arrow.FixedSizeList<arrow.Float32>,
        length: 1,
        nullCount: 0,
        child: child as arrow.Data<arrow.Float32>,
      }),
    );
  }
  const schema = new arrow.Schema(fields, toMetaMap({ ...meta, [KIND_KEY]: 'tensors' }));
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: 1, nullCount: 0, children: columns });
  return { schema, batch: new arrow.RecordBatch(schema, struct) };
}

function collectionChunks(ts: Record<string, Tensor>, meta: Record<string, string> | undefined): Uint8Array[] {
  const { schema, batch } = collectionBatch(ts, checkUserMeta(meta));
  return encodeFileChunks(schema, [batch]);
}

export function encodeTensors(ts: Record<string, Tensor>, meta?: Record<string, string>): Uint8Array {
  return joinChunks(collectionChunks(ts, meta));
}

/** Where each tensor of a collection lies in the file, after checking the layout described above. */
function collectionLayout(p: ParsedFile): Map<string, TensorLayout> {
  const bad = (msg: string): FormatProblem => new FormatProblem('ARROW_BAD_TENSOR', msg);
  if (p.batches.length !== 1 || p.batches[0]!.length !== 1) {
    throw bad(
      `a tensor collection has one record batch of one row; found ${p.batches.length} batches and ${p.numRows} rows`,
    );
  }
  const b = p.batches[0]!;
  if (b.compressed)
    throw new FormatProblem('ARROW_UNSUPPORTED', 'the record batch is compressed; tensor files must be uncompressed');
  const out = new Map<string, TensorLayout>();
  p.schemaInfo.fields.forEach((f, i) => {
    const where = `tensor ${JSON.stringify(f.name)}`;
    if (out.has(f.name)) throw bad(`${where} appears twice`);
    const item = f.children[0];
    if (f.typeId !== 16 || f.dictionary || f.children.length !== 1 || !item)
      throw bad(`${where}: expected a FixedSizeList column`);
    const { dtype, shape, size } = dtypeAndShape(Object.fromEntries(f.metadata), item, where);
    if (f.params[0] !== size)
      throw bad(`${where}: list size ${String(f.params[0])} does not match shape [${shape.join(', ')}]`);
    // Each column contributes 2 nodes (list, item) and 3 buffers (list validity, item validity, values).
    const list = b.nodes[2 * i]!;
    const values = b.nodes[2 * i + 1]!;
    if (list.nullCount !== 0 || values.nullCount !== 0) throw bad(`${where} contains nulls`);
    out.set(f.name, {
      dtype,
      shape,
      size,
      segments: [{ offset: b.bodyStart + b.buffers[3 * i + 2]!.offset, bytes: size * bytesPerElement(dtype) }],
    });
  });
  return out;
}

/** Sets a property even for names such as "__proto__". */
function put(out: Record<string, Tensor>, name: string, t: Tensor): void {
  Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
}

/** Decodes a collection; each tensor's data is a view into `bytes` when aligned for its dtype. */
export function decodeTensors(bytes: Uint8Array, source?: string): Record<string, Tensor> {
  const p = parseArrowBytes(bytes, source);
  const file = source ?? IN_MEMORY;
  try {
    expectKind(p, 'tensors', file);
    const out: Record<string, Tensor> = {};
    for (const [name, { dtype, shape, size, segments }] of collectionLayout(p)) {
      const Ctor = typedArrayCtor(dtype);
      const s = segments[0]!;
      const at = bytes.byteOffset + s.offset;
      const data =
        at % Ctor.BYTES_PER_ELEMENT === 0
          ? new Ctor(bytes.buffer, at, size)
          : new Ctor(bytes.slice(s.offset, s.offset + s.bytes).buffer, 0, size);
      put(out, name, { dtype, shape, data });
    }
    return out;
  } catch (err) {
    throw asArrowFileError(err, file);
  }
}

export async function writeTensors(
  path: string,
  ts: Record<string, Tensor>,
  meta?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, collectionChunks(ts, meta));
}

/** Reads a collection from the file handle, each tensor straight into its own typed array. */
export async function readTensors(path: string): Promise<Record<string, Tensor>> {
  return withSource(path, async (src) => {
    const p = await src.parse();
    expectKind(p, 'tensors', path);
    const out: Record<string, Tensor> = {};
    for (const [name, { dtype, shape, size, segments }] of collectionLayout(p)) {
      const data = new (typedArrayCtor(dtype))(size);
      const s = segments[0]!;
      await src.readAt(s.offset, s.bytes, new Uint8Array(data.buffer, 0, s.bytes));
      put(out, name, { dtype, shape, data });
    }
    return out;
  });
}
