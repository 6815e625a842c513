import { describe, expect, test } from 'vitest';
import {
  matrix,
  pairMoments,
  randomBaseline,
  similarityFromMoments,
  svccaKeepCount,
  type Matrix,
  type Method,
} from '../src/index.js';
import { add, gaussian, hstack, map, matMul, orthogonal, uniform } from './helpers.js';

function values(x: Matrix, y: Matrix, methods: Method[], options = {}): Record<string, number> {
  return Object.fromEntries(similarityFromMoments(pairMoments(x, y), methods, options).map((r) => [r.method, r.value]));
}

/** ReLU-like anisotropic activations: mixed, rectified, with very different neuron scales and a large mean. */
function reluLike(seed: number, n: number, d: number): Matrix {
  const z = matMul(gaussian(seed, n, d), uniform(seed + 1, d, d));
  return map(z, (v, _i, j) => Math.max(0, v + 0.3) * (1 + j) + 5);
}

const CCA_FAMILY: Method[] = ['mean', 'svcca', 'pwcca'];

describe('invariances', () => {
  const x = reluLike(21, 800, 12);
  const y = add(
    matMul(x, uniform(23, 12, 10)),
    map(gaussian(24, 800, 10), (v) => 3 * v),
  );

  test('CCA, SVCCA and PWCCA are 1 for X against a rotated copy', () => {
    const r = values(x, matMul(x, orthogonal(30, 12)), CCA_FAMILY);
    for (const m of CCA_FAMILY) expect(Math.abs(r[m]! - 1)).toBeLessThan(1e-9);
  });

  test('canonical correlations are unchanged by invertible maps of either side and by swapping sides', () => {
    const base = similarityFromMoments(pairMoments(x, y), ['mean'])[0]!;
    const mixedX = add(
      matMul(x, add(orthogonal(31, 12), matrix(12, 12, new Float64Array(144).fill(0.05)))),
      matrix(800, 12, new Float64Array(9600).fill(7)),
    );
    const rotatedY = matMul(y, orthogonal(32, 10));
    for (const [a, b] of [
      [mixedX, y],
      [x, rotatedY],
      [y, x],
    ] as const) {
      const r = similarityFromMoments(pairMoments(a, b), ['mean'])[0]!;
      if (r.method !== 'mean' || base.method !== 'mean') throw new Error('unexpected');
      r.rho.forEach((v, i) => expect(Math.abs(v - base.rho[i]!)).toBeLessThan(1e-9));
    }
  });

  test('PWCCA is unchanged by invertible maps of the wider layer (its weights live on the narrower one)', () => {
    const a = values(x, y, ['pwcca']).pwcca!;
    const b = values(matMul(x, add(orthogonal(33, 12), uniform(37, 12, 12))), y, ['pwcca']).pwcca!;
    expect(Math.abs(a - b)).toBeLessThan(1e-9);
  });

  test('CKA is 1 for X against c·X·R + b and invariant to isotropic scaling and rotation of either side', () => {
    const moved = map(matMul(x, orthogonal(34, 12)), (v) => 3.5 * v - 2);
    const r = values(x, moved, ['cka', 'cka-debiased']);
    expect(Math.abs(r.cka! - 1)).toBeLessThan(1e-12);
    expect(Math.abs(r['cka-debiased']! - 1)).toBeLessThan(1e-12);
    const base = values(x, y, ['cka', 'cka-debiased']);
    const scaled = values(
      map(x, (v) => 0.01 * v),
      matMul(
        map(y, (v) => 40 * v),
        orthogonal(35, 10),
      ),
      ['cka', 'cka-debiased'],
    );
    expect(Math.abs(scaled.cka! - base.cka!)).toBeLessThan(1e-12);
    expect(Math.abs(scaled['cka-debiased']! - base['cka-debiased']!)).toBeLessThan(1e-12);
  });

  test('CKA is not invariant to anisotropic scaling, CCA is', () => {
    const z = gaussian(36, 1000, 6);
    const r = values(
      z,
      map(z, (v, _i, j) => v * [0.1, 0.5, 1, 2, 3, 5][j]!),
      ['cka', 'mean'],
    );
    expect(r.cka!).toBeLessThan(0.99);
    expect(Math.abs(r.mean! - 1)).toBeLessThan(1e-9);
  });

  test('float32 input of the same values gives the same result to float32 rounding', () => {
    const a = values(x, y, ['mean', 'cka']);
    const b = values(matrix(800, 12, Float32Array.from(x.data)), matrix(800, 10, Float32Array.from(y.data)), [
      'mean',
      'cka',
    ]);
    expect(Math.abs(a.mean! - b.mean!)).toBeLessThan(1e-5);
    expect(Math.abs(a.cka! - b.cka!)).toBeLessThan(1e-5);
  });
});

