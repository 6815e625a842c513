import { describe, expect, test } from 'vitest';
import { eigh } from '../src/index.js';
import { gaussian, orthogonal } from './helpers.js';

function check(a: Float64Array, n: number) {
  const { values, vectors } = eigh(a, n);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let k = 0; k < n; k++) {
    if (k > 0) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[k * n + j]!;
      expect(Math.abs(av - values[k]! * vectors[k * n + i]!)).toBeLessThan(1e-12 * Math.max(scale, 1) * n);
    }
    for (let l = 0; l <= k; l++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += vectors[k * n + j]! * vectors[l * n + j]!;
      expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThan(1e-12 * n);
    }
  }
  return values;
}

describe('symmetric eigendecomposition', () => {
  test('random symmetric matrices of several sizes', () => {
    for (const n of [1, 2, 3, 7, 40]) {
      const g = gaussian(n, n, n).data;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j]! + g[j * n + i]!;
      check(a, n);
    }
  });

  test('known spectrum with repeated and zero eigenvalues', () => {
    const n = 6;
    const q = orthogonal(3, n).data;
    const lam = [5, 5, 2, 0, 0, -1];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += q[k * n + i]! * lam[k]! * q[k * n + j]!;
    const values = check(a, n);
    values.forEach((v, i) => expect(v).toBeCloseTo(lam[i]!, 12));
  });

  test('zero and huge-scale matrices', () => {
    expect(Array.from(eigh(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    const big = Float64Array.from([2e200, 1e200, 1e200, 2e200]);
    const v = eigh(big, 2).values;
    expect(v[0]! / 3e200).toBeCloseTo(1, 12);
    expect(v[1]! / 1e200).toBeCloseTo(1, 12);
    expect(eigh(new Float64Array(0), 0).values.length).toBe(0);
  });
});

test('values-only mode gives the same eigenvalues', () => {
  const n = 30;
  const g = gaussian(77, n, n).data;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j]! + g[j * n + i]!;
  const full = eigh(a, n).values;
  const only = eigh(a, n, false);
  expect(only.vectors.length).toBe(0);
  only.values.forEach((v, i) => expect(Math.abs(v - full[i]!)).toBeLessThan(1e-12));
});
