export type NativeErrorCode = 'NATIVE_BAD_OPTIONS' | 'NATIVE_UNAVAILABLE';

/** Errors of @transfusion/native; `code` says which kind. */
export class NativeError extends Error {
  override readonly name = 'NativeError';
  constructor(
    readonly code: NativeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
