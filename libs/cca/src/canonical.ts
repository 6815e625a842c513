import type { LayerBasis } from './basis.js';
import { pick, topLeft, transpose } from './dense.js';
import { matmulTParallel } from './parallel.js';
import type { Eigen } from './eigh.js';
import { typescriptBackend, type LinalgBackend } from './linalg.js';

/**
 * The whitened cross matrix C = W_xᵀ S_xy W_y between the leading kx principal directions of X and ky of Y,
 * with W = V_k Λ_k^{-1/2}; its singular values are the canonical correlations. Because the bases are sorted by
 * decreasing variance, the C of any SVCCA truncation is the top-left block of the full one.
 */
export function whitenedCross(
  bx: LayerBasis,
  by: LayerBasis,
  sxy: Float64Array,
  q: number,
  kx: number,
  ky: number,
  backend: LinalgBackend = typescriptBackend,
): Float64Array {
  const px = bx.live.length;
  const py = by.live.length;
  const sLive = pick(sxy, q, bx.live, by.live);
  const t = backend.matmul(bx.vectors.subarray(0, kx * px), sLive, kx, px, py);
  return scaleCross(backend.matmulT(t, by.vectors.subarray(0, ky * py), kx, py, ky), bx, by, kx, ky);
}

/** {@link whitenedCross} with its two products split across worker threads (worth it from d ≈ 500). */
export async function whitenedCrossParallel(
  bx: LayerBasis,
  by: LayerBasis,
  sxy: Float64Array,
  q: number,
  kx: number,
  ky: number,
  threads: number,
  backend: LinalgBackend = typescriptBackend,
): Promise<Float64Array> {
  if (backend.kind === 'native') {
    backend.setThreads(threads);
    return whitenedCross(bx, by, sxy, q, kx, ky, backend);
  }
  const px = bx.live.length;
  const py = by.live.length;
  // Vx·S = Vx·(Sᵀ)ᵀ: the live cross block is picked already transposed.
  const sLiveT = transpose(pick(sxy, q, bx.live, by.live), px, py);
  const t = await matmulTParallel(bx.vectors.subarray(0, kx * px), sLiveT, kx, px, py, threads);
  return scaleCross(await matmulTParallel(t, by.vectors.subarray(0, ky * py), kx, py, ky, threads), bx, by, kx, ky);
}

function scaleCross(c: Float64Array, bx: LayerBasis, by: LayerBasis, kx: number, ky: number): Float64Array {
  for (let i = 0; i < kx; i++) {
    const si = 1 / Math.sqrt(bx.values[i]!);
    for (let j = 0; j < ky; j++) c[i * ky + j]! *= si / Math.sqrt(by.values[j]!);
  }
  return c;
}

/** Singular values of an r × c matrix with the singular vectors of one side. */
export interface SideSvd {
  /** min(r, c) singular values, descending, clipped to [0, 1] (they are correlations). */
  readonly rho: Float64Array;
  /** 'x' = left (rows of C), 'y' = right. */
  readonly side: 'x' | 'y';
  /** k × k (k = r for 'x', c for 'y'); row i is the singular vector of the i-th largest value (empty if not requested). */
  readonly vectors: Float64Array;
}

/**
 * SVD through the eigendecomposition of C·Cᵀ (side 'x') or Cᵀ·C (side 'y'). Squaring is harmless here: the
 * entries are correlations in [0, 1], so the absolute error of ρ² is about machine epsilon.
 */
export function sideSvd(
  c: Float64Array,
  r: number,
  cols: number,
  side: 'x' | 'y',
  wantVectors = true,
  backend: LinalgBackend = typescriptBackend,
): SideSvd {
  return sideSvdFromEigen(
    backend.eigh(sideGram(c, r, cols, side, backend), side === 'x' ? r : cols, wantVectors),
    r,
    cols,
    side,
  );
}

/** C·Cᵀ (side 'x') or Cᵀ·C (side 'y'): the matrix whose eigendecomposition {@link sideSvd} takes. */
export function sideGram(
  c: Float64Array,
  r: number,
  cols: number,
  side: 'x' | 'y',
  backend: LinalgBackend = typescriptBackend,
): Float64Array {
  if (side === 'x') return backend.matmulT(c, c, r, cols, r);
  const ct = transpose(c, r, cols);
  return backend.matmulT(ct, ct, cols, r, cols);
}

/** {@link sideGram} on worker threads. */
export async function sideGramParallel(
  c: Float64Array,
  r: number,
  cols: number,
  side: 'x' | 'y',
  threads: number,
  backend: LinalgBackend = typescriptBackend,
): Promise<Float64Array> {
  if (backend.kind === 'native') {
    backend.setThreads(threads);
    return sideGram(c, r, cols, side, backend);
  }
  if (side === 'x') return matmulTParallel(c, c, r, cols, r, threads);
  const ct = transpose(c, r, cols);
  return matmulTParallel(ct, ct, cols, r, cols, threads);
}

export function sideSvdFromEigen(e: Eigen, r: number, cols: number, side: 'x' | 'y'): SideSvd {
  const m = Math.min(r, cols);
  const rho = new Float64Array(m);
  for (let i = 0; i < m; i++) rho[i] = Math.min(1, Math.sqrt(Math.max(0, e.values[i]!)));
  return { rho, side, vectors: e.vectors };
}

/** Canonical correlations of the leading kx × ky block of the rx × ry matrix C. */
export function blockCorrelations(
  c: Float64Array,
  rx: number,
  ry: number,
  kx: number,
  ky: number,
  backend: LinalgBackend = typescriptBackend,
): Float64Array {
  return sideSvd(svccaBlock(c, rx, ry, kx, ky), kx, ky, kx <= ky ? 'x' : 'y', false, backend).rho;
}

export function svccaBlock(c: Float64Array, rx: number, ry: number, kx: number, ky: number): Float64Array {
  return kx === rx && ky === ry ? c : topLeft(c, ry, kx, ky);
}

/** ρ padded with zeros to length k (the mean is taken over all k = min(p′, q′) pairs, as google/svcca does). */
export function padRho(rho: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k);
  out.set(rho.subarray(0, Math.min(k, rho.length)));
  return out;
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length === 0 ? 0 : s / a.length;
}

/**
 * google/svcca's `get_cca_similarity(...)["mean"]`: the mean of the leading coefficients whose running sum first
 * reaches `threshold` of the total (their `sum_threshold`), not the plain mean.
 */
export function thresholdMean(rho: ArrayLike<number>, threshold = 0.98): number {
  let total = 0;
  for (let i = 0; i < rho.length; i++) total += rho[i]!;
  let run = 0;
  for (let i = 1; i <= rho.length; i++) {
    run += rho[i - 1]!;
    if (run / total >= threshold) return run / i;
  }
  return total / rho.length;
}
