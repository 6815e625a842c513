import { finishBasis, googleBasis, layerBasis, liveBlock, type LayerBasis } from './basis.js';
import {
  blockCorrelations,
  mean,
  padRho,
  sideGramParallel,
  sideSvd,
  sideSvdFromEigen,
  svccaBlock,
  thresholdMean,
  whitenedCross,
  whitenedCrossParallel,
  type SideSvd,
} from './canonical.js';
import type { Eigen } from './eigh.js';
import { CcaError } from './errors.js';
import { resolveLinalg, typescriptBackend, type LinalgBackend } from './linalg.js';
import type { LayerMoments, PairMoments, ParallelOptions } from './moments.js';
import { defaultThreads, eighMany } from './parallel.js';
import { resolveOptions, type Method, type ResolvedOptions, type SimilarityOptions } from './options.js';
import { googlePwccaWeights, paperPwccaWeights } from './pwcca.js';
import { linearCka } from './cka.js';
import type {
  CkaResult,
  MeanCcaResult,
  NeuronReport,
  PwccaResult,
  ResultBase,
  SimilarityResult,
  SvccaResult,
} from './results.js';

// A layer's eigendecomposition is the expensive O(d³) step: cache it per statistics object, threshold and
// backend (native and TypeScript agree only to rounding, and each path must be reproducible on its own), so
// comparing one layer against many reuses it.
const basisCache = new WeakMap<LayerMoments, Map<string, LayerBasis>>();

const basisKey = (neuronEps: number, backend: LinalgBackend) => `${backend.kind}:${neuronEps}`;

export function cachedBasis(
  m: LayerMoments,
  neuronEps: number,
  backend: LinalgBackend = typescriptBackend,
): LayerBasis {
  const b = basisCache.get(m)?.get(basisKey(neuronEps, backend));
  return b ?? storeBasis(m, basisKey(neuronEps, backend), layerBasis(m, neuronEps, backend));
}

/** google/svcca's whitening of the layer with `epsilon` = neuronEps ({@link googleBasis}), from the cached plain basis. */
export function cachedGoogleBasis(
  m: LayerMoments,
  neuronEps: number,
  backend: LinalgBackend = typescriptBackend,
): LayerBasis {
  const key = `${basisKey(neuronEps, backend)}:google`;
  return basisCache.get(m)?.get(key) ?? storeBasis(m, key, googleBasis(cachedBasis(m, neuronEps, backend), m));
}

function hasBasis(m: LayerMoments, neuronEps: number, backend: LinalgBackend): boolean {
  return basisCache.get(m)?.has(basisKey(neuronEps, backend)) === true;
}

function storeBasis(m: LayerMoments, key: string, b: LayerBasis): LayerBasis {
  let byKey = basisCache.get(m);
  if (byKey === undefined) {
    byKey = new Map();
    basisCache.set(m, byKey);
  }
  byKey.set(key, b);
  return b;
}

/**
 * How a cross matrix whitens its layers: 'plain' (this library's: eigenvalues cut at the numerical rank) or
 * 'google' (google/svcca's compute_ccas, for `pwcca-google`: ridge ε·I and numpy's pinv cutoff).
 */
type Whitening = 'plain' | 'google';

interface CrossEntry {
  readonly c: Float64Array;
  readonly bx: LayerBasis;
  readonly by: LayerBasis;
  readonly svd: Map<'x' | 'y', SideSvd>;
  /** SVCCA canonical correlations per kept-dims pair "kx x ky". */
  readonly blocks: Map<string, Float64Array>;
}

/** SVCCA's number of kept directions for one layer. */
export function svccaKeepCount(
  values: Float64Array,
  rank: number,
  keep: number,
  criterion: 'variance' | 'singular',
): number {
  let total = 0;
  const w = new Float64Array(rank);
  for (let i = 0; i < rank; i++) {
    w[i] = criterion === 'variance' ? values[i]! : Math.sqrt(values[i]!);
    total += w[i]!;
  }
  let run = 0;
  for (let i = 0; i < rank; i++) {
    run += w[i]!;
    if (run >= keep * total) return i + 1;
  }
  return rank;
}

