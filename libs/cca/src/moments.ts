import { CcaError } from './errors.js';
import { PANEL_ROWS, partialMoments, type RawMoments } from './kernels.js';
import { parseLinalgMode, resolveLinalg, type LinalgMode } from './linalg.js';
import { assertActivations, assertPair, type Matrix } from './matrix.js';
import { defaultThreads, partialMomentsParallel } from './parallel.js';

/**
 * Sufficient statistics of one layer over n datapoints, in float64: the mean, the centred co-moment
 * S = Σ (x−m)(x−m)ᵀ, and the row-norm sums debiased CKA needs (a_i = ‖x_i − m‖²): Σa_i² and Σ a_i (x_i − m).
 * Everything in this library is computed from these plus {@link CrossMoments}, so N can exceed memory and a
 * layer's statistics are reusable across every pair it takes part in.
 */
export interface LayerMoments {
  readonly n: number;
  readonly d: number;
  readonly mean: Float64Array;
  /** d × d row-major, symmetric. */
  readonly s: Float64Array;
  readonly sumAA: number;
  readonly au: Float64Array;
}

/** Cross statistics of a pair of layers over the same n datapoints. */
export interface CrossMoments {
  readonly n: number;
  readonly p: number;
  readonly q: number;
  readonly meanX: Float64Array;
  readonly meanY: Float64Array;
  /** p × q row-major Σ (x−m_x)(y−m_y)ᵀ. */
  readonly sxy: Float64Array;
  /** Σ a_i = trace S_xx and Σ b_i = trace S_yy (needed to re-centre the sums below when merging). */
  readonly sumA: number;
  readonly sumB: number;
  /** Σ a_i b_i, Σ b_i u_i (p), Σ a_i v_i (q). */
  readonly sumAB: number;
  readonly bu: Float64Array;
  readonly av: Float64Array;
}

export interface PairMoments {
  readonly x: LayerMoments;
  readonly y: LayerMoments;
  readonly xy: CrossMoments;
}

export const WANT_XX = 1;
export const WANT_YY = 2;
export const WANT_XY = 4;

export function layerFromRaw(r: RawMoments, side: 'x' | 'y'): LayerMoments {
  const s = side === 'x' ? r.sxx : r.syy;
  if (s === null) throw new CcaError('CCA_BAD_OPTIONS', `internal: ${side} co-moment was not computed`);
  return side === 'x'
    ? { n: r.n, d: r.p, mean: r.meanX, s, sumAA: r.sumAA, au: r.au }
    : { n: r.n, d: r.q, mean: r.meanY, s, sumAA: r.sumBB, au: r.bv };
}

export function crossFromRaw(r: RawMoments): CrossMoments {
  if (r.sxy === null) throw new CcaError('CCA_BAD_OPTIONS', 'internal: cross co-moment was not computed');
  return {
    n: r.n,
    p: r.p,
    q: r.q,
    meanX: r.meanX,
    meanY: r.meanY,
    sxy: r.sxy,
    sumA: r.sumA,
    sumB: r.sumB,
    sumAB: r.sumAB,
    bu: r.bu,
    av: r.av,
  };
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** M·v for a row-major r × c matrix. */
function matVec(m: Float64Array, r: number, c: number, v: Float64Array): Float64Array {
  const out = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    let s = 0;
    const o = i * c;
    for (let j = 0; j < c; j++) s += m[o + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** Mᵀ·v for a row-major r × c matrix. */
function matTVec(m: Float64Array, r: number, c: number, v: Float64Array): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < r; i++) {
    const vi = v[i]!;
    const o = i * c;
    for (let j = 0; j < c; j++) out[j]! += m[o + j]! * vi;
  }
  return out;
}

function weightedMean(a: Float64Array, na: number, b: Float64Array, nb: number): Float64Array {
  const n = na + nb;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (na * a[i]! + nb * b[i]!) / n;
  return out;
}

/**
 * Re-centres a layer's row-norm sums at a new centre: with g = m_old − m_new (so u' = u + g),
 * Σa'² = Σa² + 4g·Σau + 2‖g‖²Σa + 4gᵀSg + n‖g‖⁴ and Σa'u' = Σau + (Σa)g + 2Sg + n‖g‖²g.
 */
function shiftLayer(m: LayerMoments, g: Float64Array): { sumAA: number; au: Float64Array } {
  const d = m.d;
  const gg = dot(g, g);
  const sg = matVec(m.s, d, d, g);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += m.s[i * d + i]!;
  const sumAA = m.sumAA + 4 * dot(g, m.au) + 2 * gg * trace + 4 * dot(g, sg) + m.n * gg * gg;
  const au = new Float64Array(d);
  for (let i = 0; i < d; i++) au[i] = m.au[i]! + trace * g[i]! + 2 * sg[i]! + m.n * gg * g[i]!;
  return { sumAA, au };
}

/** Chan et al.'s pairwise merge of two layers' statistics (exact up to rounding). */
export function mergeLayer(a: LayerMoments, b: LayerMoments): LayerMoments {
  if (a.d !== b.d) throw new CcaError('CCA_SHAPE', `cannot merge layer statistics of ${a.d} and ${b.d} neurons`);
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const d = a.d;
  const mean = weightedMean(a.mean, a.n, b.mean, b.n);
  const delta = sub(b.mean, a.mean);
  const f = (a.n * b.n) / n;
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) s[i * d + j] = a.s[i * d + j]! + b.s[i * d + j]! + f * delta[i]! * delta[j]!;
  }
  const sa = shiftLayer(a, sub(a.mean, mean));
  const sb = shiftLayer(b, sub(b.mean, mean));
  const au = new Float64Array(d);
  for (let i = 0; i < d; i++) au[i] = sa.au[i]! + sb.au[i]!;
  return { n, d, mean, s, sumAA: sa.sumAA + sb.sumAA, au };
}

