import type * as arrow from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { FormatProblem } from './errors.js';
import { FlatBuf } from './flatbuf.js';
import {
  type BatchHeader,
  type BlockInfo,
  MESSAGE,
  messageFraming,
  parseBatchAt,
  parseMessage,
} from './ipc-message.js';
import { type SchemaInfo, parseSchema } from './ipc-schema.js';

/** What a file holds; stored in the schema metadata key `transfusion.kind` (absent = 'table'). */
export type ArtifactKind = 'table' | 'tensor' | 'tensors';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['table', 'tensor', 'tensors'];
export const KIND_KEY = 'transfusion.kind';

/** Everything learned from validating a file's structure (headers plus a few body bytes per column, see BodyCheck). */
export interface ParsedFile {
  size: number;
  kind: ArtifactKind;
  schema: arrow.Schema;
  schemaInfo: SchemaInfo;
  metadata: Record<string, string>;
  dictionaries: BatchHeader[];
  batches: BatchHeader[];
  numRows: number;
}

/** A request for `length` bytes at `offset`; the driver answers with exactly those bytes. */
export interface ReadRequest {
  offset: number;
  length: number;
}

const MAGIC = new Uint8Array([0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]); // "ARROW1"
const BLOCK_SIZE = 24; // struct Block { offset: long; metaDataLength: int; (pad 4); bodyLength: long }

const problem = (code: FormatProblem['code'], msg: string): FormatProblem => new FormatProblem(code, msg);

/**
 * Validates an Arrow IPC file's structure: magic at both ends, footer, schema (cross-checked with the copy
 * at the start of the file when there is one), and every dictionary/record batch header, including that
 * each body lies inside the file and its buffers fit its schema. Written as a generator of read requests
 * so the same checks run over an in-memory buffer (sync) and a file handle (async, reading only headers).
 */
export function* parseFileSteps(size: number): Generator<ReadRequest, ParsedFile, Uint8Array> {
  if (size === 0) throw problem('ARROW_TRUNCATED', 'is empty (0 bytes); expected an Arrow IPC file');
  const head = yield { offset: 0, length: Math.min(size, 8) };
  checkLeadingMagic(head, size);
  if (size < 8 + 8 + 4 + MAGIC.length)
    throw problem('ARROW_TRUNCATED', `is only ${size} bytes, too short for an Arrow IPC file with a footer`);
  const tail = yield { offset: size - 10, length: 10 };
  if (!MAGIC.every((b, i) => tail[4 + i] === b)) {
    throw problem(
      'ARROW_TRUNCATED',
      'does not end with the Arrow magic "ARROW1": the file is truncated or was never finished',
    );
  }
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
  const footerStart = size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) {
    throw problem('ARROW_DAMAGED', `footer length ${footerLength} is impossible for a file of ${size} bytes`);
  }
  const footerBytes = yield { offset: footerStart, length: footerLength };
  const footer = new FlatBuf(footerBytes, 'footer').root();
  const version = footer.i16(0);
  if (version < 3 || version > 4) footer.buf.fail(`unsupported metadata version ${version}`);
  const schemaTable = footer.table(1, 'schema');
  if (!schemaTable) return footer.buf.fail('has no schema');
  const schemaInfo = parseSchema(schemaTable);
  if (schemaInfo.endianness !== 0)
    throw problem('ARROW_UNSUPPORTED', 'is big-endian; only little-endian Arrow files are supported');
  const readBlocks = (slot: number, name: string): BlockInfo[] => {
    const { start, length } = footer.vector(slot, BLOCK_SIZE, name);
    const out: BlockInfo[] = [];
    for (let i = 0; i < length; i++) {
      const p = start + i * BLOCK_SIZE;
      out.push({
        offset: footer.buf.i64(p),
        metaDataLength: footer.buf.i32(p + 8),
        bodyLength: footer.buf.i64(p + 16),
      });
    }
    return out;
  };
  const dictBlocks = readBlocks(2, 'dictionaries');
  const batchBlocks = readBlocks(3, 'recordBatches');
  checkBlocks([...dictBlocks, ...batchBlocks], footerStart);

  const streamStart = yield* checkLeadingMessage(schemaInfo, footerStart, [...dictBlocks, ...batchBlocks]);
  yield* checkTiling([...dictBlocks, ...batchBlocks], streamStart, footerStart);

  const dictionaries: BatchHeader[] = [];
  for (const block of dictBlocks) {
    const bytes = yield { offset: block.offset, length: block.metaDataLength };
    dictionaries.push(parseBatchAt(bytes, block, schemaInfo, MESSAGE.DictionaryBatch));
    yield* checkBody(dictionaries.at(-1)!);
  }
  const batches: BatchHeader[] = [];
  for (const block of batchBlocks) {
    const bytes = yield { offset: block.offset, length: block.metaDataLength };
    batches.push(parseBatchAt(bytes, block, schemaInfo, MESSAGE.RecordBatch));
    yield* checkBody(batches.at(-1)!);
  }

  let schema: arrow.Schema;
  try {
    schema = Footer.decode(footerBytes).schema;
  } catch (err) {
    throw problem('ARROW_DAMAGED', `footer schema could not be decoded: ${(err as Error).message}`);
  }
  const metadata = Object.fromEntries(schemaInfo.metadata);
  const kind = metadata[KIND_KEY] ?? 'table';
  if (!(ARTIFACT_KINDS as readonly string[]).includes(kind)) {
    throw problem(
      'ARROW_BAD_METADATA',
      `metadata ${KIND_KEY} is "${kind}", expected one of ${ARTIFACT_KINDS.join(', ')}`,
    );
  }
  const numRows = batches.reduce((n, b) => n + b.length, 0);
  return { size, kind: kind as ArtifactKind, schema, schemaInfo, metadata, dictionaries, batches, numRows };
}

