import { loadLinalg } from '@transfusion/native';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  CcaError,
  layerBasis,
  matrix,
  METHODS,
  MomentAccumulator,
  pairMoments,
  pairMomentsParallel,
  PairSimilarity,
  resolveLinalg,
  similarityFromMoments,
  similarityFromMomentsParallel,
  type Matrix,
  type PairMoments,
} from '../src/index.js';
import { typescriptBackend } from '../src/linalg.js';
import { add, matMul, uniform } from './helpers.js';

const native = loadLinalg().available;

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / (scale || 1);
}

/** Two related layers with ReLU-like offsets (means ≫ std in some neurons), N × 24 and N × 17. */
function pair(n: number, seed: number): [Matrix, Matrix] {
  const x = uniform(seed, n, 24);
  const shifted = matrix(
    n,
    24,
    Float64Array.from(x.data, (v, i) => v + (i % 3 === 0 ? 40 : 0)),
  );
  const y = add(matMul(x, uniform(seed + 1, 24, 17)), uniform(seed + 2, n, 17));
  return [shifted, y];
}

function expectMomentsClose(a: PairMoments, b: PairMoments, tol: number): void {
  expect(a.x.n).toBe(b.x.n);
  expect(maxRelDiff(a.x.mean, b.x.mean)).toBeLessThan(tol);
  expect(maxRelDiff(a.y.mean, b.y.mean)).toBeLessThan(tol);
  expect(maxRelDiff(a.x.s, b.x.s)).toBeLessThan(tol);
  expect(maxRelDiff(a.y.s, b.y.s)).toBeLessThan(tol);
  expect(maxRelDiff(a.xy.sxy, b.xy.sxy)).toBeLessThan(tol);
  expect(
    maxRelDiff(
      [a.x.sumAA, a.y.sumAA, a.xy.sumAB, a.xy.sumA, a.xy.sumB],
      [b.x.sumAA, b.y.sumAA, b.xy.sumAB, b.xy.sumA, b.xy.sumB],
    ),
  ).toBeLessThan(tol);
  // Σ a_i u_i cancels (Σ u_i = 0); the offset of 40 makes the means' rounding the dominant difference.
  for (const [u, v] of [
    [a.x.au, b.x.au],
    [a.y.au, b.y.au],
    [a.xy.bu, b.xy.bu],
    [a.xy.av, b.xy.av],
  ] as const) {
    expect(maxRelDiff(u, v)).toBeLessThan(1e-9);
  }
}

describe.skipIf(!native)('native (OpenBLAS/LAPACK) and TypeScript paths agree', () => {
  // Computed in beforeAll: a skipped describe's body still runs at collection (e.g. under TRANSFUSION_NATIVE=0).
  const [x, y] = pair(1500, 3);
  let ts: PairMoments;
  let nat: PairMoments;
  beforeAll(() => {
    ts = pairMoments(x, y, 'A', 'B', 'typescript');
    nat = pairMoments(x, y, 'A', 'B', 'native');
  });

  test("'auto' picks the native path where it is built", () => {
    expect(resolveLinalg('auto').kind).toBe('native');
    expect(resolveLinalg('auto').description).toMatch(/^OpenBLAS \d+\.\d+/);
    expect(new PairSimilarity(ts).backend.kind).toBe('native');
  });

  test('co-moments, means and CKA row-norm sums to ~1e-12 relative (also float32 input, and on threads)', async () => {
    expectMomentsClose(nat, ts, 1e-12);
    const x32 = matrix(x.rows, x.cols, Float32Array.from(x.data));
    const y32 = matrix(y.rows, y.cols, Float32Array.from(y.data));
    expectMomentsClose(pairMoments(x32, y32, 'A', 'B', 'native'), pairMoments(x32, y32, 'A', 'B', 'typescript'), 1e-12);
    // 1500 rows run on 2 worker threads (then Chan-merged) on the TypeScript path, one BLAS call natively.
    const [pn, pt] = await Promise.all([
      pairMomentsParallel(x, y, { threads: 2, linalg: 'native' }),
      pairMomentsParallel(x, y, { threads: 2, linalg: 'typescript' }),
    ]);
    expectMomentsClose(pn, pt, 1e-12);
  });

  test('layer eigenvalues (dsyevd vs tred2/tql2) to 1e-12 relative, eigenvectors up to sign', () => {
    const bn = layerBasis(ts.x, 1e-10, resolveLinalg('native'));
    const bt = layerBasis(ts.x, 1e-10, typescriptBackend);
    expect(bn.rank).toBe(bt.rank);
    expect(maxRelDiff(bn.values, bt.values)).toBeLessThan(1e-12);
    const d = bt.live.length;
    for (let k = 0; k < d; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += bn.vectors[k * d + j]! * bt.vectors[k * d + j]!;
      expect(Math.abs(dot)).toBeCloseTo(1, 9);
    }
  });

  test('every method gives the same value on both paths (1e-10)', () => {
    const r = (linalg: 'native' | 'typescript') =>
      similarityFromMoments({ x: { ...ts.x }, y: { ...ts.y }, xy: ts.xy }, METHODS, { linalg });
    const [n, t] = [r('native'), r('typescript')];
    n.forEach((v, i) => {
      expect(v.method).toBe(t[i]!.method);
      expect(Math.abs(v.value - t[i]!.value)).toBeLessThan(1e-10);
    });
    // The path changes nothing visible but the numbers' last digits.
    expect(n.map((v) => v.warnings)).toEqual(t.map((v) => v.warnings));
  });

  test('the parallel entry points use the native path too and match the calling-thread results', async () => {
    const seq = similarityFromMoments(nat, ['mean', 'svcca', 'pwcca'], { linalg: 'native' });
    const par = await similarityFromMomentsParallel(
      { x: { ...nat.x }, y: { ...nat.y }, xy: nat.xy },
      ['mean', 'svcca', 'pwcca'],
      {},
      { threads: 2, linalg: 'native' },
    );
    par.forEach((v, i) => expect(Math.abs(v.value - seq[i]!.value)).toBeLessThan(1e-12));
  });

  test('the threads option sets the OpenBLAS threads', async () => {
    const la = loadLinalg();
    if (!la.available) throw new Error(la.reason);
    await pairMomentsParallel(x, y, { threads: 1, linalg: 'native' });
    expect(la.info().threads).toBe(1);
    await similarityFromMomentsParallel(
      { x: { ...nat.x }, y: { ...nat.y }, xy: nat.xy },
      ['mean'],
      { linalg: 'native' },
      { threads: 2 },
    );
    expect(la.info().threads).toBe(2);
  });

  test('streaming accumulation agrees between paths', () => {
    const acc = (linalg: 'native' | 'typescript') => {
      const a = new MomentAccumulator(24, 17, linalg);
      for (let s = 0; s < 1500; s += 500) {
        a.push(
          matrix(500, 24, x.data.subarray(s * 24, (s + 500) * 24)),
          matrix(500, 17, y.data.subarray(s * 17, (s + 500) * 17)),
        );
      }
      return a.moments();
    };
    expectMomentsClose(acc('native'), acc('typescript'), 1e-12);
  });
});

