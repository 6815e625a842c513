import { readFileSync } from 'node:fs';
import { loadLinalg } from '@transfusion/native';
import { describe, expect, test } from 'vitest';
import {
  METHODS,
  pairMoments,
  PairSimilarity,
  resolveLinalg,
  similarityFromMoments,
  type LinalgMode,
  type PairMoments,
} from '../src/index.js';
import { cachedBasis } from '../src/similarity.js';
import { sideSvd, whitenedCross } from '../src/canonical.js';
import { googlePwccaWeights } from '../src/pwcca.js';
import { ACTS_DIR, readJhb } from './helpers.js';

interface Expected {
  shape: [number, number];
  mean_cca: number;
  google_threshold98_mean: number;
  svcca99_variance: number;
  svcca99_k: [number, number];
  svcca99_singular: number;
  pwcca_paper: number;
  pwcca_google_compat: number;
  google_compute_pwcca: number;
  cka: number;
  cka_debiased: number;
  svcca_dims20?: number;
}

const expected = (JSON.parse(readFileSync(`${ACTS_DIR}expected.json`, 'utf8')) as { values: Record<string, Expected> })
  .values;

const loaded = new Map<string, PairMoments>();
function load(name: string, linalg: LinalgMode = 'auto'): PairMoments {
  const key = `${name}:${linalg}`;
  let m = loaded.get(key);
  if (m === undefined) {
    m = pairMoments(
      readJhb(`${ACTS_DIR}${name}_model0.jhb`),
      readJhb(`${ACTS_DIR}${name}_model1.jhb`),
      'A',
      'B',
      linalg,
    );
    loaded.set(key, m);
  }
  return m;
}

// Both paths where the native one is built (load.test.ts in @transfusion/native fails if it should be and is not).
const PATHS: LinalgMode[] = loadLinalg().available ? ['typescript', 'native'] : ['typescript'];

// google/svcca's tutorial activations, with values from google's own code and an independent numpy implementation.
describe.each(PATHS.flatMap((linalg) => ['mnist_lay04', 'svhn_lay06'].map((name) => [name, linalg] as const)))(
  '%s (google/svcca tutorial activations), linalg %s',
  (name, linalg) => {
    const e = expected[name]!;
    const m = load(name, linalg);

    test('every method reproduces the reference values to 1e-6', () => {
      const r = Object.fromEntries(
        similarityFromMoments(
          m,
          METHODS.filter((x) => x !== 'pwcca-google'),
          { linalg },
        ).map((x) => [x.method, x]),
      );
      expect(r.mean!.value).toBeCloseTo(e.mean_cca, 6);
      expect(r.svcca!.value).toBeCloseTo(e.svcca99_variance, 6);
      expect(r.pwcca!.value).toBeCloseTo(e.pwcca_paper, 6);
      expect(r.cka!.value).toBeCloseTo(e.cka, 6);
      expect(r['cka-debiased']!.value).toBeCloseTo(e.cka_debiased, 6);
      expect(Math.abs(r.mean!.value - e.mean_cca)).toBeLessThan(1e-9);
      expect(Math.abs(r.pwcca!.value - e.pwcca_paper)).toBeLessThan(1e-9);
    });

    test('details: shapes, SVCCA kept dims, google threshold mean', () => {
      const [mean, svcca] = similarityFromMoments(m, ['mean', 'svcca'], { linalg });
      expect([mean!.n, mean!.d1, mean!.d2]).toEqual(e.shape.concat([e.shape[1]]));
      if (mean!.method !== 'mean' || svcca!.method !== 'svcca') throw new Error('wrong order');
      expect(Math.abs(mean!.googleMean - e.google_threshold98_mean)).toBeLessThan(1e-9);
      expect([svcca!.kept1, svcca!.kept2]).toEqual(e.svcca99_k);
      const singular = similarityFromMoments(m, ['svcca'], { svccaCriterion: 'singular', linalg })[0]!;
      expect(Math.abs(singular.value - e.svcca99_singular)).toBeLessThan(1e-9);
      if (e.svcca_dims20 !== undefined) {
        expect(
          Math.abs(similarityFromMoments(m, ['svcca'], { svccaDims: 20, linalg })[0]!.value - e.svcca_dims20),
        ).toBeLessThan(1e-9);
      }
    });
  },
);

describe.each(PATHS)('pwcca-google (google/svcca compute_pwcca), linalg %s', (linalg) => {
  test('reproduces compute_pwcca exactly given the singular-vector signs numpy returned', () => {
    // compute_pwcca adds the neuron means back to its directions, so its value depends on LAPACK's arbitrary
    // sign of each singular vector. These are numpy's signs for this pair relative to our svd_flip convention
    // (the only one of the 2^10 sign patterns that reproduces google's value). The eigensolvers' own sign choices
    // do not matter: they cancel in the directions, whose signs are fixed after the product.
    const m = load('mnist_lay04', linalg);
    const backend = resolveLinalg(linalg);
    const bx = cachedBasis(m.x, 0, backend);
    const by = cachedBasis(m.y, 0, backend);
    const c = whitenedCross(bx, by, m.xy.sxy, m.xy.q, bx.rank, by.rank, backend);
    const svd = sideSvd(c, bx.rank, by.rank, 'x', true, backend);
    const w = googlePwccaWeights(bx, m.x, svd.vectors, [1, 1, 1, 1, -1, 1, -1, -1, 1, 1], backend);
    let value = 0;
    w.forEach((wi, i) => (value += wi * svd.rho[i]!));
    expect(Math.abs(value - expected.mnist_lay04!.google_compute_pwcca)).toBeLessThan(1e-9);
  });

  test('with our deterministic sign convention it stays within the sign ambiguity of google’s value', () => {
    for (const name of ['mnist_lay04', 'svhn_lay06']) {
      const r = new PairSimilarity(load(name, linalg), { linalg }).run('pwcca-google');
      expect(r.warnings).toEqual([]);
      // MNIST: all 2^10 sign patterns span 0.722..0.843; SVHN's ambiguity is smaller (measured 2e-3).
      expect(Math.abs(r.value - expected[name]!.pwcca_google_compat)).toBeLessThan(name === 'mnist_lay04' ? 0.1 : 3e-3);
      expect(r.value).not.toBeCloseTo(expected[name]!.pwcca_paper, 2);
    }
  });
});

describe('worker-thread path', () => {
  test('decompositions on worker threads give the same values as on the calling thread', async () => {
    const { similarityFromMomentsParallel } = await import('../src/index.js');
    const m = load('svhn_lay06');
    const all = ['mean', 'svcca', 'pwcca'] as const;
    const seq = similarityFromMoments(m, all);
    // Fresh statistics objects (new cache keys) so no layer basis is reused from the cache.
    const m2 = { x: { ...m.x }, y: { ...m.y }, xy: m.xy };
    const par = await similarityFromMomentsParallel(m2, all, {}, { threads: 2 });
    par.forEach((r, i) => expect(Math.abs(r.value - seq[i]!.value)).toBeLessThan(1e-12));
  });
});
