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

/** Live and dead neurons of a layer, and the live block of its co-moment (the matrix to decompose). */
export function liveBlock(m: LayerMoments, neuronEps: number): { live: number[]; dead: number[]; block: Float64Array } {
  const { d, s } = m;
  let maxVar = 0;
  for (let j = 0; j < d; j++) maxVar = Math.max(maxVar, s[j * d + j]!);
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
