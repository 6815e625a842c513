// Reading some columns of a record batch without the others: the batch's buffers are located from its
// (already validated) header and only the wanted columns' buffers are read. A dataset can so load its labels,
// ids and splits without reading its images, and read single images by byte range.
import * as arrow from 'apache-arrow';
import { ArrowFileError } from './errors.js';
import type { BatchHeader, BufferRegion, NodeInfo } from './ipc-message.js';
import { type FieldInfo, TYPE, fixedBitWidth } from './ipc-schema.js';
import type { ParsedFile } from './parse-file.js';

/** Where a FixedSizeList<fixed-width> column's values lie in the file: row r is `rowBytes` bytes at `offset + r * rowBytes`. */
export interface FixedSizeRegion {
  offset: number;
  rowBytes: number;
  rows: number;
}

interface ColumnSpan {
  field: FieldInfo;
  arrowField: arrow.Field;
  nodes: NodeInfo[];
  buffers: BufferRegion[];
}

/** Field nodes and buffers one column takes in a batch; null for layouts this reader does not walk. */
function counts(f: FieldInfo): { nodes: number; buffers: number } | null {
  if (f.dictionary) return { nodes: 1, buffers: 2 };
  const kids = (own: number): { nodes: number; buffers: number } | null => {
    let nodes = 1;
    let buffers = own;
    for (const c of f.children) {
      const k = counts(c);
      if (!k) return null;
      nodes += k.nodes;
      buffers += k.buffers;
    }
    return { nodes, buffers };
  };
  switch (f.typeId) {
    case TYPE.Null:
      return { nodes: 1, buffers: 0 };
    case TYPE.Binary:
    case TYPE.Utf8:
    case TYPE.LargeBinary:
    case TYPE.LargeUtf8:
      return { nodes: 1, buffers: 3 };
    case TYPE.List:
    case TYPE.LargeList:
    case TYPE.Map:
      return kids(2);
    case TYPE.FixedSizeList:
    case TYPE.Struct:
      return kids(1);
    default:
      return fixedBitWidth(f) === null ? null : { nodes: 1, buffers: 2 };
  }
}

/** The nodes and buffers of column `name` in batch `i`. */
export function columnSpan(parsed: ParsedFile, i: number, name: string, path: string): ColumnSpan {
  const h: BatchHeader | undefined = parsed.batches[i];
  if (!h) throw new ArrowFileError('ARROW_IO', path, `has no record batch ${i} (it has ${parsed.batches.length})`);
  if (h.compressed)
    throw new ArrowFileError(
      'ARROW_UNSUPPORTED',
      path,
      `record batch ${i} is compressed; columns cannot be read alone`,
    );
  let ni = 0;
  let bi = 0;
  for (const [k, f] of parsed.schemaInfo.fields.entries()) {
    const c = counts(f);
    if (!c)
      throw new ArrowFileError(
        'ARROW_UNSUPPORTED',
        path,
        `column '${f.name}' has a layout (type id ${f.typeId}) that cannot be skipped when reading other columns`,
      );
    if (f.name === name) {
      return {
        field: f,
        arrowField: parsed.schema.fields[k]!,
        nodes: h.nodes.slice(ni, ni + c.nodes),
        buffers: h.buffers.slice(bi, bi + c.buffers).map((b) => ({ offset: h.bodyStart + b.offset, length: b.length })),
      };
    }
    ni += c.nodes;
    bi += c.buffers;
  }
  throw new ArrowFileError(
    'ARROW_IO',
    path,
    `has no column '${name}' (columns: ${parsed.schemaInfo.fields.map((f) => f.name).join(', ')})`,
  );
}

