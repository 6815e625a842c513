import type { LabelSpec, Split } from './image-set.js';
import type { BlankPolicy, UncertaintyPolicy } from './labels.js';
import { DataError, rejectedToError, type OnBadRow, type RejectedRow } from './errors.js';

/** One image of a dataset index, before decoding. */
export interface ManifestRow {
  id: string;
  patient: string;
  split: Split;
  /** Absolute path of the image file (already checked to lie inside the root). */
  path: string;
  /** Raw label values: 1, 0, -1 (uncertain), NaN (blank); for multiclass the class index. */
  raw: number[];
  /** Where the row came from, for error messages. */
  source: { file: string; line: number };
  /** Extra columns worth keeping (sex, age, view, eye, ...). */
  attrs: Record<string, string>;
}

/** A dataset index: rows that passed the checks and rows rejected with a reason. */
export interface Manifest {
  format: string;
  root: string;
  task: LabelSpec;
  rows: ManifestRow[];
  rejected: RejectedRow[];
  /** Rows left out on purpose by an option (not errors), e.g. { 'lateral view': 3 }. */
  filtered?: Record<string, number>;
  /** How raw -1 and blank become targets (multilabel sets); defaults to U-Ignore, blank = 0. */
  policy?: { uncertainty: UncertaintyPolicy; blank: BlankPolicy };
}

/** Collects rejected rows, or throws at the first one when onBadRow is 'fail'. */
export class RejectLog {
  readonly rows: RejectedRow[] = [];
  constructor(private readonly onBadRow: OnBadRow) {}

  reject(r: RejectedRow): void {
    if (this.onBadRow === 'fail') throw rejectedToError(r);
    this.rows.push(r);
  }
}

export function assertNonEmpty(m: Manifest): Manifest {
  if (m.rows.length === 0) {
    const why = m.rejected.length
      ? ` (${m.rejected.length} rows rejected, first: ${m.rejected[0]!.file}:${m.rejected[0]!.line} ${m.rejected[0]!.message})`
      : '';
    throw new DataError('DATA_EMPTY', `${m.format} dataset at ${m.root}: no usable images${why}`, { file: m.root });
  }
  return m;
}
