import { type DType, bytesPerElement, flatTypeOf, isDType } from './dtype.js';
import { FormatProblem } from './errors.js';
import type { FieldInfo } from './ipc-schema.js';
import { DTYPE_KEY, SHAPE_KEY, parseShape } from './metadata.js';
import type { ParsedFile } from './parse-file.js';

/** A contiguous run of tensor elements inside the file: absolute byte offset and length. */
export interface Segment {
  offset: number;
  bytes: number;
}

export interface TensorLayout {
  dtype: DType;
  shape: number[];
  size: number;
  /** Where the elements lie, in order (one per record batch, or one per tensor of a collection). */
  segments: Segment[];
}

const bad = (msg: string): FormatProblem => new FormatProblem('ARROW_BAD_TENSOR', msg);

/** dtype + shape from a metadata record, checked against the column type. */
export function dtypeAndShape(
  meta: Record<string, string>,
  field: FieldInfo,
  where: string,
): { dtype: DType; shape: number[]; size: number } {
  const dtype = meta[DTYPE_KEY];
  if (!isDType(dtype))
    throw new FormatProblem(
      'ARROW_BAD_METADATA',
      `${where}: metadata ${DTYPE_KEY} is ${JSON.stringify(dtype)}, expected a dtype such as "float32"`,
    );
  const shape = parseShape(meta[SHAPE_KEY]);
  if (!shape)
    throw new FormatProblem(
      'ARROW_BAD_METADATA',
      `${where}: metadata ${SHAPE_KEY} is ${JSON.stringify(meta[SHAPE_KEY])}, expected a JSON array of non-negative integers`,
    );
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size)) throw bad(`${where}: shape [${shape.join(', ')}] is too large`);
  const want = flatTypeOf(dtype);
  if (
    field.dictionary ||
    field.typeId !== want.typeId ||
    JSON.stringify(field.params) !== JSON.stringify(want.params)
  ) {
    throw bad(`${where}: column type does not match dtype ${dtype}`);
  }
  return { dtype, shape, size };
}

/** A tensor file: one non-null primitive column `data`, split over any number of record batches. */
export function tensorLayout(p: ParsedFile): TensorLayout {
  const fields = p.schemaInfo.fields;
  if (fields.length !== 1 || fields[0]!.name !== 'data') {
    throw bad(
      `expected exactly one column "data", found ${fields.map((f) => JSON.stringify(f.name)).join(', ') || 'none'}`,
    );
  }
  const { dtype, shape, size } = dtypeAndShape(p.metadata, fields[0]!, 'tensor');
  const width = bytesPerElement(dtype);
  const segments: Segment[] = [];
  p.batches.forEach((b, i) => {
    const node = b.nodes[0]!;
    if (node.nullCount !== 0) throw bad(`record batch ${i} has ${node.nullCount} nulls; tensors cannot hold nulls`);
    if (b.compressed)
      throw new FormatProblem(
        'ARROW_UNSUPPORTED',
        `record batch ${i} is compressed; tensor files must be uncompressed`,
      );
    if (node.length > 0) segments.push({ offset: b.bodyStart + b.buffers[1]!.offset, bytes: node.length * width });
  });
  if (p.numRows !== size) throw bad(`holds ${p.numRows} elements but shape [${shape.join(', ')}] needs ${size}`);
  return { dtype, shape, size, segments };
}
