/** Why an Arrow file was rejected. Every code means "nothing was returned from this file". */
export type ArrowFileErrorCode =
  | 'ARROW_IO' // the file could not be opened/read/written (cause attached)
  | 'ARROW_TRUNCATED' // empty, or cut short: the trailing magic/footer is missing
  | 'ARROW_BAD_MAGIC' // not an Arrow IPC file at all (or the stream format instead of the file format)
  | 'ARROW_DAMAGED' // footer, schema or batch headers are inconsistent or out of bounds
  | 'ARROW_UNSUPPORTED' // valid Arrow, but a feature this lib cannot read (big-endian, compression for tensors)
  | 'ARROW_WRONG_KIND' // e.g. readTensor on a table
  | 'ARROW_BAD_METADATA' // transfusion.* metadata missing or malformed
  | 'ARROW_BAD_TENSOR' // tensor metadata and column layout disagree
  | 'ARROW_SCHEMA_MISMATCH'; // a batch written to a batch writer has another schema

export class ArrowFileError extends Error {
  override readonly name = 'ArrowFileError';
  constructor(
    readonly code: ArrowFileErrorCode,
    /** The file (or the in-memory source name) the problem was found in. */
    readonly file: string,
    /** What was wrong, without the file name. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/** Invalid arguments to this lib's functions (bad shape, wrong typed array, bad metadata keys). */
export class ArrowArgumentError extends Error {
  override readonly name = 'ArrowArgumentError';
  readonly code = 'ARROW_BAD_ARGUMENT';
  constructor(
    /** The argument or field that was wrong, e.g. `shape` or `tensors["conv1/kernel"]`. */
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * Thrown by the low-level parsers, which do not know the file name; the public
 * entry points catch it and rethrow it as an ArrowFileError naming the file.
 */
export class FormatProblem extends Error {
  constructor(
    readonly code: ArrowFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns anything thrown while reading `file` into an ArrowFileError (never a raw RangeError/TypeError);
 * argument errors from the caller pass through unchanged.
 */
export function asArrowFileError(
  err: unknown,
  file: string,
  what = 'could not be decoded',
): ArrowFileError | ArrowArgumentError {
  if (err instanceof ArrowFileError || err instanceof ArrowArgumentError) return err;
  if (err instanceof FormatProblem) return new ArrowFileError(err.code, file, err.message);
  if (isFsError(err)) return new ArrowFileError('ARROW_IO', file, `${err.code}: ${err.message}`, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new ArrowFileError('ARROW_DAMAGED', file, `${what}: ${detail}`, { cause: err });
}

function isFsError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}
