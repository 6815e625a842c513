import * as arrow from 'apache-arrow';
import { type FixedSizeRegion, fixedSizeRegion, readColumn } from './columns-read.js';
import { ArrowArgumentError, ArrowFileError, asArrowFileError } from './errors.js';
import { FileSource } from './file-source.js';
import { type ArrowFileInfo, infoOf } from './inspect.js';
import type { ParsedFile } from './parse-file.js';

export interface ArrowFileHandle {
  info: ArrowFileInfo;
  /** Reads and decodes record batch `i` (0-based) only. */
  batch(i: number): Promise<arrow.RecordBatch>;
  /** Column `name` of batch `i` alone: only its buffers are read (fixed-width, Utf8/Binary, FixedSizeList columns). */
  column(i: number, name: string): Promise<arrow.Vector>;
  /** Where the values of FixedSizeList column `name` of batch `i` lie in the file, to read single rows by byte range. */
  region(i: number, name: string): FixedSizeRegion;
  /** Bytes read from disk so far (headers, dictionaries and the batches asked for). */
  readonly bytesRead: number;
  close(): Promise<void>;
}

const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** The schema as a framed IPC stream message (continuation, length, flatbuffer, padding to 8). */
function schemaMessage(schema: arrow.Schema): Uint8Array {
  const fb = arrow.Message.encode(arrow.Message.from(schema));
  const padded = (fb.byteLength + 7) & ~7;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xffffffff, true);
  view.setInt32(4, padded, true);
  out.set(fb, 8);
  return out;
}

/**
 * Random access to the record batches of a (possibly larger than memory) Arrow IPC file. The structure is
 * validated on open (headers only); each batch is decoded by handing apache-arrow a one-batch IPC stream
 * made of the schema, the file's dictionaries and that batch's message, read straight from disk.
 */
export async function openArrowFile(path: string): Promise<ArrowFileHandle> {
  const src = await FileSource.open(path);
  let parsed: ParsedFile;
  let prefix: Uint8Array;
  try {
    parsed = await src.parse();
    const schemaMsg = schemaMessage(parsed.schema);
    const dictBytes = parsed.dictionaries.reduce((n, d) => n + d.block.metaDataLength + d.block.bodyLength, 0);
    prefix = new Uint8Array(schemaMsg.byteLength + dictBytes);
    prefix.set(schemaMsg, 0);
    let pos = schemaMsg.byteLength;
    for (const d of parsed.dictionaries) {
      const n = d.block.metaDataLength + d.block.bodyLength;
      await src.readAt(d.block.offset, n, prefix.subarray(pos, pos + n));
      pos += n;
    }
  } catch (err) {
    await src.close();
    throw asArrowFileError(err, path);
  }
  let closed = false;
  return {
    info: infoOf(parsed),
    get bytesRead() {
      return src.bytesRead;
    },
    async batch(i: number): Promise<arrow.RecordBatch> {
      if (closed) throw new ArrowFileError('ARROW_IO', path, 'is closed');
      const header = parsed.batches[i];
      if (!Number.isInteger(i) || !header) {
        throw new ArrowArgumentError(
          'batch index',
          `${path}: expected an integer in [0, ${parsed.batches.length - 1}], got ${i}`,
        );
      }
      const n = header.block.metaDataLength + header.block.bodyLength;
      const stream = new Uint8Array(prefix.byteLength + n + EOS.byteLength);
      stream.set(prefix, 0);
      await src.readAt(header.block.offset, n, stream.subarray(prefix.byteLength, prefix.byteLength + n));
      stream.set(EOS, prefix.byteLength + n);
      try {
        const reader = arrow.RecordBatchReader.from(stream);
        const r = reader.next();
        if (r.done || !r.value) throw new Error('no record batch decoded');
        return new arrow.RecordBatch(parsed.schema, r.value.data);
      } catch (err) {
        throw asArrowFileError(err, path, `record batch ${i} could not be decoded`);
      }
    },
    async column(i: number, name: string): Promise<arrow.Vector> {
      if (closed) throw new ArrowFileError('ARROW_IO', path, 'is closed');
      try {
        return await readColumn(parsed, i, name, path, (o, l) => src.readAt(o, l));
      } catch (err) {
        throw asArrowFileError(err, path, `column '${name}' of record batch ${i} could not be read`);
      }
    },
    region: (i: number, name: string) => fixedSizeRegion(parsed, i, name, path),
    async close() {
      if (closed) return;
      closed = true;
      await src.close();
    },
  };
}

/** Yields the file's record batches one at a time; memory use is one batch (plus dictionaries). */
export async function* readBatches(path: string): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const f = await openArrowFile(path);
  try {
    for (let i = 0; i < f.info.numBatches; i++) yield await f.batch(i);
  } finally {
    await f.close();
  }
}