/** Runs a batch's BodyChecks: reads last offsets and validity bitmaps (never the values themselves). */
function* checkBody(h: BatchHeader): Generator<ReadRequest, void, Uint8Array> {
  for (const c of h.bodyChecks) {
    if (c.kind === 'offset') {
      const bytes = yield { offset: c.at, length: c.width };
      const view = new DataView(bytes.buffer, bytes.byteOffset, c.width);
      const value = c.width === 4 ? view.getInt32(0, true) : Number(view.getBigInt64(0, true));
      if (!(value >= 0 && value <= c.limit)) throw problem('ARROW_DAMAGED', `${c.what} (${value} > ${c.limit})`);
    } else {
      const bits = yield { offset: c.at, length: Math.ceil(c.length / 8) };
      const nulls = c.length - countSetBits(bits, c.length);
      if (nulls !== c.nullCount)
        throw problem(
          'ARROW_DAMAGED',
          `${c.what}: null count ${c.nullCount} disagrees with its validity bitmap (${nulls} nulls)`,
        );
    }
  }
}

function countSetBits(bytes: Uint8Array, n: number): number {
  let count = 0;
  const full = n >> 3;
  for (let i = 0; i < full; i++) {
    let b = bytes[i]!;
    while (b) {
      b &= b - 1;
      count++;
    }
  }
  for (let k = full * 8; k < n; k++) count += (bytes[full]! >> (k & 7)) & 1;
  return count;
}

function checkLeadingMagic(head: Uint8Array, size: number): void {
  const n = Math.min(head.length, MAGIC.length);
  if (MAGIC.subarray(0, n).every((b, i) => head[i] === b)) {
    if (size < MAGIC.length) throw problem('ARROW_TRUNCATED', `is only ${size} bytes, cut inside the Arrow magic`);
    return;
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) {
    throw problem(
      'ARROW_BAD_MAGIC',
      'is in the Arrow IPC stream format (no "ARROW1" magic and footer); expected the Arrow IPC file format',
    );
  }
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw problem('ARROW_BAD_MAGIC', `is not an Arrow IPC file: expected it to start with "ARROW1", found bytes ${hex}`);
}

function checkBlocks(blocks: BlockInfo[], footerStart: number): void {
  for (const b of blocks) {
    const where = `footer block at offset ${b.offset}`;
    if (b.offset < 8 || b.offset % 8 !== 0)
      throw problem('ARROW_DAMAGED', `${where}: offset is not an 8-byte aligned position after the magic`);
    if (b.metaDataLength < 8 || b.metaDataLength % 8 !== 0)
      throw problem('ARROW_DAMAGED', `${where}: bad metadata length ${b.metaDataLength}`);
    if (b.bodyLength < 0 || b.bodyLength % 8 !== 0)
      throw problem('ARROW_DAMAGED', `${where}: bad body length ${b.bodyLength}`);
    if (b.offset + b.metaDataLength + b.bodyLength > footerStart) {
      throw problem(
        'ARROW_DAMAGED',
        `${where}: message (${b.metaDataLength} + ${b.bodyLength} bytes) runs past the footer at ${footerStart}`,
      );
    }
  }
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (sorted[i]!.offset < prev.offset + prev.metaDataLength + prev.bodyLength) {
      throw problem('ARROW_DAMAGED', `footer blocks at offsets ${prev.offset} and ${sorted[i]!.offset} overlap`);
    }
  }
}

