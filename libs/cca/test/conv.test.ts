import { describe, expect, test } from 'vitest';
import { CcaError, convPairToMatrices, convToMatrix, type ConvActivations } from '../src/index.js';
import { convFixture } from './fixtures.js';
import { sampleSorted } from '@transfusion/random';

/** NHWC → NCHW copy of the same activations. */
function toNchw(a: ConvActivations): ConvActivations {
  const [n, h, w, c] = a.shape;
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = a.data[((i * h + y) * w + x) * c + k]!;
  return { data: out, shape: [n, c, h, w], layout: 'NCHW' };
}

describe('conv activations', () => {
  const { a, b } = convFixture();

  test('flatten puts spatial positions in rows, identically for NHWC and NCHW', () => {
    const m = convToMatrix(a);
    expect([m.rows, m.cols]).toEqual([1024, 8]);
    expect(Array.from(m.data.subarray(8 * 5, 8 * 6))).toEqual(Array.from(a.data.subarray(8 * 5, 8 * 6)));
    expect(Array.from(convToMatrix(toNchw(a)).data)).toEqual(Array.from(m.data));
  });

  test('pool averages over space', () => {
    const m = convToMatrix(toNchw(a), { mode: 'pool' });
    expect([m.rows, m.cols]).toEqual([64, 8]);
    let s = 0;
    for (let p = 0; p < 16; p++) s += a.data[(16 + p) * 8 + 3]!;
    expect(m.data[1 * 8 + 3]).toBeCloseTo(s / 16, 14);
  });

  test('subsampling to a datapoint budget is seeded and keeps both layers aligned', () => {
    const p = convPairToMatrices(a, b, { maxDatapoints: 300, seed: 7 });
    expect(p.a.rows).toBe(300);
    expect(p.info).toEqual({ mode: 'flatten', spatial: [4, 4], datapoints: 300 });
    const idx = sampleSorted(300, 1024, 7);
    expect(new Set(idx).size).toBe(300);
    expect(Array.from(idx)).toEqual(Array.from(sampleSorted(300, 1024, 7)));
    const r = idx[123]!;
    expect(Array.from(p.a.data.subarray(123 * 8, 124 * 8))).toEqual(Array.from(a.data.subarray(r * 8, r * 8 + 8)));
    expect(Array.from(p.b.data.subarray(123 * 6, 124 * 6))).toEqual(Array.from(b.data.subarray(r * 6, r * 6 + 6)));
    expect(Array.from(sampleSorted(300, 1024, 8))).not.toEqual(Array.from(idx));
  });

  test('different spatial sizes: area-pool by an integer ratio, else global pooling', () => {
    // b2 is a at 2×2 (each 2×2 block averaged) — pairing a with b2 area-pools a down to 2×2.
    const p = convPairToMatrices(a, {
      data: new Float64Array(64 * 2 * 2 * 3).fill(1),
      shape: [64, 2, 2, 3],
      layout: 'NHWC',
    });
    expect(p.info.spatial).toEqual([2, 2]);
    expect(p.info.note).toMatch(/A area-pooled from 4×4 to 2×2/);
    expect(p.a.rows).toBe(256);
    const avg = (a.data[0 * 8]! + a.data[1 * 8]! + a.data[4 * 8]! + a.data[5 * 8]!) / 4;
    expect(p.a.data[0]).toBeCloseTo(avg, 14);
    const q = convPairToMatrices(a, {
      data: new Float64Array(64 * 3 * 3 * 2).fill(1),
      shape: [64, 3, 3, 2],
      layout: 'NHWC',
    });
    expect(q.info.mode).toBe('pool');
    expect(q.a.rows).toBe(64);
  });

  test('bad shapes and mismatched image counts', () => {
    expect(() => convToMatrix({ data: new Float64Array(10), shape: [1, 2, 2, 3], layout: 'NHWC' })).toThrow(
      /10 values do not fill shape \[1,2,2,3\]/,
    );
    expect(() => convPairToMatrices(a, { data: new Float64Array(8), shape: [2, 2, 2, 1], layout: 'NHWC' })).toThrow(
      CcaError,
    );
    expect(() => convToMatrix(a, { mode: 'spiral' } as never)).toThrow(/invalid conv option mode/);
  });
});
