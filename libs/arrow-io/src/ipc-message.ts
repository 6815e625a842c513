import { FormatProblem } from './errors.js';
import { FlatBuf, type FbTable } from './flatbuf.js';
import { type FieldInfo, type SchemaInfo, TYPE, fixedBitWidth } from './ipc-schema.js';

/** A footer Block: where one message (metadata + body) sits in the file. */
export interface BlockInfo {
  offset: number;
  /** Length of the framed metadata: continuation + length prefix + flatbuffer + padding. */
  metaDataLength: number;
  bodyLength: number;
}

export interface BufferRegion {
  /** Relative to the start of the message body. */
  offset: number;
  length: number;
}

export interface NodeInfo {
  length: number;
  nullCount: number;
}

/** A validated record batch or dictionary batch header. */
export interface BatchHeader {
  block: BlockInfo;
  /** Absolute file position of the body. */
  bodyStart: number;
  length: number;
  nodes: NodeInfo[];
  buffers: BufferRegion[];
  compressed: boolean;
  /** Extra data-buffer counts of BinaryView/Utf8View columns, in schema order. */
  variadicCounts: number[];
  /** Dictionary batches only. */
  dictionaryId?: number;
  /** Checks that need a few bytes of the body; run by parse-file.ts (see BodyCheck). */
  bodyChecks: BodyCheck[];
}

/**
 * Header fields that can only be verified against a few body bytes: the last offset of a variable-size
 * column must not point past its data (`width` bytes at `at`), and a validity bitmap must have exactly
 * `nullCount` zero bits among its first `length` (ceil(length/8) bytes at `at`). Without these, a flipped
 * buffer length or null count would silently truncate strings or turn nulls into values.
 */
export type BodyCheck =
  | { kind: 'offset'; at: number; width: 4 | 8; limit: number; what: string }
  | { kind: 'validity'; at: number; length: number; nullCount: number; what: string };

export const MESSAGE = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;
const CONTINUATION = 0xffffffff;

/** Size of the framing before the flatbuffer (8 = continuation + length, 4 = pre-0.15 legacy) and its length; null for EOS. */
export function messageFraming(head: Uint8Array, what: string): { prefix: number; metaLength: number } | null {
  const fb = new FlatBuf(head, what);
  const first = fb.u32(0);
  if (first === CONTINUATION) {
    const len = fb.i32(4);
    if (len === 0) return null;
    if (len < 0) fb.fail(`negative metadata length ${len}`);
    return { prefix: 8, metaLength: len };
  }
  if (first === 0) return null;
  if (first > 0x7fffffff) fb.fail(`bad message length prefix 0x${first.toString(16)}`);
  return { prefix: 4, metaLength: first };
}

export interface ParsedMessage {
  version: number;
  headerType: number;
  header: FbTable | null;
  bodyLength: number;
}

export function parseMessage(metadata: Uint8Array, what: string): ParsedMessage {
  const m = new FlatBuf(metadata, what).root();
  const version = m.i16(0);
  // V4 (3) and V5 (4) are the versions written since Arrow 0.15; V5 only differs for unions.
  if (version < 3 || version > 4) m.buf.fail(`unsupported metadata version ${version}`);
  const headerType = m.u8(1);
  if (headerType < 1 || headerType > 5) m.buf.fail(`unknown message type ${headerType}`);
  return { version, headerType, header: m.table(2, 'header'), bodyLength: m.i64(3) };
}

/**
 * Validates the message a footer block points to: framing, that the block and message agree on lengths,
 * the message type, and the buffer layout against the schema. `bytes` are the block's metaDataLength bytes.
 */
export function parseBatchAt(
  bytes: Uint8Array,
  block: BlockInfo,
  schema: SchemaInfo,
  expectType: typeof MESSAGE.RecordBatch | typeof MESSAGE.DictionaryBatch,
): BatchHeader {
  const what = `${expectType === MESSAGE.RecordBatch ? 'record batch' : 'dictionary batch'} at offset ${block.offset}`;
  const framing = messageFraming(bytes, what);
  if (!framing) throw new FormatProblem('ARROW_DAMAGED', `${what}: footer points at an end-of-stream marker`);
  if (framing.prefix + framing.metaLength !== block.metaDataLength) {
    throw new FormatProblem(
      'ARROW_DAMAGED',
      `${what}: message metadata length ${framing.metaLength} disagrees with the footer's ${block.metaDataLength}`,
    );
  }
  const msg = parseMessage(bytes.subarray(framing.prefix, block.metaDataLength), what);
  const fail = (reason: string): never => {
    throw new FormatProblem('ARROW_DAMAGED', `${what}: ${reason}`);
  };
  if (msg.headerType !== expectType) fail(`expected message type ${expectType}, found ${msg.headerType}`);
  if (msg.bodyLength !== block.bodyLength)
    fail(`body length ${msg.bodyLength} disagrees with the footer's ${block.bodyLength}`);
  if (!msg.header) return fail('message has no header');
  let rb: FbTable | null = msg.header;
  let fields = schema.fields;
  let dictionaryId: number | undefined;
  if (expectType === MESSAGE.DictionaryBatch) {
    dictionaryId = msg.header.i64(0);
    const owner = findDictionaryField(schema.fields, dictionaryId);
    if (!owner) return fail(`dictionary id ${dictionaryId} is not used by any schema field`);
    fields = [{ ...owner, dictionary: null }];
    rb = msg.header.table(1, 'data');
    if (!rb) return fail('dictionary batch has no data');
  }
  const header = readRecordBatch(rb, block);
  checkLayout(fields, header, what);
  return dictionaryId === undefined ? header : { ...header, dictionaryId };
}