/** The values region of a FixedSizeList column of fixed-width, byte-sized items without nulls. */
export function fixedSizeRegion(parsed: ParsedFile, i: number, name: string, path: string): FixedSizeRegion {
  const s = columnSpan(parsed, i, name, path);
  const child = s.field.children[0];
  const bits = child ? fixedBitWidth(child) : null;
  if (s.field.typeId !== TYPE.FixedSizeList || !child || bits === null || bits % 8 !== 0 || child.dictionary) {
    throw new ArrowFileError(
      'ARROW_UNSUPPORTED',
      path,
      `column '${name}' is ${String(s.arrowField.type)}, expected a FixedSizeList of fixed-width values`,
    );
  }
  const [list, items] = s.nodes as [NodeInfo, NodeInfo];
  if (list.nullCount > 0 || items.nullCount > 0)
    throw new ArrowFileError('ARROW_UNSUPPORTED', path, `column '${name}' of record batch ${i} holds nulls`);
  const size = s.field.params[0] as number;
  const values = s.buffers[2]!; // [list validity, item validity, item values]
  const rowBytes = (size * bits) / 8;
  if (values.length < rowBytes * list.length) {
    throw new ArrowFileError(
      'ARROW_DAMAGED',
      path,
      `record batch ${i}: column '${name}' values buffer has ${values.length} bytes, needs ${rowBytes * list.length}`,
    );
  }
  return { offset: values.offset, rowBytes, rows: list.length };
}

type Read = (offset: number, length: number) => Promise<Uint8Array>;

/** Decodes one column of one batch, reading only its buffers (fixed-width, Utf8/Binary and FixedSizeList of them). */
export async function readColumn(
  parsed: ParsedFile,
  i: number,
  name: string,
  path: string,
  read: Read,
): Promise<arrow.Vector> {
  const s = columnSpan(parsed, i, name, path);
  let ni = 0;
  let bi = 0;
  const bytes = async (b: BufferRegion): Promise<Uint8Array> =>
    b.length > 0 ? read(b.offset, b.length) : new Uint8Array(0);
  const build = async (f: FieldInfo, type: arrow.DataType): Promise<arrow.Data> => {
    const node = s.nodes[ni++]!;
    const nullBitmap = await bytes(s.buffers[bi++]!);
    const common = {
      type,
      length: node.length,
      nullCount: node.nullCount,
      ...(node.nullCount > 0 ? { nullBitmap } : {}),
    };
    if (f.dictionary)
      throw new ArrowFileError(
        'ARROW_UNSUPPORTED',
        path,
        `column '${name}' is dictionary-encoded; read the batch whole`,
      );
    if (f.typeId === TYPE.Utf8 || f.typeId === TYPE.Binary) {
      const offsets = await bytes(s.buffers[bi++]!);
      const data = await bytes(s.buffers[bi++]!);
      const valueOffsets = new Int32Array(offsets.buffer, offsets.byteOffset, node.length + 1);
      // apache-arrow's makeData overloads are per type; the common props fit both Utf8 and Binary
      return arrow.makeData({ ...common, type: type as arrow.Utf8, valueOffsets, data });
    }
    if (f.typeId === TYPE.FixedSizeList) {
      const fsl = type as arrow.FixedSizeList;
      const child = await build(f.children[0]!, fsl.children[0]!.type);
      return arrow.makeData({ ...common, type: fsl, child });
    }
    const bits = fixedBitWidth(f);
    if (bits === null || bits % 8 !== 0 || f.typeId === TYPE.Bool) {
      throw new ArrowFileError(
        'ARROW_UNSUPPORTED',
        path,
        `column '${name}' has type ${String(type)}, which cannot be read alone`,
      );
    }
    const raw = await bytes(s.buffers[bi++]!);
    const Ctor = (type as arrow.Int | arrow.Float).ArrayType as unknown as new (
      b: ArrayBufferLike,
      o: number,
      n: number,
    ) => ArrayLike<number>;
    const per = bits / 8;
    const stride = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const data = new Ctor(raw.buffer, raw.byteOffset, (node.length * per) / stride);
    // as above: one generic call for every fixed-width type
    return arrow.makeData({ ...common, type: type as arrow.Float32, data: data as Float32Array });
  };
  const data = await build(s.field, s.arrowField.type as arrow.DataType);
  return arrow.makeVector(data);
}
