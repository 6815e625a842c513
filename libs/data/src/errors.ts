/** Typed errors of libs/data. Every message names the file, row or field and what was expected. */
export type DataErrorCode =
  | 'DATA_BAD_OPTIONS'
  | 'DATA_BAD_CSV'
  | 'DATA_MISSING_COLUMN'
  | 'DATA_NOT_FOUND'
  | 'DATA_BAD_IMAGE'
  | 'DATA_BAD_DICOM'
  | 'DATA_BAD_NPZ'
  | 'DATA_BAD_ROWS'
  | 'DATA_BAD_SET'
  | 'DATA_EMPTY';

export interface DataErrorDetails {
  file?: string;
  row?: number;
  field?: string;
  cause?: unknown;
}

export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly field: string | undefined;

  constructor(code: DataErrorCode, message: string, details: DataErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.file = details.file;
    this.row = details.row;
    this.field = details.field;
  }
}

/** Why a row of a dataset index was rejected (reported per row, never dropped silently). */
export type RejectReason =
  | 'missing-file'
  | 'unreadable-image'
  | 'unknown-label'
  | 'path-escape'
  | 'bad-field'
  | 'duplicate-id'
  | 'patient-leak';

export interface RejectedRow {
  /** The index file (CSV) or folder the row came from. */
  file: string;
  /** 1-based line number in that file (header = line 1); 0 when the row is not from a text file. */
  line: number;
  id?: string;
  reason: RejectReason;
  message: string;
}

/** What to do when a row is bad: keep going and report it, or stop at the first one. */
export type OnBadRow = 'skip' | 'fail';

export function rejectedToError(r: RejectedRow): DataError {
  return new DataError('DATA_BAD_ROWS', `${r.file}:${r.line}: ${r.reason}: ${r.message}`, {
    file: r.file,
    row: r.line,
  });
}

/** Formats a zod error as "path: message; path: message" for DataError messages. */
export function formatZodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}