/** Re-centres the cross sums (see {@link shiftLayer}) with g, h the x and y mean shifts. */
function shiftCross(m: CrossMoments, g: Float64Array, h: Float64Array) {
  const gg = dot(g, g);
  const hh = dot(h, h);
  const sh = matVec(m.sxy, m.p, m.q, h);
  const stg = matTVec(m.sxy, m.p, m.q, g);
  const sumAB =
    m.sumAB + 2 * dot(h, m.av) + hh * m.sumA + 2 * dot(g, m.bu) + 4 * dot(g, sh) + gg * m.sumB + m.n * gg * hh;
  const bu = new Float64Array(m.p);
  for (let i = 0; i < m.p; i++) bu[i] = m.bu[i]! + m.sumB * g[i]! + 2 * sh[i]! + m.n * hh * g[i]!;
  const av = new Float64Array(m.q);
  for (let i = 0; i < m.q; i++) av[i] = m.av[i]! + m.sumA * h[i]! + 2 * stg[i]! + m.n * gg * h[i]!;
  // Σa and Σb re-centre too: Σa' = Σa + n‖g‖² (because Σu = 0).
  return { sumAB, bu, av, sumA: m.sumA + m.n * gg, sumB: m.sumB + m.n * hh };
}

/** Chan merge of two cross statistics over disjoint datapoints. */
export function mergeCross(a: CrossMoments, b: CrossMoments): CrossMoments {
  if (a.p !== b.p || a.q !== b.q) {
    throw new CcaError('CCA_SHAPE', `cannot merge cross statistics ${a.p}×${a.q} and ${b.p}×${b.q}`);
  }
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const { p, q } = a;
  const n = a.n + b.n;
  const meanX = weightedMean(a.meanX, a.n, b.meanX, b.n);
  const meanY = weightedMean(a.meanY, a.n, b.meanY, b.n);
  const dx = sub(b.meanX, a.meanX);
  const dy = sub(b.meanY, a.meanY);
  const f = (a.n * b.n) / n;
  const sxy = new Float64Array(p * q);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) sxy[i * q + j] = a.sxy[i * q + j]! + b.sxy[i * q + j]! + f * dx[i]! * dy[j]!;
  }
  const sa = shiftCross(a, sub(a.meanX, meanX), sub(a.meanY, meanY));
  const sb = shiftCross(b, sub(b.meanX, meanX), sub(b.meanY, meanY));
  const bu = new Float64Array(p);
  for (let i = 0; i < p; i++) bu[i] = sa.bu[i]! + sb.bu[i]!;
  const av = new Float64Array(q);
  for (let i = 0; i < q; i++) av[i] = sa.av[i]! + sb.av[i]!;
  return {
    n,
    p,
    q,
    meanX,
    meanY,
    sxy,
    sumA: sa.sumA + sb.sumA,
    sumB: sa.sumB + sb.sumB,
    sumAB: sa.sumAB + sb.sumAB,
    bu,
    av,
  };
}

export function mergePair(a: PairMoments, b: PairMoments): PairMoments {
  return { x: mergeLayer(a.x, b.x), y: mergeLayer(a.y, b.y), xy: mergeCross(a.xy, b.xy) };
}

/**
 * partialMoments over all rows without worker threads: natively (OpenBLAS, with its own threads) or with the
 * TypeScript kernel on the calling thread, per `linalg`.
 */
function momentsHere(x: Matrix, y: Matrix | null, want: number, linalg: LinalgMode): RawMoments {
  const backend = resolveLinalg(parseLinalgMode(linalg), defaultThreads());
  if (backend.moments !== null) return backend.moments(x.data, x.cols, y?.data ?? null, y?.cols ?? 0, want);
  return partialMoments(x.data, x.cols, y?.data ?? null, y?.cols ?? 0, 0, x.rows, want, PANEL_ROWS);
}

/** Statistics of one in-memory layer, on the calling thread. */
export function layerMoments(x: Matrix, label = 'A', linalg: LinalgMode = 'auto'): LayerMoments {
  assertActivations(x, label);
  return layerFromRaw(momentsHere(x, null, WANT_XX, linalg), 'x');
}

/** Cross statistics only (when both layers' own statistics are already known), on the calling thread. */
export function crossMoments(
  x: Matrix,
  y: Matrix,
  labelX = 'A',
  labelY = 'B',
  linalg: LinalgMode = 'auto',
): CrossMoments {
  assertPair(x, y, labelX, labelY);
  return crossFromRaw(momentsHere(x, y, WANT_XY, linalg));
}