/**
 * All similarity measures of one pair, computed lazily from its statistics and sharing the expensive parts
 * (per-layer eigendecompositions, the whitened cross matrix and its SVD) between methods.
 */
export class PairSimilarity {
  readonly options: ResolvedOptions;
  /** Where the products and decompositions run (options.linalg). */
  readonly backend: LinalgBackend;
  /** Keyed by whitening and ε. */
  private readonly crossCache = new Map<string, CrossEntry>();

  constructor(
    readonly moments: PairMoments,
    options?: SimilarityOptions,
  ) {
    this.options = resolveOptions(options);
    const { x, y, xy } = moments;
    // Threads are set per call by `prepare`; `run` alone keeps OpenBLAS's current setting (all cores by default).
    this.backend = resolveLinalg(this.options.linalg);
    if (x.n !== y.n || x.n !== xy.n || x.d !== xy.p || y.d !== xy.q) {
      throw new CcaError(
        'CCA_SHAPE',
        `statistics do not belong together: A has n=${x.n}, d=${x.d}; B has n=${y.n}, d=${y.d}; cross has n=${xy.n}, ${xy.p}×${xy.q}`,
      );
    }
  }

  /**
   * Runs the O(d³) work the given methods need on worker threads, two decompositions at a time (both layers'
   * bases, then the cross SVD and the SVCCA block). Optional: `run` computes anything missing on this thread.
   */
  async prepare(methods: readonly Method[], threads = defaultThreads()): Promise<void> {
    const wanted: { whitening: Whitening; eps: number }[] = [];
    if (methods.some((m) => m === 'mean' || m === 'svcca' || m === 'pwcca'))
      wanted.push({ whitening: 'plain', eps: this.options.neuronEps });
    if (methods.includes('pwcca-google')) wanted.push({ whitening: 'google', eps: this.options.googleNeuronEps });
    // Stage 1: layer bases (google's whitening is derived from the plain basis with the same ε).
    const pending: { m: LayerMoments; eps: number; live: number[]; dead: number[]; block: Float64Array }[] = [];
    for (const { eps } of wanted) {
      for (const m of [this.moments.x, this.moments.y]) {
        if (!hasBasis(m, eps, this.backend) && !pending.some((p) => p.m === m && p.eps === eps))
          pending.push({ m, eps, ...liveBlock(m, eps) });
      }
    }
    const eig = await eighMany(
      pending.map((p) => ({ a: p.block, n: p.live.length, wantVectors: true })),
      threads,
      this.backend,
    );
    pending.forEach((p, i) =>
      storeBasis(p.m, basisKey(p.eps, this.backend), finishBasis(p.m, p.eps, p.live, p.dead, eig[i]!)),
    );
    // Stage 2: the whitened cross matrices and the Grams of their SVDs (products split across threads), then the
    // eigendecompositions of those Grams, two at a time.
    const jobs: { a: Float64Array; n: number; wantVectors: boolean; done: (e: Eigen) => void }[] = [];
    for (const { whitening, eps } of wanted) {
      const key = `${whitening}:${eps}`;
      if (!this.crossCache.has(key)) {
        const [bx, by] = this.bases(whitening, eps);
        this.checkDetermined(bx, by);
        const c = await whitenedCrossParallel(
          bx,
          by,
          this.moments.xy.sxy,
          this.moments.xy.q,
          bx.rank,
          by.rank,
          threads,
          this.backend,
        );
        this.crossCache.set(key, { c, bx, by, svd: new Map(), blocks: new Map() });
      }
      const cr = this.cross(whitening, eps);
      const pw = whitening === 'google' || methods.includes('pwcca');
      const side = pw ? this.pwccaSide(cr) : cr.bx.rank <= cr.by.rank ? 'x' : 'y';
      if (this.cachedSvd(cr, side, pw) === undefined) {
        const [r, c] = [cr.bx.rank, cr.by.rank];
        jobs.push({
          a: await sideGramParallel(cr.c, r, c, side, threads, this.backend),
          n: side === 'x' ? r : c,
          wantVectors: pw,
          done: (e) => cr.svd.set(side, sideSvdFromEigen(e, r, c, side)),
        });
      }
      if (whitening === 'plain' && methods.includes('svcca')) {
        const [kx, ky] = this.svccaDims(cr);
        const key = `${kx}x${ky}`;
        if (!cr.blocks.has(key)) {
          const side = kx <= ky ? 'x' : 'y';
          jobs.push({
            a: await sideGramParallel(
              svccaBlock(cr.c, cr.bx.rank, cr.by.rank, kx, ky),
              kx,
              ky,
              side,
              threads,
              this.backend,
            ),
            n: side === 'x' ? kx : ky,
            wantVectors: false,
            done: (e) => cr.blocks.set(key, sideSvdFromEigen(e, kx, ky, side).rho),
          });
        }
      }
    }
    const out = await eighMany(jobs, threads, this.backend);
    jobs.forEach((j, i) => j.done(out[i]!));
  }

