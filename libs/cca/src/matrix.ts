import { CcaError } from './errors.js';

/** Row-major N × d activation matrix: rows are datapoints, columns are neurons. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

/** Builds a Matrix, checking that `data` holds exactly rows × cols values. */
export function matrix(rows: number, cols: number, data?: Float64Array | Float32Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new CcaError('CCA_SHAPE', `matrix shape must be non-negative integers, got ${rows} × ${cols}`);
  }
  const values = data ?? new Float64Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new CcaError(
      'CCA_SHAPE',
      `matrix data has ${values.length} values, expected ${rows} × ${cols} = ${rows * cols}`,
    );
  }
  return { rows, cols, data: values };
}

/**
 * Checks a matrix is usable as activations: non-empty and finite. `label` names it in errors ("A", a file path...).
 * Reports the first offending row and column, because a NaN from a diverged layer is a common real failure.
 */
export function assertActivations(m: Matrix, label: string): void {
  if (m.rows === 0 || m.cols === 0) {
    throw new CcaError('CCA_EMPTY', `${label} is empty (${m.rows} datapoints × ${m.cols} neurons)`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new CcaError('CCA_SHAPE', `${label} has ${m.data.length} values, expected ${m.rows} × ${m.cols}`);
  }
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      const row = Math.floor(i / cols);
      throw new CcaError(
        'CCA_NONFINITE',
        `${label} has a non-finite value ${v} at row ${row}, column ${i - row * cols}`,
      );
    }
  }
}

/** Checks that two activation matrices describe the same datapoints. */
export function assertPair(x: Matrix, y: Matrix, labelX = 'A', labelY = 'B'): void {
  assertActivations(x, labelX);
  assertActivations(y, labelY);
  if (x.rows !== y.rows) {
    throw new CcaError(
      'CCA_MISMATCHED_N',
      `${labelX} has ${x.rows} datapoints but ${labelY} has ${y.rows}; rows must be the same datapoints in the same order`,
    );
  }
}