describe('choosing the path', () => {
  afterEach(() => vi.unstubAllEnvs());
  const [x, y] = pair(300, 5);

  test("'typescript' never loads the addon", () => {
    expect(resolveLinalg('typescript')).toBe(typescriptBackend);
    expect(new PairSimilarity(pairMoments(x, y, 'A', 'B', 'typescript'), { linalg: 'typescript' }).backend.kind).toBe(
      'typescript',
    );
  });

  test('TRANSFUSION_NATIVE=0 forces the TypeScript path quietly; native then is an error', () => {
    const writes = vi.spyOn(process.stderr, 'write');
    expect(resolveLinalg('auto', 2, { TRANSFUSION_NATIVE: '0' }).kind).toBe('typescript');
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    vi.stubEnv('TRANSFUSION_NATIVE', '0');
    expect(new PairSimilarity(pairMoments(x, y)).backend.kind).toBe('typescript');
    const err = (() => {
      try {
        resolveLinalg('native');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CcaError);
    expect(err).toMatchObject({
      code: 'CCA_LINALG_UNAVAILABLE',
      message: 'native linear algebra unavailable: disabled by TRANSFUSION_NATIVE=0 (linalg: native requires it)',
    });
  });

  test('the forced fallback gives the same values as the default path', () => {
    const auto = similarityFromMoments(pairMoments(x, y), ['mean', 'pwcca', 'cka']);
    vi.stubEnv('TRANSFUSION_NATIVE', '0');
    const forced = similarityFromMoments(pairMoments(x, y), ['mean', 'pwcca', 'cka']);
    forced.forEach((v, i) => expect(Math.abs(v.value - auto[i]!.value)).toBeLessThan(1e-10));
  });

  test('bad values are rejected, naming the option', async () => {
    const m = pairMoments(x, y, 'A', 'B', 'typescript');
    expect(() => similarityFromMoments(m, ['mean'], { linalg: 'blas' as never })).toThrow(/invalid option linalg/);
    await expect(pairMomentsParallel(x, y, { linalg: 'gpu' as never })).rejects.toThrow(
      'invalid option linalg: expected one of auto, native, typescript, got "gpu"',
    );
    expect(() => pairMoments(x, y, 'A', 'B', 'fast' as never)).toThrow(CcaError);
    expect(() => new MomentAccumulator(24, 17, 'fast' as never)).toThrow('invalid option linalg');
    expect(() => resolveLinalg('auto', 2, { TRANSFUSION_NATIVE: 'yes' })).toThrow(
      'TRANSFUSION_NATIVE=yes: expected 0, 1 or auto',
    );
  });
});
