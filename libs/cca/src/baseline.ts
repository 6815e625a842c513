import { CcaError } from './errors.js';

/** What independent Gaussian layers of these widths give, for reading a similarity against chance. */
export interface RandomBaseline {
  readonly n: number;
  readonly p: number;
  readonly q: number;
  /** Exact: E[Σρ²]/min(p,q) = max(p,q)/(N−1). */
  readonly meanSq: number;
  /** Mean canonical correlation from the Wachter (1980) limit law; NaN when p + q ≥ N − 1. */
  readonly mean: number;
  /** Linear CKA ≈ √(pq)/√((n+p+1)(n+q+1)) with n = N − 1 (ratio of Wishart expectations). */
  readonly cka: number;
  /** Debiased linear CKA has expectation 0. */
  readonly ckaDebiased: number;
}

/**
 * Expected similarities of independent isotropic Gaussian layers (N datapoints, p and q neurons). CCA-type
 * values are far from 0 when d/N is not small (ρ̄ ≈ 0.19 at d/N = 0.05): report them next to real values.
 */
export function randomBaseline(n: number, p: number, q: number): RandomBaseline {
  for (const [k, v] of [
    ['n', n],
    ['p', p],
    ['q', q],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new CcaError('CCA_BAD_OPTIONS', `randomBaseline: ${k} must be a positive integer, got ${v}`);
  }
  if (n < 2) throw new CcaError('CCA_TOO_FEW_POINTS', `randomBaseline needs N ≥ 2, got ${n}`);
  const m = n - 1;
  const lo = Math.min(p, q);
  const hi = Math.max(p, q);
  return {
    n,
    p,
    q,
    meanSq: Math.min(1, hi / m),
    mean: wachterMeanRho(lo / m, hi / m),
    cka: Math.sqrt(p * q) / Math.sqrt((m + p + 1) * (m + q + 1)),
    ckaDebiased: 0,
  };
}

/**
 * E[ρ] under the Wachter density of squared canonical correlations, c1 = p/n ≤ c2 = q/n:
 * f(λ) = √((λ−λ₋)(λ₊−λ)) / (2π c1 λ(1−λ)) on [λ₋, λ₊], λ± = (√(c2(1−c1)) ± √(c1(1−c2)))².
 * Integrated with λ = mid − half·cos θ, which removes the square-root endpoint singularities.
 */
export function wachterMeanRho(c1: number, c2: number): number {
  if (c1 + c2 >= 1) return Number.NaN;
  const a = Math.sqrt(c2 * (1 - c1));
  const b = Math.sqrt(c1 * (1 - c2));
  const lm = (a - b) ** 2;
  const lp = (a + b) ** 2;
  const mid = (lm + lp) / 2;
  const half = (lp - lm) / 2;
  const steps = 4000;
  let s = 0;
  for (let i = 0; i < steps; i++) {
    const th = ((i + 0.5) * Math.PI) / steps;
    const lam = mid - half * Math.cos(th);
    const sin = Math.sin(th);
    // √((λ−λ₋)(λ₊−λ)) dλ = half² sin²θ dθ
    const density = (half * half * sin * sin) / (2 * Math.PI * c1 * lam * (1 - lam));
    s += Math.sqrt(lam) * density;
  }
  return (s * Math.PI) / steps;
}
