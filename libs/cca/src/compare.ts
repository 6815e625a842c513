import type { Matrix } from './matrix.js';
import { pairMomentsParallel, type ParallelOptions } from './moments.js';
import { parseMethods, type Method, type SimilarityOptions } from './options.js';
import type { CkaResult, MeanCcaResult, PwccaResult, SimilarityResult, SvccaResult } from './results.js';
import { similarityFromMomentsParallel } from './similarity.js';

/**
 * One-call comparison of two in-memory layers (rows = the same datapoints): accumulates the statistics once
 * and evaluates every requested method from them, both on worker threads.
 */
export async function compare(
  x: Matrix,
  y: Matrix,
  methods: string | readonly Method[],
  options?: SimilarityOptions,
  parallel?: ParallelOptions,
): Promise<SimilarityResult[]> {
  const list = parseMethods(methods);
  // One `linalg` choice for both stages, from either options object.
  const linalg = parallel?.linalg ?? options?.linalg;
  const m = await pairMomentsParallel(x, y, { ...parallel, ...(linalg === undefined ? {} : { linalg }) });
  return similarityFromMomentsParallel(m, list, { ...options, ...(linalg === undefined ? {} : { linalg }) }, parallel);
}

interface ResultOf {
  mean: MeanCcaResult;
  svcca: SvccaResult;
  pwcca: PwccaResult;
  'pwcca-google': PwccaResult;
  cka: CkaResult;
  'cka-debiased': CkaResult;
}

async function one<M extends Method>(
  method: M,
  x: Matrix,
  y: Matrix,
  options?: SimilarityOptions,
  parallel?: ParallelOptions,
): Promise<ResultOf[M]> {
  const [r] = await compare(x, y, [method], options, parallel);
  return r as ResultOf[M];
}

type One<M extends Method> = (
  x: Matrix,
  y: Matrix,
  options?: SimilarityOptions,
  parallel?: ParallelOptions,
) => Promise<ResultOf[M]>;

/** Mean canonical correlation of two layers (rows = the same datapoints). */
export const meanCca: One<'mean'> = (x, y, o, p) => one('mean', x, y, o, p);
/** SVCCA (Raghu et al. 2017): 99% of variance per layer (configurable), then mean CCA. */
export const svcca: One<'svcca'> = (x, y, o, p) => one('svcca', x, y, o, p);
/** PWCCA as defined by Morcos et al. 2018. */
export const pwcca: One<'pwcca'> = (x, y, o, p) => one('pwcca', x, y, o, p);
/** google/svcca's `compute_pwcca` (see the README on its sign ambiguity). */
export const pwccaGoogle: One<'pwcca-google'> = (x, y, o, p) => one('pwcca-google', x, y, o, p);
/** Linear CKA (Kornblith et al. 2019). */
export const cka: One<'cka'> = (x, y, o, p) => one('cka', x, y, o, p);
/** Debiased linear CKA (unbiased HSIC). */
export const ckaDebiased: One<'cka-debiased'> = (x, y, o, p) => one('cka-debiased', x, y, o, p);
