import { describe, expect, it } from 'vitest';
import { createRng, mixSeed } from '../src/index.js';

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xa);
  });

  it('gives uniform values in [0,1) with the right moments', () => {
    const r = createRng(1);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      s += v;
      s2 += v * v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('draws normals, ints, categorical and poisson with the expected statistics', () => {
    const r = createRng(7);
    const n = 50_000;
    const xs = Array.from({ length: n }, () => r.normal(2, 3));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(2, 1);
    expect(sd).toBeCloseTo(3, 1);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[r.categorical([1, 2, 1])]!++;
    expect(counts[1]! / n).toBeCloseTo(0.5, 1);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(3, 5);
      expect(k >= 3 && k <= 5 && Number.isInteger(k)).toBe(true);
    }
    const ps = Array.from({ length: n }, () => r.poisson(4));
    expect(ps.reduce((a, b) => a + b, 0) / n).toBeCloseTo(4, 1);
  });

  it('rejects bad arguments', () => {
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
    expect(() => createRng(1).categorical([0, 0])).toThrow(/positive sum/);
    expect(() => createRng(1).pick([])).toThrow(/empty/);
  });

  it('mixSeed separates nearby inputs', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 50; s++) for (let i = 0; i < 50; i++) seen.add(mixSeed(s, i));
    expect(seen.size).toBe(2500);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });
});
