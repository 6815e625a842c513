/** Errors this lib raises. `code` is stable for callers; `path` names the offending field when there is one. */
export class ReportError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid-results' | 'invalid-options' | 'render-failed' | 'write-failed',
    readonly path?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
