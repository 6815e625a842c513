import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TrainError } from '../src/errors.js';
import {
  accuracy,
  argmaxRows,
  bootstrapCi,
  gradeThresholdAuc,
  multiLabelAuc,
  oneVsRestAuc,
  quadraticWeightedKappa,
  rocAuc,
  sensitivityAtSpecificity,
  stepsToThreshold,
  thresholdAccuracy,
} from '../src/metrics/index.js';

// Values computed by scikit-learn 1.2.1 (test/fixtures/sklearn_reference.py).
interface Ref {
  cases: {
    auc_ties: { scores: number[]; labels: number[]; auc: number };
    auc_imbalanced: { scores: number[]; labels: number[]; auc: number };
    multilabel: { scores: number[]; labels: number[]; numLabels: number; perLabel: number[]; macro: number };
    grades: {
      probs: number[];
      grades: number[];
      pred: number[];
      qwk: number;
      qwk_labels0to4: number;
      referable_auc: number;
      ovr_auc: number;
      accuracy: number;
    };
    qwk_sparse: { a: number[]; b: number[]; qwk: number };
    sens_at_spec: { scores: number[]; labels: number[]; sens: Record<string, number> };
  };
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as Ref;
const c = ref.cases;

describe('ROC AUC matches scikit-learn roc_auc_score', () => {
  it('with many tied scores', () =>
    expect(rocAuc(c.auc_ties.scores, c.auc_ties.labels)).toBeCloseTo(c.auc_ties.auc, 12));
  it('on an imbalanced set', () =>
    expect(rocAuc(c.auc_imbalanced.scores, c.auc_imbalanced.labels)).toBeCloseTo(c.auc_imbalanced.auc, 12));
  it('per label and macro for multi-label output', () => {
    const m = multiLabelAuc(c.multilabel.scores, c.multilabel.labels, c.multilabel.numLabels);
    m.perLabel.forEach((v, i) => expect(v).toBeCloseTo(c.multilabel.perLabel[i]!, 12));
    expect(m.macro).toBeCloseTo(c.multilabel.macro, 12);
    expect(m.defined).toBe(5);
  });
  it('referable DR AUC from a 5-grade output (P(grade >= 2))', () => {
    expect(gradeThresholdAuc(c.grades.probs, c.grades.grades, 5, 2)).toBeCloseTo(c.grades.referable_auc, 12);
  });
  it('one-vs-rest multi-class AUC', () => {
    expect(oneVsRestAuc(c.grades.probs, c.grades.grades, 5)).toBeCloseTo(c.grades.ovr_auc, 12);
  });
  it('is 1 for perfect separation, 0.5 for constant scores, 0 when inverted', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0.9, 0.8, 0.2], [0, 0, 1])).toBe(0);
  });
  it('rejects a single class, non-binary labels, NaN scores and length mismatches', () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(/only one class/);
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(/labels\[1\] is 2/);
    expect(() => rocAuc([0.1, NaN], [0, 1])).toThrow(/scores\[1\] is NaN/);
    expect(() => rocAuc([0.1], [0, 1])).toThrow(TrainError);
  });
  it('masks ignored labels out and reports NaN for a label left with one class', () => {
    // label 0: masked rows would otherwise flip the AUC; label 1: only positives remain.
    const scores = [0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.1, 0.6];
    const labels = [1, 1, 0, 1, 0, 0, 1, 1];
    const mask = [1, 1, 1, 1, 0, 0, 0, 1];
    const m = multiLabelAuc(scores, labels, 2, mask);
    expect(m.perLabel[0]).toBe(rocAuc([0.9, 0.2], [1, 0]));
    expect(m.perLabel[1]).toBeNaN();
    expect(m.macro).toBe(1);
    expect(m.defined).toBe(1);
  });
});

