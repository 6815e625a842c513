import { expect, test } from 'vitest';
import { matmul, transpose } from '../src/dense.js';
import { matmulT } from '../src/kernels.js';
import { gaussian } from './helpers.js';

test('tiled products equal the plain triple loop on ragged sizes', () => {
  for (const [r, k, c] of [
    [1, 1, 1],
    [5, 3, 7],
    [8, 9, 4],
    [13, 6, 11],
  ] as const) {
    const a = gaussian(r, r, k).data as Float64Array;
    const b = gaussian(c + 100, k, c).data as Float64Array;
    const want = new Float64Array(r * c);
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) for (let l = 0; l < k; l++) want[i * c + j]! += a[i * k + l]! * b[l * c + j]!;
    const got = matmul(a, b, r, k, c);
    const gotT = matmulT(a, transpose(b, k, c), r, k, c);
    want.forEach((v, i) => {
      expect(Math.abs(got[i]! - v)).toBeLessThan(1e-12);
      expect(Math.abs(gotT[i]! - v)).toBeLessThan(1e-12);
    });
  }
});

test('the row-split product on worker threads equals the single-thread product bit for bit', async () => {
  const { matmulTParallel } = await import('../src/parallel.js');
  const n = 470; // n³ > 10⁸: large enough to take the worker path
  const a = gaussian(5, n, n).data as Float64Array;
  const b = gaussian(6, n, n).data as Float64Array;
  const par = await matmulTParallel(a, b, n, n, n, 2);
  expect(par).toEqual(matmulT(a, b, n, n, n));
});