function findDictionaryField(fields: FieldInfo[], id: number): FieldInfo | undefined {
  for (const f of fields) {
    if (f.dictionary?.id === id) return f;
    const inner = findDictionaryField(f.children, id);
    if (inner) return inner;
  }
  return undefined;
}

function readRecordBatch(rb: FbTable, block: BlockInfo): BatchHeader {
  const fb = rb.buf;
  const length = rb.i64(0);
  if (length < 0) fb.fail(`negative row count ${length}`);
  const n = rb.vector(1, 16, 'nodes');
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < n.length; i++)
    nodes.push({ length: fb.i64(n.start + i * 16), nullCount: fb.i64(n.start + i * 16 + 8) });
  const b = rb.vector(2, 16, 'buffers');
  const buffers: BufferRegion[] = [];
  for (let i = 0; i < b.length; i++) {
    const offset = fb.i64(b.start + i * 16);
    const len = fb.i64(b.start + i * 16 + 8);
    if (offset < 0 || len < 0 || offset + len > block.bodyLength) {
      fb.fail(`buffer ${i} (offset ${offset}, length ${len}) lies outside the ${block.bodyLength}-byte body`);
    }
    buffers.push({ offset, length: len });
  }
  checkNoOverlap(buffers, fb);
  const compressed = rb.has(3);
  const v = rb.vector(4, 8, 'variadicBufferCounts');
  const variadicCounts: number[] = [];
  for (let i = 0; i < v.length; i++) variadicCounts.push(fb.i64(v.start + i * 8));
  return {
    block,
    bodyStart: block.offset + block.metaDataLength,
    length,
    nodes,
    buffers,
    compressed,
    variadicCounts,
    bodyChecks: [],
  };
}

function checkNoOverlap(buffers: BufferRegion[], fb: FlatBuf): void {
  const nonEmpty = buffers
    .map((b, i) => ({ ...b, i }))
    .filter((b) => b.length > 0)
    .sort((x, y) => x.offset - y.offset);
  for (let k = 1; k < nonEmpty.length; k++) {
    const prev = nonEmpty[k - 1]!;
    const cur = nonEmpty[k]!;
    if (cur.offset < prev.offset + prev.length) fb.fail(`buffers ${prev.i} and ${cur.i} overlap`);
  }
}

/**
 * Walks the schema depth-first as the IPC format lays out field nodes and buffers, checking counts and
 * that every buffer is large enough for its node's length (uncompressed bodies only).
 */