describe('kappa, accuracy, sensitivity at specificity', () => {
  it('quadratic weighted kappa matches cohen_kappa_score(weights="quadratic")', () => {
    expect(quadraticWeightedKappa(c.grades.grades, c.grades.pred)).toBeCloseTo(c.grades.qwk, 12);
    expect(quadraticWeightedKappa(c.grades.grades, c.grades.pred, [0, 1, 2, 3, 4])).toBeCloseTo(
      c.grades.qwk_labels0to4,
      12,
    );
    expect(quadraticWeightedKappa(c.qwk_sparse.a, c.qwk_sparse.b)).toBeCloseTo(c.qwk_sparse.qwk, 12);
    expect(quadraticWeightedKappa([0, 1, 2], [0, 1, 2])).toBe(1);
  });
  it('accuracy of argmax predictions matches accuracy_score', () => {
    expect(accuracy(argmaxRows(c.grades.probs, 5), c.grades.grades)).toBeCloseTo(c.grades.accuracy, 12);
    expect(thresholdAccuracy([0.2, 0.7, 0.6, 0.4], [0, 1, 0, 0])).toBe(0.75);
    expect(thresholdAccuracy([0.2, 0.7, 0.6, 0.4], [0, 1, 0, 0], 0.5, [1, 1, 0, 1])).toBe(1);
  });
  it('sensitivity at fixed specificity matches max tpr over roc_curve points with fpr <= 1 - spec', () => {
    for (const [spec, sens] of Object.entries(c.sens_at_spec.sens)) {
      const p = sensitivityAtSpecificity(c.sens_at_spec.scores, c.sens_at_spec.labels, Number(spec));
      expect(p.sensitivity).toBeCloseTo(sens, 12);
      expect(p.specificity).toBeGreaterThanOrEqual(Number(spec) - 1e-12);
    }
  });
  it('sensitivity at specificity never splits tied scores', () => {
    // Scores 0.5 tie a positive and a negative: no threshold reaches spec 1 with that positive.
    const p = sensitivityAtSpecificity([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0], 1);
    expect(p).toEqual({ sensitivity: 0.5, specificity: 1, threshold: 0.9 });
  });
});

describe('bootstrap confidence intervals', () => {
  const s = c.auc_ties.scores;
  const y = c.auc_ties.labels;
  const auc = (rows: Uint32Array) =>
    rocAuc(
      Array.from(rows, (r) => s[r]!),
      Array.from(rows, (r) => y[r]!),
    );
  it('brackets the estimate, is reproducible with a seed and narrows with more data', () => {
    const a = bootstrapCi(s.length, auc, { replicates: 400, seed: 3 });
    const b = bootstrapCi(s.length, auc, { replicates: 400, seed: 3 });
    expect(a).toEqual(b);
    expect(a.estimate).toBeCloseTo(c.auc_ties.auc, 12);
    expect(a.lower).toBeLessThan(a.estimate);
    expect(a.upper).toBeGreaterThan(a.estimate);
    // Normal-approximation sanity check: the AUC's SE here is about 0.035, so the 95% width is about 0.14.
    expect(a.upper - a.lower).toBeGreaterThan(0.08);
    expect(a.upper - a.lower).toBeLessThan(0.22);
    expect(a.resampled).toBe('rows');
  });
  it('resamples whole patients: duplicated rows per patient give the same interval as one row each', () => {
    const n = 60;
    const sc = Array.from({ length: n }, (_, i) => s[i]!);
    const lb = Array.from({ length: n }, (_, i) => y[i]!);
    const single = bootstrapCi(
      n,
      (rows) =>
        rocAuc(
          Array.from(rows, (r) => sc[r]!),
          Array.from(rows, (r) => lb[r]!),
        ),
      { replicates: 200, seed: 9 },
    );
    // Each patient contributes two identical images; resampling by patient must not shrink the interval.
    const sc2 = sc.flatMap((v) => [v, v]);
    const lb2 = lb.flatMap((v) => [v, v]);
    const groups = Array.from({ length: 2 * n }, (_, i) => `p${Math.floor(i / 2)}`);
    const grouped = bootstrapCi(
      2 * n,
      (rows) =>
        rocAuc(
          Array.from(rows, (r) => sc2[r]!),
          Array.from(rows, (r) => lb2[r]!),
        ),
      { replicates: 200, seed: 9, groups },
    );
    expect(grouped.resampled).toBe('groups');
    expect(grouped.lower).toBeCloseTo(single.lower, 10);
    expect(grouped.upper).toBeCloseTo(single.upper, 10);
    const naive = bootstrapCi(
      2 * n,
      (rows) =>
        rocAuc(
          Array.from(rows, (r) => sc2[r]!),
          Array.from(rows, (r) => lb2[r]!),
        ),
      { replicates: 200, seed: 9 },
    );
    expect(naive.upper - naive.lower).toBeLessThan(grouped.upper - grouped.lower);
  });
  it('skips resamples where the metric is undefined and validates options', () => {
    const r = bootstrapCi(
      4,
      (rows) =>
        rocAuc(
          Array.from(rows, (i) => [0.1, 0.9, 0.2, 0.8][i]!),
          Array.from(rows, (i) => [0, 1, 0, 1][i]!),
        ),
      { replicates: 200, seed: 1 },
    );
    expect(r.skipped).toBeGreaterThan(0);
    expect(r.replicates + r.skipped).toBe(200);
    expect(() => bootstrapCi(0, () => 1)).toThrow(/at least one row/);
    expect(() => bootstrapCi(3, () => 1, { groups: ['a'] })).toThrow(/groups has 1 ids for 3 rows/);
    expect(() => bootstrapCi(3, () => 1, { level: 1.5 })).toThrow(/level/);
  });
});

