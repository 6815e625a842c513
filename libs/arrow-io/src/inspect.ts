import type * as arrow from 'apache-arrow';
import { ArrowFileError, asArrowFileError } from './errors.js';
import { withSource } from './file-source.js';
import { type ArtifactKind, type ParsedFile, parseBytes } from './parse-file.js';

export interface ArrowFileInfo {
  kind: ArtifactKind;
  numRows: number;
  numBatches: number;
  schema: arrow.Schema;
  metadata: Record<string, string>;
  /** File size in bytes. */
  bytes: number;
}

export const IN_MEMORY = '<bytes>';

export function infoOf(p: ParsedFile): ArrowFileInfo {
  return {
    kind: p.kind,
    numRows: p.numRows,
    numBatches: p.batches.length,
    schema: p.schema,
    metadata: p.metadata,
    bytes: p.size,
  };
}

/** Validates an in-memory Arrow IPC file; `source` names it in errors. */
export function parseArrowBytes(bytes: Uint8Array, source = IN_MEMORY): ParsedFile {
  if (!(bytes instanceof Uint8Array))
    throw new ArrowFileError('ARROW_IO', source, `expected a Uint8Array, got ${typeof bytes}`);
  try {
    return parseBytes(bytes);
  } catch (err) {
    throw asArrowFileError(err, source);
  }
}

/** Structure check and summary of in-memory Arrow IPC file bytes (see inspectArrowFile). */
export function inspectArrowBytes(bytes: Uint8Array, source = IN_MEMORY): ArrowFileInfo {
  return infoOf(parseArrowBytes(bytes, source));
}

/**
 * Validates an Arrow IPC file without loading its body: magic bytes at start and end, footer, schema,
 * and that every dictionary/record batch's metadata and buffers lie within the file. Throws ArrowFileError.
 */
export async function inspectArrowFile(path: string): Promise<ArrowFileInfo> {
  return withSource(path, async (src) => infoOf(await src.parse()));
}

/** Throws ARROW_WRONG_KIND unless the file holds `expected`. */
export function expectKind(p: { kind: ArtifactKind }, expected: ArtifactKind, file: string): void {
  if (p.kind !== expected) {
    throw new ArrowFileError(
      'ARROW_WRONG_KIND',
      file,
      `holds a ${p.kind} (metadata transfusion.kind), expected a ${expected}`,
    );
  }
}