  run(method: Method): SimilarityResult {
    switch (method) {
      case 'mean':
        return this.meanCca();
      case 'svcca':
        return this.svcca();
      case 'pwcca':
        return this.pwcca();
      case 'pwcca-google':
        return this.pwccaGoogle();
      case 'cka':
        return this.cka(false);
      case 'cka-debiased':
        return this.cka(true);
    }
  }

  private base<M extends Method>(
    method: M,
    value: number,
    variant: string,
    warnings: string[],
  ): ResultBase & { method: M } {
    const { x, y } = this.moments;
    return { method, value, n: x.n, d1: x.d, d2: y.d, variant, warnings };
  }

  private bases(whitening: Whitening, eps: number): [LayerBasis, LayerBasis] {
    const basis = whitening === 'google' ? cachedGoogleBasis : cachedBasis;
    return [basis(this.moments.x, eps, this.backend), basis(this.moments.y, eps, this.backend)];
  }

  private cross(whitening: Whitening, eps: number): CrossEntry {
    const key = `${whitening}:${eps}`;
    let hit = this.crossCache.get(key);
    if (hit === undefined) {
      const [bx, by] = this.bases(whitening, eps);
      this.checkDetermined(bx, by);
      const c = whitenedCross(bx, by, this.moments.xy.sxy, this.moments.xy.q, bx.rank, by.rank, this.backend);
      hit = { c, bx, by, svd: new Map(), blocks: new Map() };
      this.crossCache.set(key, hit);
    }
    return hit;
  }

  /** A cached SVD of C usable for the request: values are the same from either side; vectors only from `side`. */
  private cachedSvd(cr: CrossEntry, side: 'x' | 'y', wantVectors: boolean): SideSvd | undefined {
    const own = cr.svd.get(side);
    if (own !== undefined && (!wantVectors || own.vectors.length > 0)) return own;
    if (wantVectors) return undefined;
    return cr.svd.get(side === 'x' ? 'y' : 'x');
  }

  private svdOf(cr: CrossEntry, side: 'x' | 'y', wantVectors: boolean): SideSvd {
    let s = this.cachedSvd(cr, side, wantVectors);
    if (s === undefined) {
      s = sideSvd(cr.c, cr.bx.rank, cr.by.rank, side, wantVectors, this.backend);
      cr.svd.set(side, s);
    }
    return s;
  }

  /** The layer whose canonical variates PWCCA weights: fewer live neurons, A on ties (google/svcca's rule). */
  private pwccaSide(cr: CrossEntry): 'x' | 'y' {
    return cr.bx.live.length <= cr.by.live.length ? 'x' : 'y';
  }

  private svccaDims(cr: CrossEntry): [number, number] {
    const { svccaDims, svccaKeep, svccaCriterion } = this.options;
    if (svccaDims === undefined) {
      return [
        svccaKeepCount(cr.bx.values, cr.bx.rank, svccaKeep, svccaCriterion),
        svccaKeepCount(cr.by.values, cr.by.rank, svccaKeep, svccaCriterion),
      ];
    }
    for (const [label, b] of [
      ['A', cr.bx],
      ['B', cr.by],
    ] as const) {
      if (svccaDims > b.rank)
        throw new CcaError('CCA_BAD_OPTIONS', `svccaDims = ${svccaDims} exceeds the rank ${b.rank} of ${label}`);
    }
    return [svccaDims, svccaDims];
  }

