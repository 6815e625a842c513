/** Errors the engine raises. `exitCode` is what the CLI exits with: 2 for bad input, 1 for a failed run. */
export class PipelineError extends Error {
  readonly exitCode: 1 | 2 = 1;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem in a pipeline file: where it is and what was expected there. */
export interface FileIssue {
  file: string;
  /** Dotted path inside the document, e.g. `stages.train.with.lr`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatIssue(issue: FileIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path || '(document)'}: ${issue.message}`;
}

/** A pipeline file (or a --set override) that cannot be run as written. Nothing has run or been written. */
export class PipelineFileError extends PipelineError {
  override readonly exitCode = 2 as const;
  constructor(readonly issues: FileIssue[]) {
    super(
      `${issues.length === 1 ? 'invalid pipeline' : `invalid pipeline (${issues.length} problems)`}:\n` +
        issues.map((i) => `  ${formatIssue(i)}`).join('\n'),
      'PIPELINE_INVALID',
    );
  }
}

/** Bad usage of the engine API or CLI (an unknown stage name for --only, a bad flag value, ...). */
export class UsageError extends PipelineError {
  override readonly exitCode = 2 as const;
  constructor(message: string) {
    super(message, 'USAGE');
  }
}

/** Raised inside a stage's run for a clean, user-facing failure (no stack trace in the log). */
export class StageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageError';
  }
}

/** The store is unusable (not a folder, not writable, busy for gc, ...). */
export class StoreError extends PipelineError {
  constructor(message: string) {
    super(message, 'STORE');
  }
}
