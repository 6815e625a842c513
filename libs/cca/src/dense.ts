/** Small dense products on row-major Float64Array for the d × d stage (the O(N·d²) work lives in kernels.ts). */
import { matmulT } from './kernels.js';

/** C = A·B with A r × k and B k × c (B is transposed once so the tiled A·Bᵀ kernel does the work). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  return matmulT(a, transpose(b, k, c), r, k, c);
}

/** The r × c submatrix starting at (0, 0) of a row-major matrix with `ld` columns. */
export function topLeft(a: Float64Array, ld: number, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) out.set(a.subarray(i * ld, i * ld + c), i * c);
  return out;
}

/** Rows `rows` and columns `cols` of a row-major matrix with `ld` columns. */
export function pick(a: Float64Array, ld: number, rows: ArrayLike<number>, cols: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i]! * ld;
    for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = a[o + cols[j]!]!;
  }
  return out;
}

export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}