  private checkDetermined(bx: LayerBasis, by: LayerBasis): void {
    const n = this.moments.x.n;
    for (const [label, b] of [
      ['A', bx],
      ['B', by],
    ] as const) {
      if (b.live.length === 0) {
        throw new CcaError(
          'CCA_NO_LIVE_NEURONS',
          `${label} has no varying neuron (all ${b.d} are constant over the ${n} datapoints)`,
        );
      }
    }
    const widest = Math.max(bx.live.length, by.live.length);
    // Centred data spans at most N − 1 dimensions: with N − 1 ≤ width every canonical correlation is 1.
    if (n - 1 <= widest && !this.options.allowUnderdetermined) {
      throw new CcaError(
        'CCA_UNDERDETERMINED',
        `CCA needs more datapoints than neurons: N = ${n} but a layer has ${widest} live neurons, so every canonical ` +
          `correlation would be 1; use more datapoints (5–10× the width) or subsample/pool neurons`,
      );
    }
  }

  private ccaWarnings(bx: LayerBasis, by: LayerBasis): string[] {
    const w: string[] = [];
    const n = this.moments.x.n;
    const widest = Math.max(bx.live.length, by.live.length);
    if (n < 5 * widest)
      w.push(`only ${n} datapoints for ${widest} neurons (< 5×): canonical correlations are biased upwards`);
    if (bx.dead.length > 0) w.push(`A: ${bx.dead.length} constant neuron(s) dropped`);
    if (by.dead.length > 0) w.push(`B: ${by.dead.length} constant neuron(s) dropped`);
    if (bx.rank < bx.live.length) w.push(`A: rank ${bx.rank} < ${bx.live.length} live neurons (collinear neurons)`);
    if (by.rank < by.live.length) w.push(`B: rank ${by.rank} < ${by.live.length} live neurons (collinear neurons)`);
    return w;
  }

  private neurons(bx: LayerBasis, by: LayerBasis): NeuronReport {
    return {
      live1: bx.live.length,
      live2: by.live.length,
      dead1: bx.dead,
      dead2: by.dead,
      rank1: bx.rank,
      rank2: by.rank,
    };
  }

  /** Canonical correlations over all min(p′, q′) pairs (zero-padded beyond the cross rank). */
  private rhoAll(eps: number): { rho: Float64Array; bx: LayerBasis; by: LayerBasis } {
    const cr = this.cross('plain', eps);
    const { bx, by } = cr;
    const rho = padRho(
      this.svdOf(cr, bx.rank <= by.rank ? 'x' : 'y', false).rho,
      Math.min(bx.live.length, by.live.length),
    );
    return { rho, bx, by };
  }

  meanCca(): MeanCcaResult {
    const { rho, bx, by } = this.rhoAll(this.options.neuronEps);
    let sq = 0;
    for (const r of rho) sq += r * r;
    return {
      ...this.base(
        'mean',
        mean(rho),
        'mean of all min(p′,q′) canonical correlations (np.mean of google cca_coef1)',
        this.ccaWarnings(bx, by),
      ),
      ...this.neurons(bx, by),
      rho: Array.from(rho),
      meanSq: sq / rho.length,
      googleMean: thresholdMean(rho, this.options.googleMeanThreshold),
    };
  }

