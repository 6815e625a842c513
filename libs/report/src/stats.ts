/** Small descriptive statistics used by the tables, figures and findings. */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), as "mean ± std over seeds" in the paper; 0 for a single value. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return xs.length === 1 ? 0 : Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface Summary {
  mean: number;
  std: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { mean: mean(xs), std: sampleStd(xs), n: xs.length };
}

/** The std to print beside a mean over seeds: none (NaN) from a single seed. */
export const seedSpread = (s: Summary): number => (s.n > 1 ? s.std : Number.NaN);

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination of the least-squares line (= squared Pearson r). */
  r2: number;
  n: number;
}

/** Ordinary least squares y = a + b·x. R² is NaN when x or y has no variance or fewer than 3 points. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) throw new RangeError(`linearFit: ${xs.length} x values but ${ys.length} y values`);
  const n = xs.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  const r2 = n >= 3 && sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : Number.NaN;
  return { slope, intercept: my - slope * mx, r2, n };
}

/** 1-based mid-ranks: ties share the average of their ranks. */
export function midRanks(values: readonly number[]): Float64Array {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let t = i; t <= j; t++) ranks[order[t]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const fit = linearFit(Array.from(midRanks(xs)), Array.from(midRanks(ys)));
  return Math.sign(fit.slope) * Math.sqrt(fit.r2);
}
