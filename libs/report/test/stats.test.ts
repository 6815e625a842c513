import { expect, test } from 'vitest';
import { linearFit, mean, sampleStd, spearman, summarize } from '../src/stats.js';

test('mean and sample std match hand-computed values', () => {
  expect(mean([96.3, 96.4, 96.5])).toBeCloseTo(96.4, 12);
  // deviations ±0.1 → variance 0.02/2 = 0.01 → std 0.1
  expect(sampleStd([96.3, 96.4, 96.5])).toBeCloseTo(0.1, 12);
  expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  expect(summarize([0.5])).toEqual({ mean: 0.5, std: 0, n: 1 });
  expect(Number.isNaN(mean([]))).toBe(true);
});

test('linearFit: slope, intercept and R² against a worked example', () => {
  // x = 1..5, y = 2, 4, 5, 4, 5: slope 0.6, intercept 2.2, r = 0.7746 → R² = 0.6
  const f = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
  expect(f.slope).toBeCloseTo(0.6, 12);
  expect(f.intercept).toBeCloseTo(2.2, 12);
  expect(f.r2).toBeCloseTo(0.6, 12);
  expect(linearFit([1, 2, 3], [2, 4, 6]).r2).toBeCloseTo(1, 12);
  expect(Number.isNaN(linearFit([1, 1, 1], [1, 2, 3]).r2)).toBe(true);
  expect(() => linearFit([1, 2], [1])).toThrow(/2 x values but 1 y values/);
});

test('spearman uses ranks, with ties averaged', () => {
  expect(spearman([1, 2, 3, 4], [10, 20, 30, 1000])).toBeCloseTo(1, 12);
  expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  // x ranks 1,2,3,4; y = 1,2,2,3 → ranks 1, 2.5, 2.5, 4 → r = 0.9487
  expect(spearman([1, 2, 3, 4], [1, 2, 2, 3])).toBeCloseTo(0.9486833, 6);
});

test('display formatting: typographic minus, no negative zero, AUC in percent', async () => {
  const { fixed, pct, meanStdPct } = await import('../src/format.js');
  expect(fixed(-0.0001)).toBe('0.000');
  expect(fixed(-0.0234)).toBe('−0.023');
  expect(fixed(0.5, 2)).toBe('0.50');
  expect(pct(0.96412)).toBe('96.41');
  expect(meanStdPct(0.964, 0.0005)).toBe('96.40 ± 0.05');
});
