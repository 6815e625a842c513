import type { LayerBasis } from './basis.js';
import { pick } from './dense.js';
import { typescriptBackend, type LinalgBackend } from './linalg.js';
import type { LayerMoments } from './moments.js';

/** Σ_j |M_ij| for each of the r rows of an r × c matrix, normalised to sum 1: the PWCCA weights. */
function normalisedRowAbsSums(m: Float64Array, r: number, c: number): Float64Array {
  const w = new Float64Array(r);
  let total = 0;
  for (let i = 0; i < r; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.abs(m[i * c + j]!);
    w[i] = s;
    total += s;
  }
  if (total > 0) for (let i = 0; i < r; i++) w[i]! /= total;
  return w;
}

/**
 * PWCCA weights as defined by Morcos et al. 2018: α_i = Σ_j |⟨h_i, z_j⟩| with h_i the i-th canonical variate
 * (a unit N-vector) and z_j the centred live neurons. In statistics form ⟨h_i, z_j⟩ = (Pᵀ Λ^{1/2} V)_ij, with
 * P the singular vectors of the whitened cross matrix (rows of `p`, r × r, r = rank) and V, Λ the layer's
 * principal basis — no N-vector is ever formed.
 */
export function paperPwccaWeights(
  b: LayerBasis,
  p: Float64Array,
  backend: LinalgBackend = typescriptBackend,
): Float64Array {
  const r = b.rank;
  const live = b.live.length;
  const scaled = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < r; k++) scaled[i * r + k] = p[i * r + k]! * Math.sqrt(b.values[k]!);
  }
  return normalisedRowAbsSums(backend.matmul(scaled, b.vectors.subarray(0, r * live), r, r, live), r, live);
}

/**
 * google/svcca `compute_pwcca`, reproduced from statistics. Its "directions" are D = Xc·U + 1·mᵀ (U the left
 * singular vectors of Σxx^{-1/2}Σxy Σyy^{-1/2} in neuron coordinates, m the neuron means added back per
 * direction), orthonormalised by QR, and its weights are Σ_j |⟨q_i, z_j⟩| over the *uncentred* neurons z_j.
 * With R = chol(DᵀD) = chol(UᵀSU + n·m mᵀ), Qᵀ Z = R^{-T}(UᵀS + n·m mᵀ), so only S, m and n are needed.
 * Directions past the rank (zero correlations) are completed with the layer's remaining principal axes.
 *
 * Because the means are added back, the result depends on the arbitrary sign of every singular vector (a sign
 * flip of u_i is not a sign flip of its direction). google inherits LAPACK's signs; we fix each direction's
 * largest-magnitude neuron coefficient to be positive (sklearn's `svd_flip` rule). `signs` (±1 per direction,
 * relative to that rule) exists to reproduce a particular LAPACK run exactly.
 *
 * Step by step against google/svcca pwcca.py (lines of PR #9's head 766f206; master differs only in L50):
 * - L41 `np.sum(x_idxs) <= np.sum(y_idxs)`: the layer with fewer kept neurons (`PairSimilarity.pwccaSide`);
 * - `coef_x` = uᵀ from cca_core `compute_ccas`' SVD of (Σxx+εI)^{-1/2} Σxy (Σyy+εI)^{-1/2}: `p` here, taken to
 *   neuron coordinates by `b`, which must be the whitening of `googleBasis` in basis.ts (neurons dropped by
 *   `remove_small`, ridge ε·I, pinv cutoff);
 * - L42–44 `dirns = coef_x·(acts1[x_idxs] − m[x_idxs]) + m[x_idxs]`: direction i gets the mean of the i-th kept
 *   neuron (not uᵢᵀm), and `coef_x` is applied unwhitened;
 * - L55–56 `P = qr(dirns.T)`, `weights = Σ_t |Pᵀ·acts[idxs]|` over the uncentred kept neurons: R^{-T}(UᵀS + n·m mᵀ)
 *   below; L57 normalised to sum 1. The caller pads ρ with zeros to the number of kept neurons (`cca_coef1`).
 */
export function googlePwccaWeights(
  b: LayerBasis,
  layer: LayerMoments,
  p: Float64Array,
  signs?: ArrayLike<number>,
  backend: LinalgBackend = typescriptBackend,
): Float64Array {
  const r = b.rank;
  const live = b.live.length;
  const n = layer.n;
  const dir = new Float64Array(live * live);
  dir.set(backend.matmul(p, b.vectors.subarray(0, r * live), r, r, live));
  dir.set(b.vectors.subarray(r * live, live * live), r * live);
  for (let i = 0; i < live; i++) {
    const row = dir.subarray(i * live, i * live + live);
    let big = 0;
    for (const v of row) if (Math.abs(v) > Math.abs(big)) big = v;
    const sign = (big < 0 ? -1 : 1) * (signs?.[i] ?? 1);
    if (sign < 0) for (let j = 0; j < live; j++) row[j] = -row[j]!;
  }
  const s = pick(layer.s, layer.d, b.live, b.live);
  const m = Float64Array.from(b.live, (j) => layer.mean[j]!);
  const f = backend.matmul(dir, s, live, live, live); // U'S
  const g = backend.matmulT(f, dir, live, live, live); // U'SU
  for (let i = 0; i < live; i++) {
    for (let j = 0; j < live; j++) {
      const nm = n * m[i]! * m[j]!;
      f[i * live + j]! += nm;
      g[i * live + j]! += nm;
    }
  }
  return normalisedRowAbsSums(lowerSolve(choleskyLower(g, live), f, live), live, live);
}

/**
 * Lower Cholesky factor of a symmetric positive semi-definite matrix. A pivot below n·eps of the largest
 * diagonal marks a direction linearly dependent on the previous ones; its column is zeroed (QR would give it
 * an arbitrary unit vector), so it gets weight 0 instead of a NaN.
 */
export function choleskyLower(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]!);
  const tol = maxDiag * n * Number.EPSILON;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (d <= tol) continue; // column j stays zero
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = a[i * n + j]!;
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = v / ljj;
    }
  }
  return l;
}

/** Solves L·W = F for W (n × n), skipping the zeroed directions of {@link choleskyLower}. */
export function lowerSolve(l: Float64Array, f: Float64Array, n: number): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const lii = l[i * n + i]!;
    if (lii === 0) continue;
    const row = w.subarray(i * n, i * n + n);
    row.set(f.subarray(i * n, i * n + n));
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k]!;
      if (lik === 0) continue;
      const o = k * n;
      for (let j = 0; j < n; j++) row[j]! -= lik * w[o + j]!;
    }
    for (let j = 0; j < n; j++) row[j]! /= lii;
  }
  return w;
}
