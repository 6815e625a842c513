import type { Method } from './options.js';

// What each method returns; every result names its variant and carries the counts needed to read it.

/** Fields every result carries. `d1`/`d2` are the neuron counts of A and B as given. */
export interface ResultBase {
  readonly method: Method;
  readonly value: number;
  readonly n: number;
  readonly d1: number;
  readonly d2: number;
  /** Which definition the value follows, e.g. "mean of all min(p′,q′) canonical correlations". */
  readonly variant: string;
  readonly warnings: string[];
}

/** Neuron bookkeeping shared by the CCA-family results. */
export interface NeuronReport {
  readonly live1: number;
  readonly live2: number;
  /** Indices of dropped constant / near-constant neurons. */
  readonly dead1: number[];
  readonly dead2: number[];
  readonly rank1: number;
  readonly rank2: number;
}

export interface MeanCcaResult extends ResultBase, NeuronReport {
  readonly method: 'mean';
  /** min(live1, live2) canonical correlations, descending, zero-padded beyond the cross rank. */
  readonly rho: number[];
  readonly meanSq: number;
  /** google/svcca's `get_cca_similarity(...)["mean"]` (mean of the leading ρ covering 98% of Σρ). */
  readonly googleMean: number;
}

export interface SvccaResult extends ResultBase, NeuronReport {
  readonly method: 'svcca';
  readonly kept1: number;
  readonly kept2: number;
  readonly criterion: 'variance' | 'singular' | 'dims';
  readonly keep: number;
  readonly rho: number[];
}

export interface PwccaResult extends ResultBase, NeuronReport {
  readonly method: 'pwcca' | 'pwcca-google';
  /** Side whose canonical variates are weighted: the one with fewer live neurons (A on ties), as google does. */
  readonly side: 'A' | 'B';
  /** Normalised weights α_i (sum 1), aligned with rho. */
  readonly weights: number[];
  readonly rho: number[];
}

export interface CkaResult extends ResultBase {
  readonly method: 'cka' | 'cka-debiased';
  /** The HSIC-type terms: ⟨K,L⟩, ⟨K,K⟩, ⟨L,L⟩ in feature form (debiased: n(n−3)·HSIC_u). */
  readonly hsicXY: number;
  readonly hsicXX: number;
  readonly hsicYY: number;
}

export type SimilarityResult = MeanCcaResult | SvccaResult | PwccaResult | CkaResult;
