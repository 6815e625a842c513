import { describe, expect, test } from 'vitest';
import { delongContrast } from '../src/delong.js';
import { normalCdf, normalQuantile } from '../src/normal.js';
import { mulberry32 } from '@transfusion/random';
import { bootstrapArms, estimateContrast, percentile, resamplePatients } from '../src/paired-bootstrap.js';
import type { Run, Task } from '../src/schema.js';
import { RunScorer, unitWeights, type TestData } from '../src/test-scores.js';
import { judge, combine } from '../src/verdict.js';

// Reference values: test/reference/delong_reference.py (DeLong from its definitions, numpy/scipy).
const REF = {
  labels: [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
  a: [0.9, 0.8, 0.55, 0.4, 0.55, 0.3, 0.2, 0.6, 0.1, 0.35],
  b: [0.7, 0.75, 0.3, 0.45, 0.5, 0.5, 0.25, 0.65, 0.2, 0.1],
  c: [0.85, 0.6, 0.5, 0.5, 0.4, 0.45, 0.3, 0.7, 0.15, 0.2],
  aMinusB: {
    aucs: [0.8541666666666666, 0.75],
    delta: 0.10416666666666663,
    se: 0.10290907529357057,
    z: 1.0122204127236447,
    p: 0.3114326782663255,
    low: -0.09753141459105238,
    high: 0.30586474792438567,
  },
  meanAcMinusB: {
    delta: 0.11458333333333337,
    se: 0.13410151972514178,
    p: 0.39285450513707054,
    low: -0.14825081560003217,
    high: 0.3774174822666989,
  },
};

const binaryTask: Task = { id: 't', kind: 'binary', labels: ['y'] };
const run = (id: string, seed = 0) => ({ id, seed }) as Run;

function binaryData(labels: number[], patients?: number[]): TestData {
  const n = labels.length;
  const ids = patients ?? labels.map((_, i) => i);
  return {
    task: binaryTask,
    n,
    k: 1,
    positive: Uint8Array.from(labels),
    known: new Uint8Array(n).fill(1),
    patientOf: Int32Array.from(ids),
    patients: new Set(ids).size,
  };
}

/** AUC from its definition over all positive–negative pairs, each image repeated w[i] times. */
function bruteAuc(scores: number[], labels: number[], w: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  scores.forEach((x, i) => {
    if (!labels[i]) return;
    scores.forEach((y, j) => {
      if (labels[j]) return;
      num += w[i]! * w[j]! * (x > y ? 1 : x === y ? 0.5 : 0);
      den += w[i]! * w[j]!;
    });
  });
  return num / den;
}

describe('scoring runs under resampling weights', () => {
  const data = binaryData(REF.labels);

  test('unit weights give the AUC of sklearn (ties count half)', () => {
    expect(new RunScorer(data, run('a'), REF.a).auc(unitWeights(10))).toBeCloseTo(REF.aMinusB.aucs[0]!, 14);
    expect(new RunScorer(data, run('b'), REF.b).auc(unitWeights(10))).toBeCloseTo(0.75, 14);
    // sklearn.metrics.roc_auc_score([1, 0, 0, 1], [0.5, 0.5, 0.2, 0.9]) = 0.875
    const tie = new RunScorer(binaryData([1, 0, 0, 1]), run('t'), [0.5, 0.5, 0.2, 0.9]);
    expect(tie.auc(unitWeights(4))).toBe(0.875);
  });

  test('integer weights equal the AUC of the data with each image repeated that often', () => {
    const random = mulberry32(3);
    const sc = new RunScorer(data, run('a'), REF.a);
    for (let t = 0; t < 50; t++) {
      const w = Float64Array.from({ length: 10 }, () => Math.floor(random() * 4));
      const expected = bruteAuc(REF.a, REF.labels, w);
      if (Number.isNaN(expected)) expect(sc.auc(w)).toBeNaN();
      else expect(sc.auc(w)).toBeCloseTo(expected, 12);
    }
  });

  test('multi-class: macro one-vs-rest AUC, accuracy of the top class and quadratic-weighted kappa', () => {
    const task: Task = { id: 'g', kind: 'multiclass', labels: ['0', '1', '2'], ordinal: true };
    const classes = [0, 1, 2, 2, 1, 0];
    const probs = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.2, 0.6, 0.1, 0.5, 0.4, 0.2, 0.6, 0.2, 0.5, 0.3, 0.2];
    const positive = new Uint8Array(18);
    classes.forEach((c, i) => (positive[i * 3 + c] = 1));
    const d: TestData = {
      task,
      n: 6,
      k: 3,
      positive,
      known: new Uint8Array(18).fill(1),
      classes: Int32Array.from(classes),
      patientOf: Int32Array.from([0, 1, 2, 3, 4, 5]),
      patients: 6,
    };
    const sc = new RunScorer(d, run('m'), probs);
    const w = unitWeights(6);
    // predicted: 0, 2, 2, 1, 1, 0 → 4 of 6 right
    expect(sc.acc(w)).toBeCloseTo(4 / 6, 14);
    // 1 − Σ W·O / Σ W·E with W = (i − j)² / (k − 1)², as sklearn's cohen_kappa_score(weights='quadratic'); numpy gives 0.75
    expect(sc.kappa(w)).toBeCloseTo(0.75, 12);
    // class AUCs by hand over the 2 × 4 pairs: class 0 → 8/8; class 1 → 6.5/8 (0.3 vs 0.3 is a tie); class 2 → 6.5/8
    expect(sc.labelAuc(0, w)).toBe(1);
    expect(sc.labelAuc(1, w)).toBe(0.8125);
    expect(sc.labelAuc(2, w)).toBe(0.8125);
    expect(sc.auc(w)).toBeCloseTo(0.875, 14);
  });
});

