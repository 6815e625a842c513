/**
 * Symmetric eigendecomposition (Householder tridiagonalisation + implicit QL, the EISPACK tred2/tql2 pair as in
 * JAMA), on row-major Float64Array. The algorithm runs on the transpose of JAMA's V so that every inner loop
 * walks contiguous memory: the rotations in tql2 then touch two adjacent rows instead of two strided columns.
 */
export interface Eigen {
  /** Eigenvalues in descending order. */
  readonly values: Float64Array;
  /** n × n row-major; row k is the unit eigenvector for values[k] (empty when not requested). */
  readonly vectors: Float64Array;
}

/**
 * Eigendecomposition of the symmetric n × n row-major matrix `a` (only read, never modified). With
 * `wantVectors = false` only eigenvalues are computed, about 5× faster. Self-contained (no imports) because
 * worker threads run it from its source text.
 */
export function eigh(a: Float64Array, n: number, wantVectors = true): Eigen {
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  // Scale to unit max-abs so the plain sqrt(p² + q²) below can neither overflow nor underflow.
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const t = new Float64Array(n * n);
  if (scale === 0) {
    for (let i = 0; i < n; i++) t[i * n + i] = 1;
    return { values: new Float64Array(n), vectors: t };
  }
  // t holds Vᵀ; A is symmetric so the lower triangle of V is the upper triangle of t.
  for (let i = 0; i < n * n; i++) t[i] = a[i]! / scale;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(t, n, d, e, wantVectors);
  tql2(t, n, d, e, wantVectors);
  // Sort descending (tql2 leaves them unordered), permuting the eigenvector rows alike.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(wantVectors ? n * n : 0);
  order.forEach((src, dst) => {
    values[dst] = d[src]! * scale;
    if (wantVectors) vectors.set(t.subarray(src * n, src * n + n), dst * n);
  });
  return { values, vectors };
}

// In the two routines below, JAMA's V[r][c] is t[c*n + r]. Exported only for the worker source text.
export function tred2(t: Float64Array, n: number, d: Float64Array, e: Float64Array, wantVectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = t[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = t[j * n + i - 1]!;
        t[j * n + i] = 0;
        t[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        const row = j * n;
        t[i * n + j] = f;
        g = e[j]! + t[row + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = t[row + k]!;
          g += v * d[k]!;
          e[k]! += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const row = j * n;
        for (let k = j; k <= i - 1; k++) t[row + k]! -= f * e[k]! + g * d[k]!;
        d[j] = t[row + i - 1]!;
        t[row + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!wantVectors) {
    // The tridiagonal's diagonal is left on the diagonal of t (JAMA recovers it the same way below).
    for (let j = 0; j < n; j++) d[j] = t[j * n + j]!;
    e[0] = 0;
    return;
  }
  // Accumulate the Householder transformations.
  for (let i = 0; i < n - 1; i++) {
    t[i * n + n - 1] = t[i * n + i]!;
    t[i * n + i] = 1;
    const h = d[i + 1]!;
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = t[next + k]! / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += t[next + k]! * t[row + k]!;
        for (let k = 0; k <= i; k++) t[row + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) t[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = t[j * n + n - 1]!;
    t[j * n + n - 1] = 0;
  }
  t[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

export function tql2(t: Float64Array, n: number, d: Float64Array, e: Float64Array, wantVectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  // The rotations of one QL sweep (cosine, sine per row pair), applied to the eigenvectors after the sweep.
  const rc = new Float64Array(n);
  const rs = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`eigh: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.sqrt(p * p + e[i]! * e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          rc[i] = c;
          rs[i] = s;
        }
        if (wantVectors) rotateRows(t, n, rc, rs, m - 1, l);
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/**
 * Applies the Givens rotations i = from, from−1, …, to (rotation i mixes rows i and i+1 of t) in that order.
 * Four consecutive rotations are fused per pass, so each element of five rows is loaded and stored once instead
 * of four times: at d in the thousands the eigenvector matrix does not fit in cache and this loop is memory-bound.
 */
export function rotateRows(
  t: Float64Array,
  n: number,
  rc: Float64Array,
  rs: Float64Array,
  from: number,
  to: number,
): void {
  let i = from;
  for (; i - 3 >= to; i -= 4) {
    const c0 = rc[i]!,
      s0 = rs[i]!,
      c1 = rc[i - 1]!,
      s1 = rs[i - 1]!;
    const c2 = rc[i - 2]!,
      s2 = rs[i - 2]!,
      c3 = rc[i - 3]!,
      s3 = rs[i - 3]!;
    const r4 = (i + 1) * n,
      r3 = i * n,
      r2 = r3 - n,
      r1 = r2 - n,
      r0 = r1 - n;
    for (let k = 0; k < n; k++) {
      let h = t[r4 + k]!;
      let v = t[r3 + k]!;
      t[r4 + k] = s0 * v + c0 * h;
      h = c0 * v - s0 * h;
      v = t[r2 + k]!;
      t[r3 + k] = s1 * v + c1 * h;
      h = c1 * v - s1 * h;
      v = t[r1 + k]!;
      t[r2 + k] = s2 * v + c2 * h;
      h = c2 * v - s2 * h;
      v = t[r0 + k]!;
      t[r1 + k] = s3 * v + c3 * h;
      t[r0 + k] = c3 * v - s3 * h;
    }
  }
  for (; i >= to; i--) {
    const c = rc[i]!,
      s = rs[i]!;
    const ri = i * n;
    const rj = ri + n;
    for (let k = 0; k < n; k++) {
      const hk = t[rj + k]!;
      const vk = t[ri + k]!;
      t[rj + k] = s * vk + c * hk;
      t[ri + k] = c * vk - s * hk;
    }
  }
}