/**
 * The IPC file format embeds a stream, which starts with a Schema message. When present (files written by
 * this lib, Arrow C++/pyarrow) it must equal the footer's schema: a second, independent copy that catches
 * damage to either. apache-arrow JS omits it and starts with the first batch, which the blocks cover.
 */
function* checkLeadingMessage(
  footerSchema: SchemaInfo,
  footerStart: number,
  blocks: BlockInfo[],
): Generator<ReadRequest, number, Uint8Array> {
  if (blocks.some((b) => b.offset === 8)) return 8;
  if (footerStart < 16) throw problem('ARROW_DAMAGED', 'has no room for the stream between the magic and the footer');
  const framing = messageFraming(yield { offset: 8, length: 8 }, 'message at offset 8');
  if (!framing) {
    if (blocks.length > 0)
      throw problem('ARROW_DAMAGED', `stream ends at offset 8 but the footer lists ${blocks.length} batches`);
    return 8;
  }
  if (8 + framing.prefix + framing.metaLength > footerStart)
    throw problem('ARROW_DAMAGED', 'message at offset 8: runs into the footer');
  const msg = parseMessage(
    yield { offset: 8 + framing.prefix, length: framing.metaLength },
    'schema message at offset 8',
  );
  if (msg.headerType !== MESSAGE.Schema || !msg.header) {
    throw problem(
      'ARROW_DAMAGED',
      `message at offset 8: expected the schema or a batch listed in the footer, found message type ${msg.headerType}`,
    );
  }
  if (msg.bodyLength !== 0)
    throw problem('ARROW_DAMAGED', `schema message at offset 8 has a body of ${msg.bodyLength} bytes`);
  const diff = describeSchemaDifference(parseSchema(msg.header), footerSchema);
  if (diff)
    throw problem('ARROW_DAMAGED', `the schema at the start of the file differs from the footer's copy (${diff})`);
  return 8 + framing.prefix + framing.metaLength;
}

/**
 * The footer's blocks must account for the whole embedded stream: messages back to back from the end of
 * the schema, then only the end-of-stream marker before the footer. Otherwise a damaged footer could drop
 * batches (or dictionaries) and the file would read as a smaller, "valid" one.
 */
function* checkTiling(
  blocks: BlockInfo[],
  streamStart: number,
  footerStart: number,
): Generator<ReadRequest, void, Uint8Array> {
  let pos = streamStart;
  for (const b of [...blocks].sort((x, y) => x.offset - y.offset)) {
    if (b.offset !== pos)
      throw problem(
        'ARROW_DAMAGED',
        `the stream has ${b.offset - pos} bytes at offset ${pos} that the footer does not account for`,
      );
    pos = b.offset + b.metaDataLength + b.bodyLength;
  }
  const gap = footerStart - pos;
  const eos = gap === 8 ? [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0] : gap === 4 ? [0, 0, 0, 0] : gap === 0 ? [] : null;
  if (!eos)
    throw problem('ARROW_DAMAGED', `the stream has ${gap} bytes at offset ${pos} that the footer does not account for`);
  if (gap > 0) {
    const bytes = yield { offset: pos, length: gap };
    if (!eos.every((x, i) => bytes[i] === x))
      throw problem('ARROW_DAMAGED', `expected the end-of-stream marker at offset ${pos}`);
  }
}

function describeSchemaDifference(a: SchemaInfo, b: SchemaInfo): string | null {
  if (a.endianness !== b.endianness) return 'endianness';
  if (JSON.stringify(a.metadata) !== JSON.stringify(b.metadata)) return 'schema metadata';
  if (a.fields.length !== b.fields.length) return `${a.fields.length} vs ${b.fields.length} fields`;
  const i = a.fields.findIndex((f, k) => JSON.stringify(f) !== JSON.stringify(b.fields[k]));
  return i < 0 ? null : `field ${i} "${b.fields[i]!.name}"`;
}

/** Runs the parser over an in-memory buffer. */
export function parseBytes(bytes: Uint8Array): ParsedFile {
  const steps = parseFileSteps(bytes.byteLength);
  let r = steps.next();
  while (!r.done) {
    const { offset, length } = r.value;
    r = steps.next(bytes.subarray(offset, offset + length));
  }
  return r.value;
}

/** Runs the parser over any positional reader (a file handle), reading only the requested ranges. */
export async function parseWith(
  size: number,
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<ParsedFile> {
  const steps = parseFileSteps(size);
  let r = steps.next();
  while (!r.done) {
    const { offset, length } = r.value;
    r = steps.next(await readAt(offset, length));
  }
  return r.value;
}