describe("DeLong's test for correlated AUCs", () => {
  const data = binaryData(REF.labels);
  const [a, b, c] = [REF.a, REF.b, REF.c].map((s, i) => new RunScorer(data, run(`r${i}`), s)) as [
    RunScorer,
    RunScorer,
    RunScorer,
  ];

  test('two models on the same images: Δ, SE, z, p and interval as the definition gives', () => {
    const d = delongContrast([
      { scorers: [a], coefficient: 1 },
      { scorers: [b], coefficient: -1 },
    ])!;
    expect(d.delta).toBeCloseTo(REF.aMinusB.delta, 12);
    expect(d.se).toBeCloseTo(REF.aMinusB.se, 12);
    expect(d.z).toBeCloseTo(REF.aMinusB.z, 10);
    expect(d.p).toBeCloseTo(REF.aMinusB.p, 6);
    expect(d.low).toBeCloseTo(REF.aMinusB.low, 8);
    expect(d.high).toBeCloseTo(REF.aMinusB.high, 8);
  });

  test('an arm of two seeds enters with the mean of its seeds’ components', () => {
    const d = delongContrast([
      { scorers: [a, c], coefficient: 1 },
      { scorers: [b], coefficient: -1 },
    ])!;
    expect(d.delta).toBeCloseTo(REF.meanAcMinusB.delta, 12);
    expect(d.se).toBeCloseTo(REF.meanAcMinusB.se, 12);
    expect(d.p).toBeCloseTo(REF.meanAcMinusB.p, 6);
  });

  test('a model against itself: Δ = 0 with no variance', () => {
    const d = delongContrast([
      { scorers: [a], coefficient: 1 },
      { scorers: [a], coefficient: -1 },
    ])!;
    expect(d).toMatchObject({ delta: 0, se: 0, z: 0 });
    expect(d.p).toBeCloseTo(1, 6);
  });

  test('normal distribution helpers match scipy', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalCdf(1.5)).toBeCloseTo(0.9331927987311419, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
  });
});

