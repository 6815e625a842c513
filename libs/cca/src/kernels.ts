/**
 * Hot loops for the O(N·d²) co-moment accumulation. Every function here is self-contained (no imports, no
 * closures, only calls to each other by name) because worker threads are started from their source text
 * (`fn.toString()`), which works both from compiled dist/ and under vitest.
 */

/** Rows per panel: small enough that a 4-row slice of the transposed panel stays in L1 while tiles sweep. */
export const PANEL_ROWS = 128;

/**
 * Gram update G += Pᵀ P over 4×4 tiles (j, k) with j in [j0, j1), k in [max(j, k0), k1), where the panel P is
 * stored transposed: neuron j occupies P[j*b .. j*b+b), and `ld` is the leading dimension of G. With k ≥ j only
 * the upper triangle is touched, so one call serves X'X (diagonal block) and X'Y (off-diagonal block) alike.
 * Sixteen scalar accumulators keep the inner loop free of memory writes.
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
    const ja = j * b;
    const jb = ja + b;
    const jc = jb + b;
    const jd = jc + b;
    for (let k = Math.max(j, k0); k < k1; k += 4) {
      const ka = k * b;
      const kb = ka + b;
      const kc = kb + b;
      const kd = kc + b;
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
      for (let t = 0; t < b; t++) {
        const a0 = p[ja + t]!;
        const a1 = p[jb + t]!;
        const a2 = p[jc + t]!;
        const a3 = p[jd + t]!;
        const c0 = p[ka + t]!;
        const c1 = p[kb + t]!;
        const c2 = p[kc + t]!;
        const c3 = p[kd + t]!;
        s00 += a0 * c0;
        s01 += a0 * c1;
        s02 += a0 * c2;
        s03 += a0 * c3;
        s10 += a1 * c0;
        s11 += a1 * c1;
        s12 += a1 * c2;
        s13 += a1 * c3;
        s20 += a2 * c0;
        s21 += a2 * c1;
        s22 += a2 * c2;
        s23 += a2 * c3;
        s30 += a3 * c0;
        s31 += a3 * c1;
        s32 += a3 * c2;
        s33 += a3 * c3;
      }
      let o = j * ld + k;
      g[o] += s00;
      g[o + 1] += s01;
      g[o + 2] += s02;
      g[o + 3] += s03;
      o += ld;
      g[o] += s10;
      g[o + 1] += s11;
      g[o + 2] += s12;
      g[o + 3] += s13;
      o += ld;
      g[o] += s20;
      g[o + 1] += s21;
      g[o + 2] += s22;
      g[o + 3] += s23;
      o += ld;
      g[o] += s30;
      g[o + 1] += s31;
      g[o + 2] += s32;
      g[o + 3] += s33;
    }
  }
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
