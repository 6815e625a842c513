import * as arrow from 'apache-arrow';
import { compareSchemas } from 'apache-arrow/visitor/typecomparator';
import { AtomicFile } from './atomic-write.js';
import { ArrowArgumentError, ArrowFileError } from './errors.js';
import { ARTIFACT_KINDS, KIND_KEY } from './parse-file.js';
import { IpcFileEncoder } from './spec-file-writer.js';

export interface BatchWriter {
  /** Appends one record batch; its columns must match the writer's schema (metadata may differ). */
  write(b: arrow.RecordBatch): Promise<void>;
  /** Writes the footer and atomically moves the file to its path. */
  close(): Promise<void>;
  /** Discards everything written; no file is left at the path. */
  abort(): Promise<void>;
}

/**
 * Streams record batches (e.g. dataset shards) into an Arrow IPC file without holding them in memory.
 * The file is written under a temporary name and only appears at `path` on close(), complete with its
 * footer; abort() or a failed write leaves nothing. Schema metadata transfusion.kind defaults to 'table'.
 */
export async function createBatchWriter(path: string, schema: arrow.Schema): Promise<BatchWriter> {
  if (!(schema instanceof arrow.Schema)) throw new ArrowArgumentError('schema', 'expected an apache-arrow Schema');
  const kind = schema.metadata.get(KIND_KEY);
  if (kind !== undefined && !(ARTIFACT_KINDS as readonly string[]).includes(kind)) {
    throw new ArrowArgumentError(
      `schema.metadata["${KIND_KEY}"]`,
      `expected one of ${ARTIFACT_KINDS.join(', ')}, got "${kind}"`,
    );
  }
  const metadata = new Map(schema.metadata);
  metadata.set(KIND_KEY, kind ?? 'table');
  const fileSchema = new arrow.Schema(schema.fields, metadata, schema.dictionaries);
  const enc = new IpcFileEncoder(fileSchema);
  const file = await AtomicFile.create(path);
  await file.write(enc.begin());

  let state: 'open' | 'closed' | 'aborted' = 'open';
  // Calls run one after another even if the caller does not await each one.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op);
    queue = next.catch(() => undefined);
    return next;
  };
  const ensureOpen = (): void => {
    if (state !== 'open') throw new ArrowFileError('ARROW_IO', path, `batch writer is already ${state}`);
  };

  return {
    write: (b) =>
      serial(async () => {
        ensureOpen();
        if (!(b instanceof arrow.RecordBatch))
          throw new ArrowArgumentError('batch', 'expected an apache-arrow RecordBatch');
        if (!compareSchemas(b.schema, fileSchema)) {
          throw new ArrowFileError(
            'ARROW_SCHEMA_MISMATCH',
            path,
            `batch columns (${describe(b.schema)}) do not match the file's (${describe(fileSchema)})`,
          );
        }
        let chunks: Uint8Array[];
        try {
          chunks = enc.batch(new arrow.RecordBatch(fileSchema, b.data));
        } catch (err) {
          // The encoder may have emitted part of the batch: the file is unusable, drop it.
          state = 'aborted';
          await file.abort();
          throw new ArrowArgumentError('batch', `cannot be written to ${path}: ${(err as Error).message}`);
        }
        try {
          await file.write(chunks);
        } catch (err) {
          state = 'aborted'; // AtomicFile.write already removed the temp file
          throw err;
        }
      }),
    close: () =>
      serial(async () => {
        ensureOpen();
        state = 'closed';
        await file.write(enc.end());
        await file.commit();
      }),
    abort: () =>
      serial(async () => {
        if (state !== 'open') return;
        state = 'aborted';
        await file.abort();
      }),
  };
}

function describe(s: arrow.Schema): string {
  return s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}
