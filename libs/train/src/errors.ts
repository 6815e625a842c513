/** Every failure this library raises on purpose: a stable `code` plus a message naming the culprit. */
export type TrainErrorCode =
  | 'TRAIN_BAD_OPTIONS'
  | 'TRAIN_BAD_DATA'
  | 'TRAIN_BAD_MODEL'
  | 'TRAIN_BACKEND_UNAVAILABLE'
  | 'TRAIN_NON_FINITE_LOSS'
  /** A resume checkpoint that cannot be read or belongs to another run. */
  | 'TRAIN_BAD_CHECKPOINT'
  | 'METRIC_BAD_INPUT';

export class TrainError extends Error {
  readonly code: TrainErrorCode;
  /** Optional structured context (field name, row, file...). */
  readonly details: Record<string, unknown>;

  constructor(code: TrainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TrainError';
    this.code = code;
    this.details = details;
  }
}

/** Formats zod issues as "path: message" lines so the user sees which field is wrong. */
export function describeZodIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}
