/**
 * Hot loops for the O(N·d²) co-moment accumulation. Every function here is self-contained (no imports, no
 * closures, only calls to each other by name) because worker threads are started from their source text
 * (`fn.toString()`), which works both from compiled dist/ and under vitest.
 */

/** Rows per panel: small enough that a 4-row slice of the transposed panel stays in L1 while tiles sweep. */
export const PANEL_ROWS = 128;

/**
 * Adds to the 4 × 4 block of `out` at offset `o` (leading dimension `ld`) the dot products of the four consecutive
 * length-`len` rows of `a` starting at `a0` with the four of `b` starting at `b0`. Sixteen scalar accumulators keep
 * the inner loop free of memory writes (about 4× the plain triple loop).
 */
export function addTile4x4(
  a: Float64Array,
  a0: number,
  b: Float64Array,
  b0: number,
  len: number,
  out: Float64Array,
  o: number,
  ld: number,
): void {
  const a1 = a0 + len;
  const a2 = a1 + len;
  const a3 = a2 + len;
  const b1 = b0 + len;
  const b2 = b1 + len;
  const b3 = b2 + len;
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
  for (let t = 0; t < len; t++) {
    const x0 = a[a0 + t]!;
    const x1 = a[a1 + t]!;
    const x2 = a[a2 + t]!;
    const x3 = a[a3 + t]!;
    const y0 = b[b0 + t]!;
    const y1 = b[b1 + t]!;
    const y2 = b[b2 + t]!;
    const y3 = b[b3 + t]!;
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
  out[o] += s00;
  out[o + 1] += s01;
  out[o + 2] += s02;
  out[o + 3] += s03;
  let row = o + ld;
  out[row] += s10;
  out[row + 1] += s11;
  out[row + 2] += s12;
  out[row + 3] += s13;
  row += ld;
  out[row] += s20;
  out[row + 1] += s21;
  out[row + 2] += s22;
  out[row + 3] += s23;
  row += ld;
  out[row] += s30;
  out[row + 1] += s31;
  out[row + 2] += s32;
  out[row + 3] += s33;
}

/**
 * Gram update G += Pᵀ P over 4×4 tiles (j, k) with j in [j0, j1), k in [max(j, k0), k1), where the panel P is
 * stored transposed: neuron j occupies P[j*b .. j*b+b), and `ld` is the leading dimension of G. With k ≥ j only
 * the upper triangle is touched, so one call serves X'X (diagonal block) and X'Y (off-diagonal block) alike.
 */
export function gramPanel(
  p: Float64Array,
  b: number,
  g: Float64Array,
  ld: number,
  j0: number,
  j1: number,
  k0: number,
  k1: number,
): void {
  for (let j = j0; j < j1; j += 4) {
    for (let k = Math.max(j, k0); k < k1; k += 4) addTile4x4(p, j * b, p, k * b, b, g, j * ld + k, ld);
  }
}

/**
 * C = A·Bᵀ with A r × k and B c × k: dot products of contiguous rows, 4 × 4 tiles at a time, then the ragged edges
 * one by one. It lives here, not in dense.ts, because the workers run it from its source text too.
 */
export function matmulT(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  const r4 = r - (r % 4);
  const c4 = c - (c % 4);
  for (let i = 0; i < r4; i += 4) {
    for (let j = 0; j < c4; j += 4) addTile4x4(a, i * k, b, j * k, k, out, i * c + j, c);
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

/**
 * Co-moments of rows [r0, r1) of X (p columns) and optionally Y (q columns), centred at those rows' own mean, in
 * two passes (mean, then centred products) so ReLU layers with mean ≫ std lose no precision. `want` selects the
 * blocks: 1 = X'X, 2 = Y'Y, 4 = X'Y (bit flags), so per-layer statistics can be computed once and only the cross
 * block per pair. Also returns the row squared-norm sums that debiased CKA needs. Returns a plain object so it
 * crosses worker boundaries by structured clone.
 */
export function partialMoments(
  x: Float64Array | Float32Array,
  p: number,
  y: Float64Array | Float32Array | null,
  q: number,
  r0: number,
  r1: number,
  want: number,
  blockRows: number,
) {
  const n = r1 - r0;
  const p4 = (p + 3) & ~3;
  const q4 = (q + 3) & ~3;
  const dim4 = p4 + q4;
  const meanX = new Float64Array(p);
  const meanY = new Float64Array(q);
  for (let i = r0; i < r1; i++) {
    const xo = i * p;
    for (let j = 0; j < p; j++) meanX[j]! += x[xo + j]!;
    if (y !== null) {
      const yo = i * q;
      for (let j = 0; j < q; j++) meanY[j]! += y[yo + j]!;
    }
  }
  for (let j = 0; j < p; j++) meanX[j]! /= n;
  for (let j = 0; j < q; j++) meanY[j]! /= n;

  const g = new Float64Array(dim4 * dim4);
  const panel = new Float64Array(dim4 * blockRows);
  // With a_i = ‖x_i − m_x‖², b_i = ‖y_i − m_y‖² and u_i, v_i the centred rows:
  let sumA = 0,
    sumB = 0,
    sumAA = 0,
    sumBB = 0,
    sumAB = 0;
  const au = new Float64Array(p); // Σ a_i u_i
  const bu = new Float64Array(p); // Σ b_i u_i
  const av = new Float64Array(q); // Σ a_i v_i
  const bv = new Float64Array(q); // Σ b_i v_i
  const rowA = new Float64Array(blockRows);
  const rowB = new Float64Array(blockRows);

  for (let s = r0; s < r1; s += blockRows) {
    const b = Math.min(blockRows, r1 - s);
    // The panel is laid out with stride b; padding neurons stay zero and add nothing.
    panel.fill(0, 0, dim4 * b);
    for (let t = 0; t < b; t++) {
      const i = s + t;
      const xo = i * p;
      let a = 0;
      for (let j = 0; j < p; j++) {
        const v = x[xo + j]! - meanX[j]!;
        panel[j * b + t] = v;
        a += v * v;
      }
      rowA[t] = a;
      let bb = 0;
      if (y !== null) {
        const yo = i * q;
        for (let j = 0; j < q; j++) {
          const v = y[yo + j]! - meanY[j]!;
          panel[(p4 + j) * b + t] = v;
          bb += v * v;
        }
      }
      rowB[t] = bb;
      sumA += a;
      sumB += bb;
      sumAA += a * a;
      sumBB += bb * bb;
      sumAB += a * bb;
    }
    // Σ a_i·(row) and Σ b_i·(row) for every neuron: X's at panel rows [0, p) into au/bu, Y's at [p4, p4+q) into av/bv.
    for (let side = 0; side < 2; side++) {
      const [count, first, sumsA, sumsB] = side === 0 ? [p, 0, au, bu] : [q, p4, av, bv];
      for (let j = 0; j < count; j++) {
        const o = (first + j) * b;
        let sa = 0,
          sb = 0;
        for (let t = 0; t < b; t++) {
          const v = panel[o + t]!;
          sa += rowA[t]! * v;
          sb += rowB[t]! * v;
        }
        sumsA[j]! += sa;
        sumsB[j]! += sb;
      }
    }
    if ((want & 1) !== 0) gramPanel(panel, b, g, dim4, 0, p4, 0, p4);
    if ((want & 2) !== 0) gramPanel(panel, b, g, dim4, p4, dim4, p4, dim4);
    if ((want & 4) !== 0) gramPanel(panel, b, g, dim4, 0, p4, p4, dim4);
  }

  // Unpack the padded upper-triangular blocks into dense row-major matrices.
  let sxx: Float64Array | null = null;
  let syy: Float64Array | null = null;
  let sxy: Float64Array | null = null;
  if ((want & 1) !== 0) {
    sxx = new Float64Array(p * p);
    for (let j = 0; j < p; j++) {
      for (let k = j; k < p; k++) {
        const v = g[j * dim4 + k]!;
        sxx[j * p + k] = v;
        sxx[k * p + j] = v;
      }
    }
  }
  if ((want & 2) !== 0) {
    syy = new Float64Array(q * q);
    for (let j = 0; j < q; j++) {
      for (let k = j; k < q; k++) {
        const v = g[(p4 + j) * dim4 + p4 + k]!;
        syy[j * q + k] = v;
        syy[k * q + j] = v;
      }
    }
  }
  if ((want & 4) !== 0) {
    sxy = new Float64Array(p * q);
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < q; k++) sxy[j * q + k] = g[j * dim4 + p4 + k]!;
    }
  }
  return { n, p, q, meanX, meanY, sxx, syy, sxy, sumA, sumB, sumAA, sumBB, sumAB, au, bu, av, bv };
}

/** What partialMoments returns. */
export type RawMoments = ReturnType<typeof partialMoments>;