describe('debiased CKA', () => {
  test('feature form equals the U-statistic Gram form (Song et al. 2012)', () => {
    const x = reluLike(40, 30, 5);
    const y = reluLike(42, 30, 4);
    const gram = (m: Matrix) => {
      const k = new Float64Array(m.rows * m.rows);
      for (let i = 0; i < m.rows; i++)
        for (let j = 0; j < m.rows; j++) {
          let s = 0;
          for (let c = 0; c < m.cols; c++) s += m.data[i * m.cols + c]! * m.data[j * m.cols + c]!;
          k[i * m.rows + j] = i === j ? 0 : s;
        }
      return k;
    };
    const n = 30;
    const hsicU = (k: Float64Array, l: Float64Array) => {
      let tr = 0,
        sk = 0,
        sl = 0,
        kl = 0;
      const rk = new Float64Array(n);
      const rl = new Float64Array(n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          tr += k[i * n + j]! * l[i * n + j]!;
          sk += k[i * n + j]!;
          sl += l[i * n + j]!;
          rk[i]! += k[i * n + j]!;
          rl[i]! += l[i * n + j]!;
        }
      for (let i = 0; i < n; i++) kl += rk[i]! * rl[i]!;
      return tr + (sk * sl) / ((n - 1) * (n - 2)) - (2 * kl) / (n - 2);
    };
    const k = gram(x);
    const l = gram(y);
    const want = hsicU(k, l) / Math.sqrt(hsicU(k, k) * hsicU(l, l));
    // The Gram form on uncentred ReLU-like data (mean ≈ 5) loses a few digits itself, hence 1e-10.
    expect(Math.abs(values(x, y, ['cka-debiased'])['cka-debiased']! - want)).toBeLessThan(1e-10);
    // ... and is unchanged by adding a constant to X.
    expect(
      Math.abs(
        values(
          map(x, (v) => v + 1e3),
          y,
          ['cka-debiased'],
        )['cka-debiased']! - want,
      ),
    ).toBeLessThan(1e-9);
  });
});

describe('SVCCA keep rule', () => {
  test('singular values 10, 3, 1, 0.1', () => {
    const lambda = Float64Array.from([10, 3, 1, 0.1], (s) => s * s);
    expect(svccaKeepCount(lambda, 4, 0.99, 'variance')).toBe(2);
    expect(svccaKeepCount(lambda, 4, 0.999, 'variance')).toBe(3);
    expect(svccaKeepCount(lambda, 4, 0.99, 'singular')).toBe(3);
  });
});

describe('degenerate neurons', () => {
  const z = gaussian(50, 500, 5);
  const y = add(matMul(z, uniform(51, 5, 4)), gaussian(52, 500, 4));

  test('a collinear neuron lowers the rank by one and adds a zero correlation, no NaN', () => {
    const x = hstack(
      z,
      map(matrix(500, 1, new Float64Array(500)), (_v, i) => z.data[i * 5]! - 2 * z.data[i * 5 + 3]!),
    );
    const r = similarityFromMoments(pairMoments(x, hstack(y, gaussian(53, 500, 3))), [
      'mean',
      'svcca',
      'pwcca',
      'pwcca-google',
    ])[0]!;
    if (r.method !== 'mean') throw new Error('unexpected');
    expect(r.rank1).toBe(5);
    expect(r.live1).toBe(6);
    expect(r.rho.length).toBe(6);
    expect(r.rho[5]).toBe(0);
    expect(r.warnings.join()).toMatch(/rank 5 < 6/);
  });

  test('a constant neuron is dropped and reported; all methods stay finite', () => {
    const x = hstack(z, matrix(500, 1, new Float64Array(500).fill(4.2)));
    const rs = similarityFromMoments(pairMoments(x, y), [
      'mean',
      'svcca',
      'pwcca',
      'pwcca-google',
      'cka',
      'cka-debiased',
    ]);
    for (const r of rs) expect(Number.isFinite(r.value)).toBe(true);
    const mean = rs[0]!;
    if (mean.method !== 'mean') throw new Error('unexpected');
    expect(mean.dead1).toEqual([5]);
    const withoutIt = values(z, y, ['mean', 'pwcca', 'cka']);
    expect(Math.abs(mean.value - withoutIt.mean!)).toBeLessThan(1e-12);
    expect(Math.abs(rs[2]!.value - withoutIt.pwcca!)).toBeLessThan(1e-12);
    expect(Math.abs(rs[4]!.value - withoutIt.cka!)).toBeLessThan(1e-12);
  });
});

describe('independent random data (fixed seeds)', () => {
  test('Σρ² ≈ p·q/(N−1), mean ρ ≈ Wachter, CKA ≈ √(pq)/√((n+p+1)(n+q+1)), debiased CKA ≈ 0', () => {
    const [n, p, q, reps] = [1000, 20, 40, 8];
    let sumSq = 0,
      meanRho = 0,
      cka = 0,
      deb = 0;
    for (let r = 0; r < reps; r++) {
      const out = similarityFromMoments(pairMoments(gaussian(100 + 2 * r, n, p), gaussian(101 + 2 * r, n, q)), [
        'mean',
        'cka',
        'cka-debiased',
      ]);
      const m = out[0]!;
      if (m.method !== 'mean') throw new Error('unexpected');
      sumSq += m.meanSq * m.rho.length;
      meanRho += m.value;
      cka += out[1]!.value;
      deb += out[2]!.value;
    }
    const base = randomBaseline(n, p, q);
    // E[Σρ²] = 0.8008; its sd over one draw is ≈ 0.18, so 8 draws give ≈ 0.064; allow 4 sd.
    expect(Math.abs(sumSq / reps - (p * q) / (n - 1))).toBeLessThan(0.26);
    expect(Math.abs(meanRho / reps - base.mean)).toBeLessThan(0.005);
    expect(Math.abs(cka / reps / base.cka - 1)).toBeLessThan(0.05);
    expect(Math.abs(deb / reps)).toBeLessThan(2e-3);
  });

  test('Wachter mean ρ matches the research note’s tabulated values', () => {
    expect(randomBaseline(2000, 50, 100).mean).toBeCloseTo(0.2092, 3);
    expect(randomBaseline(2000, 100, 100).mean).toBeCloseTo(0.1908, 3);
    expect(randomBaseline(10000, 500, 500).mean).toBeCloseTo(0.19078, 4);
    expect(randomBaseline(1000, 64, 64).mean).toBeCloseTo(0.2163, 3);
    expect(randomBaseline(2000, 100, 50).cka).toBeCloseTo(0.0341, 3);
    expect(randomBaseline(100, 60, 60).mean).toBeNaN();
  });
});
