import { CcaError } from './errors.js';
import type { PairMoments } from './moments.js';

function frobeniusSq(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

function trace(s: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += s[i * d + i]!;
  return t;
}

/**
 * Linear CKA in feature form: ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) (Kornblith et al. 2019). The debiased version
 * replaces each term by n(n−3)·HSIC_u (Song et al. 2012):
 * ‖XcᵀYc‖² − n/(n−2)·Σ_i a_i b_i + ‖Xc‖²_F ‖Yc‖²_F / ((n−1)(n−2)), a_i, b_i the centred rows' squared norms —
 * exactly Kornblith's `feature_space_linear_cka(debiased=True)`. A non-positive debiased self-term (tiny n or a
 * degenerate layer) gives NaN with a warning, never a square root of a negative.
 */
export function linearCka(
  m: PairMoments,
  debiased: boolean,
): { value: number; xy: number; xx: number; yy: number; warnings: string[] } {
  const { x, y, xy: c } = m;
  const n = x.n;
  const warnings: string[] = [];
  let xy = frobeniusSq(c.sxy);
  let xx = frobeniusSq(x.s);
  let yy = frobeniusSq(y.s);
  if (xx === 0 || yy === 0) {
    throw new CcaError(
      'CCA_NO_LIVE_NEURONS',
      `CKA is undefined: ${xx === 0 ? 'A' : 'B'} is constant over all ${n} datapoints`,
    );
  }
  if (debiased) {
    if (n < 4) throw new CcaError('CCA_TOO_FEW_POINTS', `debiased CKA needs at least 4 datapoints, got ${n}`);
    const tx = trace(x.s, x.d);
    const ty = trace(y.s, y.d);
    const k = n / (n - 2);
    const t = 1 / ((n - 1) * (n - 2));
    xy = xy - k * c.sumAB + tx * ty * t;
    xx = xx - k * x.sumAA + tx * tx * t;
    yy = yy - k * y.sumAA + ty * ty * t;
    if (!(xx > 0 && yy > 0)) {
      warnings.push(
        `debiased self-similarity is not positive (A: ${xx}, B: ${yy}); too few datapoints for debiased CKA`,
      );
      return { value: Number.NaN, xy, xx, yy, warnings };
    }
  }
  return { value: xy / Math.sqrt(xx * yy), xy, xx, yy, warnings };
}
