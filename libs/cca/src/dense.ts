/** Small dense products on row-major Float64Array for the d × d stage (the O(N·d²) work lives in kernels.ts). */

/** C = A·B with A r × k and B k × c (B is transposed once so the tiled A·Bᵀ kernel does the work). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  return matmulT(a, transpose(b, k, c), r, k, c);
}

/**
 * C = A·Bᵀ with A r × k and B c × k: dot products of contiguous rows, 4 × 4 at a time with sixteen scalar
 * accumulators (about 4× the plain triple loop), then the ragged edges one by one.
 */
export function matmulT(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  const r4 = r - (r % 4);
  const c4 = c - (c % 4);
  for (let i = 0; i < r4; i += 4) {
    const a0 = i * k,
      a1 = a0 + k,
      a2 = a1 + k,
      a3 = a2 + k;
    for (let j = 0; j < c4; j += 4) {
      const b0 = j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0;
      let s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let l = 0; l < k; l++) {
        const x0 = a[a0 + l]!,
          x1 = a[a1 + l]!,
          x2 = a[a2 + l]!,
          x3 = a[a3 + l]!;
        const y0 = b[b0 + l]!,
          y1 = b[b1 + l]!,
          y2 = b[b2 + l]!,
          y3 = b[b3 + l]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
        s23 += x2 * y3;
        s30 += x3 * y0;
        s31 += x3 * y1;
        s32 += x3 * y2;
        s33 += x3 * y3;
      }
      let o = i * c + j;
      out[o] = s00;
      out[o + 1] = s01;
      out[o + 2] = s02;
      out[o + 3] = s03;
      o += c;
      out[o] = s10;
      out[o + 1] = s11;
      out[o + 2] = s12;
      out[o + 3] = s13;
      o += c;
      out[o] = s20;
      out[o + 1] = s21;
      out[o + 2] = s22;
      out[o + 3] = s23;
      o += c;
      out[o] = s30;
      out[o + 1] = s31;
      out[o + 2] = s32;
      out[o + 3] = s33;
    }
  }
  // Ragged edges: the last r % 4 rows (all columns) and the last c % 4 columns (tiled rows).
  const dot = (i: number, j: number) => {
    let s = 0;
    const ai = i * k;
    const bj = j * k;
    for (let l = 0; l < k; l++) s += a[ai + l]! * b[bj + l]!;
    out[i * c + j] = s;
  };
  for (let i = r4; i < r; i++) for (let j = 0; j < c; j++) dot(i, j);
  for (let i = 0; i < r4; i++) for (let j = c4; j < c; j++) dot(i, j);
  return out;
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