/** All statistics of a pair of in-memory layers, on the calling thread (see `pairMomentsParallel` for threads). */
export function pairMoments(
  x: Matrix,
  y: Matrix,
  labelX = 'A',
  labelY = 'B',
  linalg: LinalgMode = 'auto',
): PairMoments {
  assertPair(x, y, labelX, labelY);
  const r = momentsHere(x, y, WANT_XX | WANT_YY | WANT_XY, linalg);
  return { x: layerFromRaw(r, 'x'), y: layerFromRaw(r, 'y'), xy: crossFromRaw(r) };
}

/**
 * Streaming accumulation: push blocks of rows (the same datapoints for X and Y, in the same order) and read
 * the statistics at any time. Each block is centred at its own mean and merged (Chan et al.), so precision
 * does not degrade with N, and memory is O(d²) regardless of N.
 */
export class MomentAccumulator {
  private acc: PairMoments | null = null;
  private rowsSeen = 0;

  constructor(
    readonly p: number,
    readonly q: number,
    /** Where each block's products run (see {@link LinalgMode}). */
    readonly linalg: LinalgMode = 'auto',
  ) {
    parseLinalgMode(linalg);
    if (!Number.isInteger(p) || p < 1 || !Number.isInteger(q) || q < 1) {
      throw new CcaError('CCA_BAD_OPTIONS', `MomentAccumulator needs positive integer widths, got ${p} and ${q}`);
    }
  }

  /** Adds a block of datapoints. */
  push(x: Matrix, y: Matrix): void {
    const at = `rows ${this.rowsSeen}..${this.rowsSeen + x.rows - 1}`;
    if (x.cols !== this.p) throw new CcaError('CCA_SHAPE', `block X (${at}) has ${x.cols} neurons, expected ${this.p}`);
    if (y.cols !== this.q) throw new CcaError('CCA_SHAPE', `block Y (${at}) has ${y.cols} neurons, expected ${this.q}`);
    this.add(pairMoments(x, y, `block X (${at})`, `block Y (${at})`, this.linalg));
    this.rowsSeen += x.rows;
  }

  /** Adds statistics computed elsewhere (another worker, another shard of the data). */
  add(m: PairMoments): void {
    this.acc = this.acc === null ? m : mergePair(this.acc, m);
  }

  get n(): number {
    return this.acc?.x.n ?? 0;
  }

  moments(): PairMoments {
    if (this.acc === null) throw new CcaError('CCA_EMPTY', 'MomentAccumulator has no datapoints yet');
    return this.acc;
  }
}

export interface ParallelOptions {
  /**
   * Threads for the O(N·d²) accumulation and the O(d³) decompositions; default: available cores. TypeScript path:
   * worker threads (1 = calling thread only); native path: OpenBLAS threads.
   */
  readonly threads?: number;
  /** 'auto' (default): OpenBLAS/LAPACK when built, else TypeScript; 'native' (required) or 'typescript'. */
  readonly linalg?: LinalgMode;
}

function checkThreads(o: ParallelOptions | undefined): number {
  const t = o?.threads ?? defaultThreads();
  if (!Number.isInteger(t) || t < 1)
    throw new CcaError('CCA_BAD_OPTIONS', `threads must be a positive integer, got ${t}`);
  return t;
}

function backendOf(o: ParallelOptions | undefined) {
  return resolveLinalg(parseLinalgMode(o?.linalg, 'linalg'));
}

/** {@link pairMoments} with the accumulation split across worker threads. */
export async function pairMomentsParallel(
  x: Matrix,
  y: Matrix,
  o?: ParallelOptions,
  labelX = 'A',
  labelY = 'B',
): Promise<PairMoments> {
  assertPair(x, y, labelX, labelY);
  const parts = await partialMomentsParallel(x, y, WANT_XX | WANT_YY | WANT_XY, checkThreads(o), backendOf(o));
  return parts
    .map((r) => ({ x: layerFromRaw(r, 'x'), y: layerFromRaw(r, 'y'), xy: crossFromRaw(r) }))
    .reduce(mergePair);
}

/** {@link layerMoments} with worker threads. */
export async function layerMomentsParallel(x: Matrix, o?: ParallelOptions, label = 'A'): Promise<LayerMoments> {
  assertActivations(x, label);
  const parts = await partialMomentsParallel(x, null, WANT_XX, checkThreads(o), backendOf(o));
  return parts.map((r) => layerFromRaw(r, 'x')).reduce(mergeLayer);
}

/** {@link crossMoments} with worker threads. */
export async function crossMomentsParallel(
  x: Matrix,
  y: Matrix,
  o?: ParallelOptions,
  labelX = 'A',
  labelY = 'B',
): Promise<CrossMoments> {
  assertPair(x, y, labelX, labelY);
  const parts = await partialMomentsParallel(x, y, WANT_XY, checkThreads(o), backendOf(o));
  return parts.map(crossFromRaw).reduce(mergeCross);
}
