import * as arrow from 'apache-arrow';
import { writeFileAtomic } from './atomic-write.js';
import { ArrowArgumentError, asArrowFileError } from './errors.js';
import { IN_MEMORY, expectKind, parseArrowBytes } from './inspect.js';
import { checkUserMeta } from './metadata.js';
import { KIND_KEY } from './parse-file.js';
import { encodeFileChunks, joinChunks } from './spec-file-writer.js';
import { openArrowFile } from './stream.js';

/** The table's schema with its metadata, `meta`, and transfusion.kind = table. */
export function tableSchema(schema: arrow.Schema, meta: Record<string, string>): arrow.Schema {
  const merged = new Map(schema.metadata);
  for (const [k, v] of Object.entries(meta)) merged.set(k, v);
  merged.set(KIND_KEY, 'table');
  return new arrow.Schema(schema.fields, merged, schema.dictionaries);
}

function tableChunks(t: arrow.Table, meta: Record<string, string> | undefined): Uint8Array[] {
  if (!(t instanceof arrow.Table)) throw new ArrowArgumentError('table', 'expected an apache-arrow Table');
  const schema = tableSchema(t.schema, checkUserMeta(meta));
  try {
    return encodeFileChunks(
      schema,
      t.batches.map((b) => new arrow.RecordBatch(schema, b.data)),
    );
  } catch (err) {
    // e.g. batches whose dictionaries differ: the file format allows only one dictionary (plus deltas) per column
    throw new ArrowArgumentError('table', `cannot be written as an Arrow IPC file: ${(err as Error).message}`);
  }
}

/** Encodes an apache-arrow Table as an IPC file, one record batch per table batch. */
export function encodeTable(t: arrow.Table, meta?: Record<string, string>): Uint8Array {
  return joinChunks(tableChunks(t, meta));
}

/** Decodes a table file; columns are views into `bytes` where apache-arrow can (aligned buffers). */
export function decodeTable(bytes: Uint8Array, source?: string): arrow.Table {
  const p = parseArrowBytes(bytes, source);
  const file = source ?? IN_MEMORY;
  expectKind(p, 'table', file);
  try {
    return arrow.tableFromIPC(bytes);
  } catch (err) {
    throw asArrowFileError(err, file);
  }
}

export async function writeTable(path: string, t: arrow.Table, meta?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, tableChunks(t, meta));
}

/**
 * Reads a table file batch by batch from the file handle, so files beyond Node's Buffer size limit
 * work as long as the table fits in memory.
 */
export async function readTable(path: string): Promise<arrow.Table> {
  const f = await openArrowFile(path);
  try {
    expectKind(f.info, 'table', path);
    const batches: arrow.RecordBatch[] = [];
    for (let i = 0; i < f.info.numBatches; i++) batches.push(await f.batch(i));
    return new arrow.Table(f.info.schema, batches);
  } finally {
    await f.close();
  }
}