function checkLayout(fields: FieldInfo[], h: BatchHeader, what: string): void {
  let ni = 0;
  let bi = 0;
  let vi = 0;
  // typed as a declared never-returning function, so a call narrows like a throw
  const fail: (reason: string) => never = (reason) => {
    throw new FormatProblem('ARROW_DAMAGED', `${what}: ${reason}`);
  };
  const need = (buf: BufferRegion, bytes: number, name: string, field: string): void => {
    if (!h.compressed && buf.length < bytes)
      fail(`field "${field}": ${name} buffer has ${buf.length} bytes, needs ${bytes}`);
  };
  const walk = (f: FieldInfo, minLength: number | null, exactLength: number | null, path: string): void => {
    const node = h.nodes[ni++];
    if (!node) fail(`has fewer field nodes than the schema needs (at "${path}")`);
    if (node.length < 0 || node.nullCount < 0 || node.nullCount > node.length)
      fail(`field "${path}": bad node length ${node.length} / null count ${node.nullCount}`);
    if (exactLength !== null && node.length !== exactLength)
      fail(`field "${path}" has ${node.length} rows, the batch has ${exactLength}`);
    if (minLength !== null && node.length < minLength)
      fail(`field "${path}" has ${node.length} values, needs at least ${minLength}`);
    const take = (k: number): BufferRegion[] => {
      const out = h.buffers.slice(bi, bi + k);
      if (out.length < k) fail(`has fewer buffers than the schema needs (at "${path}")`);
      bi += k;
      return out;
    };
    const validity = (buf: BufferRegion): void => {
      if (node.nullCount > 0 || buf.length > 0) need(buf, Math.ceil(node.length / 8), 'validity', path);
      if (buf.length > 0 && node.length > 0 && !h.compressed) {
        h.bodyChecks.push({
          kind: 'validity',
          at: h.bodyStart + buf.offset,
          length: node.length,
          nullCount: node.nullCount,
          what: `${what}: field "${path}"`,
        });
      }
    };
    const len = node.length;
    const offsets = (buf: BufferRegion, width: 4 | 8, limit: () => number, target: string): void => {
      if (len === 0) return;
      need(buf, (len + 1) * width, 'offsets', path);
      if (!h.compressed)
        h.bodyChecks.push({
          kind: 'offset',
          at: h.bodyStart + buf.offset + len * width,
          width,
          limit: limit(),
          what: `${what}: field "${path}": last offset must lie within its ${target}`,
        });
    };
    if (f.dictionary) {
      const [v, data] = take(2) as [BufferRegion, BufferRegion];
      validity(v);
      need(data, Math.ceil((len * f.dictionary.indexBitWidth) / 8), 'dictionary index', path);
      return;
    }
    const childPath = (c: FieldInfo): string => `${path}.${c.name}`;
    const bits = fixedBitWidth(f);
    switch (f.typeId) {
      case TYPE.Null:
        if (node.nullCount !== len) fail(`field "${path}": a null column must be all null`);
        return;
      case TYPE.Binary:
      case TYPE.Utf8:
      case TYPE.LargeBinary:
      case TYPE.LargeUtf8: {
        const [v, o, data] = take(3) as [BufferRegion, BufferRegion, BufferRegion];
        validity(v);
        offsets(
          o,
          f.typeId === TYPE.LargeBinary || f.typeId === TYPE.LargeUtf8 ? 8 : 4,
          () => data.length,
          `${data.length}-byte data buffer`,
        );
        return;
      }
      case TYPE.List:
      case TYPE.LargeList:
      case TYPE.Map: {
        const [v, o] = take(2) as [BufferRegion, BufferRegion];
        validity(v);
        const childNode = ni;
        for (const c of f.children) walk(c, null, null, childPath(c));
        offsets(o, f.typeId === TYPE.LargeList ? 8 : 4, () => h.nodes[childNode]?.length ?? 0, 'child values');
        return;
      }
      case TYPE.ListView:
      case TYPE.LargeListView: {
        const [v] = take(3) as [BufferRegion];
        validity(v);
        for (const c of f.children) walk(c, null, null, childPath(c));
        return;
      }
      case TYPE.FixedSizeList: {
        const [v] = take(1) as [BufferRegion];
        validity(v);
        const size = f.params[0] as number;
        if (size < 0) fail(`field "${path}": negative list size ${size}`);
        for (const c of f.children) walk(c, len * size, null, childPath(c));
        return;
      }
      case TYPE.Struct: {
        const [v] = take(1) as [BufferRegion];
        validity(v);
        for (const c of f.children) walk(c, len, null, childPath(c));
        return;
      }
      case TYPE.Union: {
        const dense = f.params[0] === 1;
        const [ids] = take(dense ? 2 : 1) as [BufferRegion];
        need(ids, len, 'type ids', path);
        for (const c of f.children) walk(c, dense ? null : len, null, childPath(c));
        return;
      }
      case TYPE.RunEndEncoded:
        for (const c of f.children) walk(c, null, null, childPath(c));
        return;
      case TYPE.BinaryView:
      case TYPE.Utf8View: {
        const [v, views] = take(2) as [BufferRegion, BufferRegion];
        validity(v);
        need(views, len * 16, 'views', path);
        const extra = h.variadicCounts[vi++];
        if (extra === undefined || extra < 0) fail(`field "${path}": missing variadic buffer count`);
        take(extra);
        return;
      }
      default: {
        if (bits === null) fail(`field "${path}": unsupported type id ${f.typeId}`);
        const [v, data] = take(2) as [BufferRegion, BufferRegion];
        validity(v);
        need(data, Math.ceil((len * bits) / 8), 'values', path);
      }
    }
  };
  for (const f of fields) walk(f, null, h.length, f.name);
  if (ni !== h.nodes.length) fail(`has ${h.nodes.length} field nodes, the schema needs ${ni}`);
  if (bi !== h.buffers.length) fail(`has ${h.buffers.length} buffers, the schema needs ${bi}`);
}