describe('stepsToThreshold', () => {
  const h = [
    { step: 100, metrics: { val_auc: 0.6, val_loss: 0.7 } },
    { step: 200, metrics: { val_auc: 0.82, val_loss: 0.5 } },
    { step: 300, metrics: { val_auc: 0.9, val_loss: 0.4 } },
  ];
  it('finds the first step reaching a threshold, or null', () => {
    expect(stepsToThreshold(h, 'val_auc', 0.8)).toBe(200);
    expect(stepsToThreshold(h, 'val_loss', 0.45, 'min')).toBe(300);
    expect(stepsToThreshold(h, 'val_auc', 0.95)).toBeNull();
  });
  it('names the known metrics when asked for an unknown one', () => {
    expect(() => stepsToThreshold(h, 'auc', 0.8)).toThrow(/known: val_auc, val_loss/);
  });
});

describe('bootstrapEvaluation', () => {
  it('gives every metric an interval from the same resamples, by patient when ids are present', async () => {
    const { bootstrapEvaluation } = await import('../src/training/bootstrap-evaluation.js');
    const m = c.multilabel;
    const n = m.labels.length / m.numLabels;
    const ev = {
      metrics: {},
      n,
      probabilities: Float32Array.from(m.scores),
      labels: Float32Array.from(m.labels),
      patients: Array.from({ length: n }, (_, i) => `p${Math.floor(i / 2)}`),
    };
    const cis = bootstrapEvaluation(
      ev,
      { type: 'multilabel', labelNames: ['a', 'b', 'c', 'd', 'e'] },
      { replicates: 200, seed: 2 },
    );
    expect(Object.keys(cis).sort()).toEqual(['acc', 'auc', 'auc/a', 'auc/b', 'auc/c', 'auc/d', 'auc/e']);
    expect(cis['auc']!.estimate).toBeCloseTo(m.macro, 6); // float32 scores: same ranks, same AUC
    expect(cis['auc']!.resampled).toBe('groups');
    for (const ci of Object.values(cis)) expect(ci.lower).toBeLessThanOrEqual(ci.upper);
    // The macro interval of one call equals a direct bootstrap of the macro AUC with the same seed and groups.
    const direct = bootstrapCi(
      n,
      (rows) =>
        multiLabelAuc(
          Array.from(rows).flatMap((r) => m.scores.slice(r * 5, r * 5 + 5).map((v) => Math.fround(v))),
          Array.from(rows).flatMap((r) => m.labels.slice(r * 5, r * 5 + 5)),
          5,
        ).macro,
      { replicates: 200, seed: 2, groups: ev.patients },
    );
    expect(cis['auc']!.lower).toBeCloseTo(direct.lower, 10);
    expect(cis['auc']!.upper).toBeCloseTo(direct.upper, 10);
    // byPatient: false resamples images although the evaluation has patient ids
    expect(
      bootstrapEvaluation(
        ev,
        { type: 'multilabel', labelNames: ['a', 'b', 'c', 'd', 'e'] },
        { replicates: 50, byPatient: false },
      )['auc']!.resampled,
    ).toBe('rows');
  });

  it('checks its options with evaluationCiOptionsSchema, naming the field', async () => {
    const { bootstrapEvaluation } = await import('../src/training/bootstrap-evaluation.js');
    const ev = { metrics: {}, n: 2, probabilities: Float32Array.from([0.2, 0.8]), labels: Float32Array.from([0, 1]) };
    const task = { type: 'multilabel' as const, labelNames: ['a'] };
    expect(() => bootstrapEvaluation(ev, task, { replicates: 0 })).toThrow(/bootstrapEvaluation: replicates: /);
    expect(() => bootstrapEvaluation(ev, task, { level: 1 })).toThrow(/bootstrapEvaluation: level: /);
    expect(() => bootstrapEvaluation(ev, task, { replicates: 10, bogus: 1 } as never)).toThrow(
      /Unrecognized key: "bogus"/,
    );
  });
});
