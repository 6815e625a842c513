import type { Eigen } from './eigh.js';
import { pick } from './dense.js';
import { typescriptBackend, type LinalgBackend } from './linalg.js';
import type { LayerMoments } from './moments.js';

/**
 * A layer's principal basis: which neurons are live, the eigendecomposition of their co-moment, and its
 * numerical rank. Computed once per layer (the O(d³) part) and reused for every pair and method.
 */
export interface LayerBasis {
  readonly n: number;
  readonly d: number;
  /** Indices of live neurons (variance ≥ neuronEps · max variance). */
  readonly live: Int32Array;
  /** Indices of dropped (constant or near-constant) neurons. */
  readonly dead: number[];
  readonly neuronEps: number;
  /** Eigenvalues of the live co-moment, descending (these are N·σ² of the centred data's singular values). */
  readonly values: Float64Array;
  /** live × live; row k is the eigenvector of values[k], in live-neuron coordinates. */
  readonly vectors: Float64Array;
  /** Eigenvalues above λ_max · max(n, d) · eps: the numerical rank. */
  readonly rank: number;
}

/** The largest diagonal entry of a layer's co-moment: N − 1 times its largest neuron variance. */
function maxVariance(m: LayerMoments): number {
  let maxVar = 0;
  for (let j = 0; j < m.d; j++) maxVar = Math.max(maxVar, m.s[j * m.d + j]!);
  return maxVar;
}

/** Live and dead neurons of a layer, and the live block of its co-moment (the matrix to decompose). */
export function liveBlock(m: LayerMoments, neuronEps: number): { live: number[]; dead: number[]; block: Float64Array } {
  const { d, s } = m;
  const maxVar = maxVariance(m);
  const live: number[] = [];
  const dead: number[] = [];
  for (let j = 0; j < d; j++) {
    const v = s[j * d + j]!;
    // A constant neuron has exactly zero co-moment; with neuronEps = 0 it is still live (google/svcca's default).
    if (maxVar > 0 && v >= neuronEps * maxVar) live.push(j);
    else dead.push(j);
  }
  return { live, dead, block: pick(s, d, live, live) };
}

/** Completes a basis from the eigendecomposition of {@link liveBlock}'s block (computed here or in a worker). */
export function finishBasis(m: LayerMoments, neuronEps: number, live: number[], dead: number[], e: Eigen): LayerBasis {
  const p = live.length;
  const tol = (e.values[0] ?? 0) * Math.max(m.n, m.d) * Number.EPSILON;
  let rank = 0;
  while (rank < p && e.values[rank]! > tol) rank++;
  return { n: m.n, d: m.d, live: Int32Array.from(live), dead, neuronEps, values: e.values, vectors: e.vectors, rank };
}

export function layerBasis(m: LayerMoments, neuronEps: number, backend: LinalgBackend = typescriptBackend): LayerBasis {
  const { live, dead, block } = liveBlock(m, neuronEps);
  return finishBasis(m, neuronEps, live, dead, backend.eigh(block, live.length));
}

/** numpy's `pinv` cutoff (rcond = 1e-15 of the largest singular value), which google/svcca's whitening uses. */
const PINV_RCOND = 1e-15;

/**
 * The whitening google/svcca's `compute_ccas` (cca_core.py) applies for `pwcca-google`, derived from the layer's
 * plain basis with the same ε (`neuronEps` = google's `epsilon`; the eigenvectors are shared, no new decomposition):
 *
 * 1. `get_cca_similarity` rescales Σxx by its largest |entry| (= the largest variance) and `remove_small` keeps
 *    neurons whose rescaled variance is ≥ ε: {@link liveBlock}'s rule (up to rounding), so `live` and `dead` are
 *    the plain basis's.
 * 2. `compute_ccas` then adds ε·I to the rescaled, cropped Σxx: in co-moment units a ridge of ε · max variance,
 *    which shifts every eigenvalue by that much (google's regularisation; none when ε = 0).
 * 3. `np.linalg.pinv` drops eigenvalues ≤ 1e-15 of the largest. We also drop those below the plain basis's
 *    rounding-noise floor (λ_max · max(N, d) · eps; zero in exact arithmetic). There google's
 *    `positivedef_matrix_sqrt` takes the square root of rounding noise, a NaN when it is negative, and numpy's SVD
 *    then fails ("SVD did not converge"), so we follow its steps in exact arithmetic. Once ε · max variance
 *    exceeds that floor, the ridge lifts every eigenvalue above both cutoffs: collinear neurons are regularised,
 *    not dropped, as in google's code.
 */
export function googleBasis(plain: LayerBasis, m: LayerMoments): LayerBasis {
  const ridge = plain.neuronEps * maxVariance(m);
  const values = Float64Array.from(plain.values, (v) => v + ridge);
  const top = values[0] ?? 0;
  const tol = Math.max(PINV_RCOND * top, (plain.values[0] ?? 0) * Math.max(m.n, m.d) * Number.EPSILON);
  let rank = 0;
  while (rank < values.length && values[rank]! > tol) rank++;
  return ridge === 0 && rank === plain.rank ? plain : { ...plain, values, rank };
}