describe('the hierarchical paired bootstrap', () => {
  const s = { resamples: 400, level: 0.95, seed: 11 };

  test('a resample weights each image by how often its patient was drawn', () => {
    const d = binaryData([1, 0, 1, 0], [0, 0, 1, 1]);
    const w = resamplePatients(d, mulberry32(5), new Float64Array(4));
    expect(w[0]).toBe(w[1]); // both images of patient 0 move together
    expect(w[2]).toBe(w[3]);
    expect(w[0]! + w[2]!).toBe(2); // two patients drawn
  });

  test('paired: identical arms give Δ = 0 with a zero-width interval, whatever the test-set noise', () => {
    const data = binaryData(REF.labels);
    const sc = new RunScorer(data, run('a'), REF.a);
    const ci = estimateContrast(
      [
        { runs: [run('a')], scorers: [sc], coefficient: 1 },
        { runs: [run('a')], scorers: [sc], coefficient: -1 },
      ],
      'auc',
      s,
    );
    expect(ci).toMatchObject({ estimate: 0, low: 0, high: 0, resampled: 'patients and seeds' });
  });

  test('one arm, one seed: the interval is the percentile interval of the resampled AUCs', () => {
    const data = binaryData(REF.labels);
    const sc = new RunScorer(data, run('a'), REF.a);
    const ci = estimateContrast([{ runs: [run('a')], scorers: [sc], coefficient: 1 }], 'auc', s);
    // the same draws, made independently: patients drawn with the same generator, AUC from its definition
    const random = mulberry32(s.seed);
    const draws: number[] = [];
    for (let b = 0; b < s.resamples; b++) {
      const w = new Array<number>(10).fill(0);
      for (let p = 0; p < 10; p++) w[Math.floor(random() * 10)]! += 1;
      random(); // the seed draw of the arm's one run
      draws.push(bruteAuc(REF.a, REF.labels, w));
    }
    const kept = draws.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
    expect(ci.estimate).toBeCloseTo(REF.aMinusB.aucs[0]!, 12);
    expect(ci.low).toBeCloseTo(percentile(kept, 0.025), 12);
    expect(ci.high).toBeCloseTo(percentile(kept, 0.975), 12);
    expect(ci.resamples).toBe(kept.length);
  });

  test('seeds add their spread: two seeds far apart widen the interval of the mean', () => {
    const data = binaryData(REF.labels);
    const one = estimateContrast(
      [{ runs: [run('a')], scorers: [new RunScorer(data, run('a'), REF.a)], coefficient: 1 }],
      'auc',
      s,
    );
    const two = estimateContrast(
      [
        {
          runs: [run('a', 0), run('b', 1)],
          scorers: [new RunScorer(data, run('a'), REF.a), new RunScorer(data, run('b'), REF.b)],
          coefficient: 1,
        },
      ],
      'auc',
      s,
    );
    expect(two.estimate).toBeCloseTo((REF.aMinusB.aucs[0]! + REF.aMinusB.aucs[1]!) / 2, 12);
    expect(two.seeds).toEqual([[0, 1]]);
    expect(two.high - two.low).toBeGreaterThan(0);
    expect(one.high - one.low).toBeGreaterThan(0);
  });

  test('seed-level bootstrap of a statistic of arm means; ∞ − ∞ handled by the statistic', () => {
    const ci = bootstrapArms([{ values: [1, 2, 3], seeds: [0, 1, 2] }], ([m]) => m!, {
      resamples: 2000,
      level: 0.9,
      seed: 1,
    });
    expect(ci.estimate).toBe(2);
    expect(ci.low).toBeGreaterThanOrEqual(1);
    expect(ci.high).toBeLessThanOrEqual(3);
    const inf = bootstrapArms(
      [
        { values: [Infinity, Infinity], seeds: [0, 1] },
        { values: [100, 200], seeds: [0, 1] },
      ],
      ([r, t]) => r! - t!,
      s,
    );
    expect(inf).toMatchObject({ estimate: Infinity, low: Infinity, high: Infinity });
  });
});

describe('verdicts from an interval and a claim', () => {
  test('above / below / within a margin; straddling is inconclusive', () => {
    expect(judge(0.02, 0.05, { kind: 'above', margin: 0.01 })).toBe('supported');
    expect(judge(-0.03, 0.005, { kind: 'above', margin: 0.01 })).toBe('contradicted');
    expect(judge(0.0, 0.03, { kind: 'above', margin: 0.01 })).toBe('inconclusive');
    expect(judge(-0.02, 0.01, { kind: 'below', margin: 0.01 })).toBe('supported');
    expect(judge(0.02, 0.04, { kind: 'below', margin: 0.01 })).toBe('contradicted');
    expect(judge(-0.005, 0.008, { kind: 'within', margin: 0.01 })).toBe('supported');
    expect(judge(0.015, 0.03, { kind: 'within', margin: 0.01 })).toBe('contradicted');
    expect(judge(-0.03, -0.02, { kind: 'within', margin: 0.01 })).toBe('contradicted');
    expect(judge(-0.02, 0.005, { kind: 'within', margin: 0.01 })).toBe('inconclusive');
  });

  test('a statement over several comparisons', () => {
    expect(combine([])).toBe('not measured');
    expect(combine(['supported', 'supported'])).toBe('supported');
    expect(combine(['supported', 'inconclusive'])).toBe('inconclusive');
    expect(combine(['inconclusive', 'contradicted'])).toBe('contradicted');
    expect(combine(['not testable', 'supported'])).toBe('supported');
    expect(combine(['not testable', 'not testable'])).toBe('not testable');
  });
});
