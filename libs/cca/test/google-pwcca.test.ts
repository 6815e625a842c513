import { readFileSync } from 'node:fs';
import { loadLinalg } from '@transfusion/native';
import { describe, expect, test } from 'vitest';
import {
  matrix,
  pairMoments,
  PairSimilarity,
  similarityFromMoments,
  similarityFromMomentsParallel,
  type LinalgMode,
  type Matrix,
  type PwccaResult,
} from '../src/index.js';
import { uniform } from './helpers.js';

// google/svcca's compute_pwcca on degenerate inputs (a constant neuron; ReLU layers with all-zero and rarely active
// neurons) and on dense ones, against test/reference/google_pwcca_reference.py, an independent numpy
// re-implementation of google's steps. Its output is the fixture read here, so this test needs no Python.

interface Reference {
  n: number;
  cases: Record<
    string,
    {
      shape: [[number, number], [number, number]];
      checksum: { sumA: number; sumB: number; zerosA: number; zerosB: number };
      results: {
        epsilon: number;
        value: number;
        weights: number[];
        rho: number[];
        side: 'A' | 'B';
        live1: number;
        live2: number;
        numpy: string;
      }[];
    }
  >;
}

const reference = JSON.parse(
  readFileSync(new URL('./reference/google_pwcca_degenerate.json', import.meta.url), 'utf8'),
) as Reference;

interface LayerSpec {
  seed: number;
  d: number;
  bias?: number[];
  relu?: boolean;
  scale?: number[];
  constant?: Record<number, number>;
}

/** The reference script's `layer`, bit for bit: z·W + 0.4·E (+ bias, ReLU, scale) with W, E from xorshift32. */
function layer(z: Matrix, { seed, d, bias, relu = false, scale, constant }: LayerSpec): Matrix {
  const [n, k] = [z.rows, z.cols];
  const w = uniform(seed, k, d).data;
  const e = uniform(seed + 1, n, d).data;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += z.data[i * k + l]! * w[l * d + j]!;
      s += 0.4 * e[i * d + j]!;
      if (bias !== undefined) s += bias[j]!;
      if (relu && !(s > 0)) s = 0;
      if (scale !== undefined) s *= scale[j]!;
      const c = constant?.[j];
      out[i * d + j] = c ?? s;
    }
  }
  return matrix(n, d, out);
}

function cases(): Record<string, [Matrix, Matrix]> {
  const z = uniform(11, reference.n, 5);
  const reluA = layer(z, {
    seed: 41,
    d: 8,
    bias: [-0.1, -0.2, 0, -5, -0.1, -5, 0.05, -0.55],
    relu: true,
    scale: [1, 1, 1, 1, 1, 1, 1, 0.03],
  });
  const reluB = layer(z, {
    seed: 51,
    d: 12,
    bias: [-0.1, -5, 0, -5, -0.1, -0.3, -5, 0.05, -0.15, 0, -0.55, -0.2],
    relu: true,
    scale: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.02, 1],
  });
  return {
    dense: [layer(z, { seed: 21, d: 6 }), layer(z, { seed: 31, d: 9 })],
    constant: [layer(z, { seed: 21, d: 6, constant: { 2: 0.75 } }), layer(z, { seed: 31, d: 9, constant: { 4: 0.1 } })],
    relu: [reluA, reluB],
    relu_swapped: [reluB, reluA],
  };
}

function sum(m: Matrix): number {
  let s = 0;
  for (const v of m.data) s += v;
  return s;
}
const zeros = (m: Matrix) => m.data.filter((v) => v === 0).length;
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
};

const PATHS: LinalgMode[] = loadLinalg().available ? ['typescript', 'native'] : ['typescript'];
const inputs = cases();

describe('test inputs', () => {
  test.each(Object.keys(reference.cases))('%s is the reference script’s input, bit for bit', (name) => {
    const [a, b] = inputs[name]!;
    const ref = reference.cases[name]!;
    expect([
      [a.rows, a.cols],
      [b.rows, b.cols],
    ]).toEqual(ref.shape);
    // Plain left-to-right sums on both sides, but numpy's np.sum is pairwise: equal to rounding, not bit for bit.
    expect(Math.abs(sum(a) - ref.checksum.sumA)).toBeLessThan(1e-10);
    expect(Math.abs(sum(b) - ref.checksum.sumB)).toBeLessThan(1e-10);
    expect([zeros(a), zeros(b)]).toEqual([ref.checksum.zerosA, ref.checksum.zerosB]);
  });
});

describe.each(PATHS)(
  'pwcca-google = google/svcca compute_pwcca step by step (numpy reference), linalg %s',
  (linalg) => {
    const rows = Object.entries(reference.cases).flatMap(([name, c]) =>
      c.results.map((r) => [name, r.epsilon, r] as const),
    );
    test.each(rows)('%s, epsilon %s: value, ρ and weights to 1e-5', (name, epsilon, ref) => {
      const [a, b] = inputs[name]!;
      const r = new PairSimilarity(pairMoments(a, b, 'A', 'B', linalg), {
        googleNeuronEps: epsilon,
        linalg,
      }).pwccaGoogle();
      expect(r.side).toBe(ref.side);
      expect([r.live1, r.live2]).toEqual([ref.live1, ref.live2]);
      expect(Math.abs(r.value - ref.value)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.rho, ref.rho)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.weights, ref.weights)).toBeLessThan(1e-5);
    });
  },
);

describe('pwcca-google next to the other methods', () => {
  const [a, b] = inputs.relu!;
  const ref = reference.cases.relu!.results.find((r) => r.epsilon === 1e-6)!;

  test('the same ε for both families: google’s ridge stays out of mean CCA and paper PWCCA', () => {
    const m = pairMoments(a, b);
    const both = similarityFromMoments(m, ['mean', 'pwcca', 'pwcca-google'], {
      neuronEps: 1e-6,
      googleNeuronEps: 1e-6,
    });
    expect(Math.abs(both[2]!.value - ref.value)).toBeLessThan(1e-5);
    const alone = similarityFromMoments(pairMoments(a, b), ['mean', 'pwcca'], { neuronEps: 1e-6 });
    expect(both[0]!.value).toBe(alone[0]!.value);
    expect(both[1]!.value).toBe(alone[1]!.value);
    // Ranks and warnings describe the data (the plain basis): the all-zero and rarely active neurons are dropped.
    const g = both[2] as PwccaResult;
    expect([g.live1, g.live2, g.rank1, g.rank2]).toEqual([6, 8, 6, 8]);
    expect(g.warnings).toEqual(['A: 2 constant neuron(s) dropped', 'B: 4 constant neuron(s) dropped']);
  });

  test('worker-thread preparation gives the same value', async () => {
    const [r] = await similarityFromMomentsParallel(
      pairMoments(a, b),
      ['pwcca-google'],
      { googleNeuronEps: 1e-6 },
      { threads: 2 },
    );
    expect(Math.abs(r!.value - ref.value)).toBeLessThan(1e-5);
  });
});
