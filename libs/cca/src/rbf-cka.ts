import { z } from 'zod';
import { CcaError } from './errors.js';
import { assertPair, type Matrix } from './matrix.js';

export const rbfCkaOptionsSchema = z
  .object({
    /** Bandwidth as a fraction of the median distance: σ² = threshold² · median(‖x_i − x_j‖²). */
    threshold: z.number().positive().default(1),
    debiased: z.boolean().default(false),
    /** The Gram matrices are N × N; refuse beyond this many datapoints rather than exhaust memory. */
    maxDatapoints: z.number().int().positive().default(5000),
  })
  .strict();
export type RbfCkaOptions = z.input<typeof rbfCkaOptionsSchema>;

/** Squared distances via the Gram matrix, as Kornblith's `rbf` computes them (N × N). */
function squaredDistances(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += data[i * d + k]! * data[j * d + k]!;
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) out[i * n + j] = -2 * g[i * n + j]! + g[i * n + i]! + g[j * n + j]!;
  return out;
}

/** numpy's median (mean of the two middle values for even counts) by quickselect: O(N²) for the N² distances, not a sort. */
function median(values: Float64Array): number {
  const a = Float64Array.from(values);
  const h = a.length >> 1;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (h <= j) hi = j;
    else if (h >= i) lo = i;
    else break;
  }
  if (a.length % 2 === 1) return a[h]!;
  // The element just below the median is the largest of the lower part a[0..h).
  let below = -Infinity;
  for (let i = 0; i < h; i++) if (a[i]! > below) below = a[i]!;
  return (below + a[h]!) / 2;
}

/** Kornblith's `center_gram`, biased (double centring) or unbiased (Song et al. 2012 U-centring), in place. */
function centerGram(k: Float64Array, n: number, unbiased: boolean): void {
  const means = new Float64Array(n);
  if (unbiased) {
    for (let i = 0; i < n; i++) k[i * n + i] = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) means[j]! += k[i * n + j]!;
    let total = 0;
    for (let j = 0; j < n; j++) {
      means[j]! /= n - 2;
      total += means[j]!;
    }
    for (let j = 0; j < n; j++) means[j]! -= total / (2 * (n - 1));
  } else {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) means[j]! += k[i * n + j]!;
    let total = 0;
    for (let j = 0; j < n; j++) {
      means[j]! /= n;
      total += means[j]!;
    }
    for (let j = 0; j < n; j++) means[j]! -= total / n / 2;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j]! -= means[i]! + means[j]!;
  if (unbiased) for (let i = 0; i < n; i++) k[i * n + i] = 0;
}

function rbfGram(m: Matrix, threshold: number): Float64Array {
  const d2 = squaredDistances(m);
  const scale = 2 * threshold * threshold * median(d2);
  // A layer whose datapoints all coincide has median distance 0: its kernel is constant.
  return d2.map((v) => (scale > 0 ? Math.exp(-v / scale) : 1));
}

/**
 * RBF-kernel CKA (Kornblith et al. 2019, their `cka(gram_rbf(x, threshold), gram_rbf(y, threshold))`), with
 * the median-distance bandwidth heuristic. Needs the data itself (no sufficient statistics exist) and O(N²)
 * memory, hence the datapoint limit.
 */
export function rbfCka(x: Matrix, y: Matrix, options?: RbfCkaOptions): number {
  const parsed = rbfCkaOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CcaError(
      'CCA_BAD_OPTIONS',
      `invalid rbfCka option ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const o = parsed.data;
  assertPair(x, y);
  const n = x.rows;
  if (n > o.maxDatapoints) {
    throw new CcaError(
      'CCA_BAD_OPTIONS',
      `RBF CKA builds N × N Gram matrices; N = ${n} exceeds maxDatapoints = ${o.maxDatapoints} (subsample first)`,
    );
  }
  if (o.debiased && n < 4)
    throw new CcaError('CCA_TOO_FEW_POINTS', `debiased CKA needs at least 4 datapoints, got ${n}`);
  const k = rbfGram(x, o.threshold);
  const l = rbfGram(y, o.threshold);
  centerGram(k, n, o.debiased);
  centerGram(l, n, o.debiased);
  let kl = 0,
    kk = 0,
    ll = 0;
  for (let i = 0; i < n * n; i++) {
    kl += k[i]! * l[i]!;
    kk += k[i]! * k[i]!;
    ll += l[i]! * l[i]!;
  }
  return kk > 0 && ll > 0 ? kl / Math.sqrt(kk * ll) : Number.NaN;
}
