/** Error codes raised by @transfusion/cca; every error names the input (file, matrix or option) at fault. */
export type CcaErrorCode =
  | 'CCA_EMPTY'
  | 'CCA_SHAPE'
  | 'CCA_MISMATCHED_N'
  | 'CCA_NONFINITE'
  | 'CCA_UNDERDETERMINED'
  | 'CCA_TOO_FEW_POINTS'
  | 'CCA_BAD_OPTIONS'
  | 'CCA_NO_LIVE_NEURONS'
  | 'CCA_WORKER'
  | 'CCA_LINALG_UNAVAILABLE';

export class CcaError extends Error {
  override readonly name = 'CcaError';
  constructor(
    readonly code: CcaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A .npy file that cannot be read: the project's one .npy reader raises it. */
export { NpyError, type NpyErrorCode } from '@transfusion/arrow-io/npy';

/** An Arrow tensor file that cannot be used as activations (damaged, wrong kind, not 2-D). */
export class ActivationFileError extends Error {
  override readonly name = 'ActivationFileError';
  readonly code = 'ACTIVATION_FILE';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
