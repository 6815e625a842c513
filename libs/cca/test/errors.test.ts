import { describe, expect, test } from 'vitest';
import { CcaError, compare, matrix, pairMoments, parseMethods, similarityFromMoments } from '../src/index.js';
import { gaussian } from './helpers.js';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CcaError);
    return `${(e as CcaError).code}: ${(e as Error).message}`;
  }
  throw new Error('expected an error');
}

describe('bad inputs give clear typed errors', () => {
  const x = gaussian(1, 100, 4);

  test('mismatched N names both sides and counts', () => {
    expect(code(() => pairMoments(x, gaussian(2, 99, 4)))).toMatch(
      /^CCA_MISMATCHED_N: A has 100 datapoints but B has 99/,
    );
  });

  test('NaN and Infinity are located by row and column', () => {
    const bad = Float64Array.from(x.data);
    bad[37 * 4 + 2] = Number.NaN;
    expect(code(() => pairMoments(matrix(100, 4, bad), x))).toMatch(
      /^CCA_NONFINITE: A has a non-finite value NaN at row 37, column 2/,
    );
    bad[37 * 4 + 2] = 0;
    bad[99 * 4 + 3] = -Infinity;
    expect(code(() => pairMoments(x, matrix(100, 4, bad), 'left.npy', 'right.npy'))).toMatch(
      /right\.npy has a non-finite value -Infinity at row 99, column 3/,
    );
  });

  test('empty matrices and malformed shapes', () => {
    expect(code(() => pairMoments(matrix(0, 4), matrix(0, 4)))).toMatch(
      /^CCA_EMPTY: A is empty \(0 datapoints × 4 neurons\)/,
    );
    expect(code(() => pairMoments(x, matrix(100, 0)))).toMatch(/^CCA_EMPTY: B is empty/);
    expect(code(() => matrix(3, 3, new Float64Array(8)))).toMatch(
      /^CCA_SHAPE: matrix data has 8 values, expected 3 × 3 = 9/,
    );
  });

  test('d ≥ N makes CCA meaningless and is refused unless allowed; CKA still works', () => {
    const wide = gaussian(3, 20, 30);
    const m = pairMoments(wide, gaussian(4, 20, 5));
    expect(code(() => similarityFromMoments(m, ['svcca']))).toMatch(
      /^CCA_UNDERDETERMINED: CCA needs more datapoints than neurons: N = 20 but a layer has 30/,
    );
    const r = similarityFromMoments(m, ['mean', 'cka'], { allowUnderdetermined: true });
    expect(r[0]!.value).toBeGreaterThan(0.99);
    expect(r[0]!.warnings.join()).toMatch(/only 20 datapoints for 30 neurons/);
    expect(Number.isFinite(r[1]!.value)).toBe(true);
  });

  test('an all-constant layer is an error, not NaN', () => {
    const flat = matrix(100, 3, new Float64Array(300).fill(2));
    const m = pairMoments(flat, x);
    expect(code(() => similarityFromMoments(m, ['mean']))).toMatch(/^CCA_NO_LIVE_NEURONS: A has no varying neuron/);
    expect(code(() => similarityFromMoments(m, ['cka']))).toMatch(
      /^CCA_NO_LIVE_NEURONS: CKA is undefined: A is constant/,
    );
  });

  test('debiased CKA needs n ≥ 4 and reports a non-positive self term as NaN with a warning', () => {
    const m3 = pairMoments(gaussian(5, 3, 2), gaussian(6, 3, 2));
    expect(code(() => similarityFromMoments(m3, ['cka-debiased']))).toMatch(
      /^CCA_TOO_FEW_POINTS: debiased CKA needs at least 4 datapoints, got 3/,
    );
    const m4 = pairMoments(matrix(4, 1, Float64Array.from([0, 0, 0, 1])), gaussian(7, 4, 1));
    const r = similarityFromMoments(m4, ['cka-debiased'])[0]!;
    expect(r.value).toBeNaN();
    expect(r.warnings.join()).toMatch(/debiased self-similarity is not positive/);
  });

  test('options are validated', () => {
    const m = pairMoments(x, gaussian(8, 100, 3));
    expect(code(() => similarityFromMoments(m, ['svcca'], { svccaKeep: 1.5 }))).toMatch(
      /^CCA_BAD_OPTIONS: invalid option svccaKeep/,
    );
    expect(code(() => similarityFromMoments(m, ['svcca'], { svccaDims: 9 }))).toMatch(
      /svccaDims = 9 exceeds the rank 4 of A/,
    );
    expect(code(() => similarityFromMoments(m, ['mean'], { bogus: 1 } as never))).toMatch(/^CCA_BAD_OPTIONS/);
    expect(code(() => parseMethods('mean,ckaa'))).toMatch(/unknown method "ckaa"; expected one of mean, svcca/);
    expect(code(() => parseMethods(' , '))).toMatch(/no method given/);
    expect(parseMethods('cka, mean,cka')).toEqual(['cka', 'mean']);
  });

  test('compare() validates before starting workers', async () => {
    await expect(compare(x, gaussian(9, 50, 3), 'mean')).rejects.toThrow(/A has 100 datapoints but B has 50/);
    await expect(compare(x, x, 'mean', {}, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });
});

test('one-method helpers return the typed result of that method', async () => {
  const { svcca, cka, meanCca } = await import('../src/index.js');
  const x = gaussian(60, 300, 6);
  const y = gaussian(61, 300, 5);
  const s = await svcca(x, y, { svccaDims: 3 }, { threads: 1 });
  expect([s.method, s.kept1, s.kept2]).toEqual(['svcca', 3, 3]);
  expect((await cka(x, y)).method).toBe('cka');
  expect((await meanCca(x, x)).value).toBeCloseTo(1, 12);
});

test('N = width + 1 is still underdetermined after centring', () => {
  const m = pairMoments(gaussian(70, 6, 5), gaussian(71, 6, 5));
  expect(() => similarityFromMoments(m, ['mean'])).toThrow(/N = 6 but a layer has 5 live neurons/);
  expect(similarityFromMoments(m, ['mean'], { allowUnderdetermined: true })[0]!.value).toBeCloseTo(1, 9);
});