  svcca(): SvccaResult {
    const { svccaDims, svccaKeep, svccaCriterion, neuronEps } = this.options;
    const cr = this.cross('plain', neuronEps);
    const { c, bx, by } = cr;
    const [kx, ky] = this.svccaDims(cr);
    const key = `${kx}x${ky}`;
    let rho = cr.blocks.get(key);
    if (rho === undefined) {
      rho = blockCorrelations(c, bx.rank, by.rank, kx, ky, this.backend);
      cr.blocks.set(key, rho);
    }
    const variant =
      svccaDims !== undefined
        ? `top ${svccaDims} principal directions per layer, then mean canonical correlation`
        : `fewest principal directions covering ${svccaKeep} of Σ${svccaCriterion === 'variance' ? 'σ²' : 'σ'}, then mean canonical correlation`;
    return {
      ...this.base('svcca', mean(rho), variant, this.ccaWarnings(bx, by)),
      ...this.neurons(bx, by),
      kept1: kx,
      kept2: ky,
      criterion: svccaDims !== undefined ? 'dims' : svccaCriterion,
      keep: svccaDims ?? svccaKeep,
      rho: Array.from(rho),
    };
  }

  pwcca(): PwccaResult {
    return this.projectionWeighted('pwcca');
  }

  pwccaGoogle(): PwccaResult {
    return this.projectionWeighted('pwcca-google');
  }

  private projectionWeighted(method: 'pwcca' | 'pwcca-google'): PwccaResult {
    const google = method === 'pwcca-google';
    const eps = google ? this.options.googleNeuronEps : this.options.neuronEps;
    // pwcca-google whitens as google/svcca's compute_ccas does (ridge ε·I, pinv cutoff: see googleBasis).
    const cr = this.cross(google ? 'google' : 'plain', eps);
    const { bx, by } = cr;
    const side = this.pwccaSide(cr);
    const svd = this.svdOf(cr, side, true);
    const ba = side === 'x' ? bx : by;
    const weights = google
      ? googlePwccaWeights(ba, side === 'x' ? this.moments.x : this.moments.y, svd.vectors, undefined, this.backend)
      : paperPwccaWeights(ba, svd.vectors, this.backend);
    const rho = padRho(svd.rho, weights.length);
    let value = 0;
    for (let i = 0; i < weights.length; i++) value += weights[i]! * rho[i]!;
    const variant = google
      ? `google/svcca compute_pwcca (epsilon=${eps}: neurons below ε·max variance dropped, ridge ε·I): weights from QR of uᵀ(Z−m)+m against uncentred neurons`
      : "Morcos et al. 2018: α_i = Σ_j |⟨h_i, z_j⟩| over the smaller layer's centred neurons, Σ α_i ρ_i / Σ α_i";
    // Warnings and ranks describe the data, so they come from the plain bases (the ridge hides collinearity).
    const [px, py] = google ? this.bases('plain', eps) : [bx, by];
    return {
      ...this.base(method, value, variant, this.ccaWarnings(px, py)),
      ...this.neurons(px, py),
      side: side === 'x' ? 'A' : 'B',
      weights: Array.from(weights),
      rho: Array.from(rho),
    };
  }

  cka(debiased: boolean): CkaResult {
    const r = linearCka(this.moments, debiased);
    return {
      ...this.base(
        debiased ? 'cka-debiased' : 'cka',
        r.value,
        debiased
          ? 'linear CKA with unbiased HSIC (Kornblith et al. 2019, Song et al. 2012)'
          : 'linear CKA (Kornblith et al. 2019)',
        r.warnings,
      ),
      hsicXY: r.xy,
      hsicXX: r.xx,
      hsicYY: r.yy,
    };
  }
}

/** Computes the requested methods from a pair's statistics, on this thread; shared work is done once. */
export function similarityFromMoments(
  m: PairMoments,
  methods: readonly Method[],
  options?: SimilarityOptions,
): SimilarityResult[] {
  const s = new PairSimilarity(m, options);
  return methods.map((method) => s.run(method));
}

/** {@link similarityFromMoments} with the O(d³) decompositions spread over worker threads. */
export async function similarityFromMomentsParallel(
  m: PairMoments,
  methods: readonly Method[],
  options?: SimilarityOptions,
  parallel?: ParallelOptions,
): Promise<SimilarityResult[]> {
  const linalg = options?.linalg ?? parallel?.linalg;
  const s = new PairSimilarity(m, { ...options, ...(linalg === undefined ? {} : { linalg }) });
  await s.prepare(methods, parallel?.threads ?? defaultThreads());
  return methods.map((method) => s.run(method));
}
