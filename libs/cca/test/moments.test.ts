import { describe, expect, test } from 'vitest';
import {
  crossMoments,
  crossMomentsParallel,
  layerMoments,
  layerMomentsParallel,
  matrix,
  MomentAccumulator,
  pairMoments,
  pairMomentsParallel,
  similarityFromMoments,
  type Matrix,
  type PairMoments,
} from '../src/index.js';
import { gaussian, map } from './helpers.js';

function rows(m: Matrix, r0: number, r1: number): Matrix {
  return matrix(r1 - r0, m.cols, m.data.slice(r0 * m.cols, r1 * m.cols));
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d / scale;
}

function expectSame(a: PairMoments, b: PairMoments, tol: number) {
  expect(a.x.n).toBe(b.x.n);
  expect(maxRelDiff(a.x.mean, b.x.mean)).toBeLessThan(tol);
  expect(maxRelDiff(a.x.s, b.x.s)).toBeLessThan(tol);
  expect(maxRelDiff(a.y.s, b.y.s)).toBeLessThan(tol);
  expect(maxRelDiff(a.xy.sxy, b.xy.sxy)).toBeLessThan(tol);
  expect(Math.abs(a.xy.sumAB / b.xy.sumAB - 1)).toBeLessThan(tol);
  expect(Math.abs(a.x.sumAA / b.x.sumAA - 1)).toBeLessThan(tol);
  expect(maxRelDiff(a.x.au, b.x.au)).toBeLessThan(1e-8);
  expect(maxRelDiff(a.xy.bu, b.xy.bu)).toBeLessThan(1e-8);
  expect(maxRelDiff(a.xy.av, b.xy.av)).toBeLessThan(1e-8);
}

// Large offsets (mean ≫ std, like ReLU layers) make naive E[xxᵀ] − mmᵀ accumulation lose most digits.
const x = map(gaussian(1, 1500, 7), (v, _i, j) => 1e4 + (j + 1) * v);
const y = map(gaussian(2, 1500, 5), (v, i, j) => -3e3 + v + 0.5 * x.data[i * 7 + j]!);

describe('statistics', () => {
  test('the centred co-moment equals the two-pass definition despite a large mean', () => {
    const m = pairMoments(x, y);
    for (const [j, k] of [
      [0, 0],
      [2, 5],
      [6, 6],
    ] as const) {
      let mj = 0,
        mk = 0;
      for (let i = 0; i < x.rows; i++) {
        mj += x.data[i * 7 + j]!;
        mk += x.data[i * 7 + k]!;
      }
      mj /= x.rows;
      mk /= x.rows;
      let s = 0;
      for (let i = 0; i < x.rows; i++) s += (x.data[i * 7 + j]! - mj) * (x.data[i * 7 + k]! - mk);
      expect(Math.abs(m.x.s[j * 7 + k]! / s - 1)).toBeLessThan(1e-12);
    }
  });

  test('streaming blocks of uneven sizes (Chan merges) give the same statistics and similarities', () => {
    const acc = new MomentAccumulator(7, 5);
    for (const [r0, r1] of [
      [0, 1],
      [1, 400],
      [400, 1013],
      [1013, 1500],
    ] as const)
      acc.push(rows(x, r0, r1), rows(y, r0, r1));
    expect(acc.n).toBe(1500);
    const whole = pairMoments(x, y);
    expectSame(acc.moments(), whole, 1e-12);
    const methods = ['mean', 'svcca', 'pwcca', 'pwcca-google', 'cka', 'cka-debiased'] as const;
    const a = similarityFromMoments(acc.moments(), methods);
    const b = similarityFromMoments(whole, methods);
    a.forEach((r, i) => expect(Math.abs(r.value - b[i]!.value)).toBeLessThan(1e-9));
  });

  test('worker threads give the same statistics as the calling thread', async () => {
    const big = gaussian(3, 3000, 9);
    const other = map(gaussian(4, 3000, 6), (v, i, j) => v + big.data[i * 9 + j]! + 2);
    const par = await pairMomentsParallel(big, other, { threads: 2 });
    expectSame(par, pairMoments(big, other), 1e-12);
    const lp = await layerMomentsParallel(big, { threads: 2 });
    expect(maxRelDiff(lp.s, layerMoments(big).s)).toBeLessThan(1e-12);
    const cp = await crossMomentsParallel(big, other, { threads: 2 });
    expect(maxRelDiff(cp.sxy, crossMoments(big, other).sxy)).toBeLessThan(1e-12);
  });

  test('per-layer statistics can be computed once and combined with per-pair cross statistics', () => {
    const z = map(gaussian(5, 1500, 4), (v, i) => v + y.data[i * 5]!);
    const lx = layerMoments(x);
    const viaLayers = similarityFromMoments({ x: lx, y: layerMoments(z), xy: crossMoments(x, z) }, [
      'mean',
      'cka-debiased',
    ]);
    const direct = similarityFromMoments(pairMoments(x, z), ['mean', 'cka-debiased']);
    viaLayers.forEach((r, i) => expect(Math.abs(r.value - direct[i]!.value)).toBeLessThan(1e-12));
  });

  test('statistics of different datapoints are rejected', () => {
    const other = rows(y, 0, 1000);
    expect(() =>
      similarityFromMoments({ x: layerMoments(x), y: layerMoments(other), xy: crossMoments(rows(x, 0, 1000), other) }, [
        'mean',
      ]),
    ).toThrow(/do not belong together/);
  });

  test('the accumulator checks widths and emptiness', () => {
    const acc = new MomentAccumulator(7, 5);
    expect(() => acc.moments()).toThrow(/no datapoints/);
    expect(() => acc.push(rows(y, 0, 10), rows(y, 0, 10))).toThrow(/block X \(rows 0\.\.9\) has 5 neurons, expected 7/);
    expect(() => new MomentAccumulator(0, 3)).toThrow(/positive integer/);
  });
});
