/** Every failure this lib reports on purpose is a ModelsError with a stable `code`. */
export type ModelsErrorCode =
  | 'UNKNOWN_MODEL'
  | 'BAD_OPTIONS'
  | 'UNKNOWN_STAGE'
  | 'INPUT_TOO_SMALL'
  | 'WEIGHTS_MISMATCH'
  | 'WRONG_ARCHITECTURE'
  | 'BAD_WEIGHTS_FILE';

export class ModelsError extends Error {
  readonly code: ModelsErrorCode;
  constructor(code: ModelsErrorCode, message: string) {
    super(message);
    this.name = 'ModelsError';
    this.code = code;
  }
}

/** One weight that could not be taken from a source, by name and shape. */
export interface WeightMismatch {
  name: string;
  reason: 'missing-in-source' | 'shape' | 'dtype';
  expected: number[];
  got?: number[];
}

/** Source weights do not fit the target model; `mismatches` lists every offending weight. */
export class WeightsMismatchError extends ModelsError {
  readonly mismatches: WeightMismatch[];
  readonly source: string;
  constructor(source: string, mismatches: WeightMismatch[], hint = '') {
    const shown = mismatches
      .slice(0, 12)
      .map((m) =>
        m.reason === 'missing-in-source'
          ? `  ${m.name}: missing in source (expected shape [${m.expected.join(', ')}])`
          : `  ${m.name}: expected [${m.expected.join(', ')}], source has [${(m.got ?? []).join(', ')}]`,
      )
      .join('\n');
    const more = mismatches.length > 12 ? `\n  ... and ${mismatches.length - 12} more` : '';
    super(
      'WEIGHTS_MISMATCH',
      `${source}: ${mismatches.length} weight(s) do not fit the model:\n${shown}${more}${hint ? `\n${hint}` : ''}`,
    );
    this.name = 'WeightsMismatchError';
    this.mismatches = mismatches;
    this.source = source;
  }
}

/** A weights file (Arrow artifact or tfjs model.json + shards) is unreadable or inconsistent. */
export class WeightsFileError extends ModelsError {
  readonly file: string;
  constructor(file: string, message: string) {
    super('BAD_WEIGHTS_FILE', `${file}: ${message}`);
    this.name = 'WeightsFileError';
    this.file = file;
  }
}
