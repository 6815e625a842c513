import { describe, expect, test } from 'vitest';
import { parseStudyResults } from '../src/index.js';
import { fprGrid, macroRocAtGrid, rocArea, rocCurve, tprAtGrid } from '../src/evaluation/roc.js';
import { runScorers, unitWeights } from '../src/test-scores.js';
import { handScoredStudy } from './fixtures/hand-scored-study.js';

describe('rocCurve (as scikit-learn roc_curve, drop_intermediate=False)', () => {
  // Scores 0.9 0.8 0.8 0.4 0.3, labels 1 1 0 0 1 (P = 3, N = 2). Thresholds in decreasing order:
  // ∞ → (0, 0); 0.9 → TP 1 (0, 1/3); 0.8 (a positive and a negative tied) → TP 2, FP 1 (1/2, 2/3);
  // 0.4 → FP 2 (1, 2/3); 0.3 → TP 3 (1, 1).
  const curve = rocCurve([0.9, 0.8, 0.8, 0.4, 0.3], [1, 1, 0, 0, 1])!;

  test('one point per distinct score, ties passing together, from (0, 0)', () => {
    expect(curve.thresholds).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.4, 0.3]);
    expect(curve.fpr).toEqual([0, 0, 0.5, 1, 1]);
    expect(curve.tpr.map((t) => t * 3)).toEqual([0, 1, 2, 2, 3].map((x) => expect.closeTo(x, 12)));
  });

  test('the area under the points is the AUC with ties counted half (Mann–Whitney: 3.5 of 6 pairs)', () => {
    expect(rocArea(curve)).toBeCloseTo(7 / 12, 12);
  });

  test('all scores tied: the diagonal; one class only: no curve', () => {
    expect(rocCurve([0.6, 0.6, 0.6], [1, 0, 1])).toEqual({
      fpr: [0, 1],
      tpr: [0, 1],
      thresholds: [Number.POSITIVE_INFINITY, 0.6],
    });
    expect(rocCurve([0.2, 0.4], [1, 1])).toBeUndefined();
    expect(rocCurve([0.2, 0.4], [0, 0])).toBeUndefined();
  });

  test('TPR at a grid: the top of a vertical step where the curve has one, linear between points', () => {
    // FPR 0: the curve climbs to 1/3 there; 0.25: halfway from (0, 1/3) to (0.5, 2/3); 0.75: on the flat (0.5→1, 2/3);
    // 1: the top of the last step.
    const at = tprAtGrid(curve, [0, 0.25, 0.5, 0.75, 1]);
    expect(at).toEqual([1 / 3, 1 / 2, 2 / 3, 2 / 3, 1].map((x) => expect.closeTo(x, 12)));
    expect(fprGrid(4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(fprGrid()).toHaveLength(101);
  });
});

test("macro ROC of a multi-label run: each label's curve over its known images, averaged at the grid", () => {
  // 2 labels, 4 images; image 3's second label is unknown (its score 0.9 would otherwise change label 1's curve).
  // Label 0: scores .9 .3 .6 .1, labels 1 0 1 0 → perfect, TPR 1 everywhere on the grid.
  // Label 1 (images 0–2): scores .2 .8 .1, labels 0 1 1 → (0, 0), (0, 1/2), (1, 1/2), (1, 1): TPR 1/2 up to FPR < 1, then 1.
  const task = { id: 'xray', kind: 'multilabel' as const, labels: ['a', 'b'] };
  const input = handScoredStudy(task, { labels: [1, 0, 0, 1, 1, 1, 0, 0], mask: [1, 1, 1, 1, 1, 1, 1, 0] }, [
    { model: 'resnet50', init: { kind: 'random' }, seed: 0, scores: [0.9, 0.2, 0.3, 0.8, 0.6, 0.1, 0.1, 0.9] },
  ]);
  const results = parseStudyResults(input);
  const scorer = [...runScorers(results).values()][0]!;
  expect(scorer.labelAuc(1, unitWeights(4))).toBeCloseTo(0.5, 12);
  expect(macroRocAtGrid(scorer, [0, 0.5, 1])).toEqual([0.75, 0.75, 1].map((x) => expect.closeTo(x, 12)));
});
