import { z } from 'zod';
import type { CsvTable } from '../csv.js';
import { DataError } from '../errors.js';
import type { LabelSpec } from '../image-set.js';
import { parseChexpertCell } from './chexpert.js';
import { labelColumnFields } from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { labelColumnFields };

/**
 * Options of label columns in a CSV index (shared by the generic CSV loader and DICOM labels from a CSV):
 * - kind 'multiclass': one label column whose values are class names (or indices); `classes` fixes the order,
 *   otherwise the sorted distinct values are used; `ordinal` marks them as ordered grades.
 * - kind 'binary': one label column with 0/1.
 * - kind 'multilabel': several columns with 1/0/-1/blank, mapped by the uncertainty policy.
 */
const labelColumnsSchema = z.object(labelColumnFields);
type LabelColumnOptions = z.infer<typeof labelColumnsSchema>;

export interface LabelColumnReader {
  task: LabelSpec;
  /** Raw label values of a row (see ManifestRow.raw), or why the row's labels are unusable. */
  read(cells: Readonly<Record<string, string>>): { raw: number[] } | { error: string };
}

/** Throws DATA_BAD_OPTIONS unless a binary or multiclass task has exactly one label column (check before reading). */
export function checkLabelColumnCount(o: LabelColumnOptions, options: string): void {
  if (o.kind !== 'multilabel' && o.labelColumns.length !== 1) {
    throw new DataError(
      'DATA_BAD_OPTIONS',
      `${options}: labelColumns: a ${o.kind} task takes exactly one label column, got ${o.labelColumns.length}`,
      { field: 'labelColumns' },
    );
  }
}

/**
 * Builds the task and the per-row label parser of a CSV table (after `checkLabelColumnCount` and
 * `requireColumns`).
 */
export function labelColumnReader(o: LabelColumnOptions, table: CsvTable): LabelColumnReader {
  const first = o.labelColumns[0]!;
  const classes =
    o.kind === 'multiclass'
      ? (o.classes ??
        [...new Set(table.rows.map((r) => r.cells[first]!.trim()).filter((v) => v !== ''))].sort(naturalCompare))
      : undefined;
  if (o.ordinal && o.kind !== 'multiclass')
    throw new DataError(
      'DATA_BAD_OPTIONS',
      `${table.file}: ordinal: only a multiclass task has ordered grades, this one is ${o.kind}`,
      { field: 'ordinal' },
    );
  const task: LabelSpec =
    o.kind === 'multilabel'
      ? { kind: 'multilabel', names: o.labelColumns }
      : o.kind === 'binary'
        ? { kind: 'binary', names: [first] }
        : { kind: 'multiclass', names: classes!, ...(o.ordinal ? { ordinal: true } : {}) };
  if (task.kind === 'multiclass' && task.names.length < 2) {
    throw new DataError('DATA_BAD_SET', `${table.file}: column "${first}" has fewer than 2 distinct classes`, {
      file: table.file,
      field: first,
    });
  }
  const expected =
    o.kind === 'multilabel' ? '1, 0, -1 or blank' : o.kind === 'binary' ? '0 or 1' : `one of ${classes?.join(', ')}`;
  return {
    task,
    read(cells) {
      const raw: number[] = [];
      for (const col of o.labelColumns) {
        const cell = cells[col]!.trim();
        let v: number | undefined;
        if (o.kind === 'multilabel') v = parseChexpertCell(cell);
        else if (o.kind === 'binary')
          v = cell === '1' || cell === '1.0' ? 1 : cell === '0' || cell === '0.0' ? 0 : undefined;
        else {
          const idx = classes!.indexOf(cell);
          v = idx >= 0 ? idx : undefined;
        }
        if (v === undefined) return { error: `${col}: expected ${expected}, got "${cell}"` };
        raw.push(v);
      }
      return { raw };
    },
  };
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
