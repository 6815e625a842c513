import { describe, expect, test } from 'vitest';
import { binOf, calibrationPairs, reliability } from '../src/evaluation/calibration.js';
import { parseStudyResults } from '../src/index.js';
import { runScorers } from '../src/test-scores.js';
import { handScoredStudy } from './fixtures/hand-scored-study.js';

describe('reliability bins and ECE', () => {
  test('10 equal-width bins (b/10, (b+1)/10], 0 in the first: an edge lands in the bin it closes', () => {
    expect([0, 0.05, 0.1, 0.1000001, 0.3, 0.7, 0.75, 0.9, 1].map((p) => binOf(p, 10))).toEqual([
      0, 0, 0, 1, 2, 6, 7, 8, 9,
    ]);
  });

  test('ECE = Σ_b (n_b / N) |observed_b − confidence_b| (worked by hand)', () => {
    // bin 0: {.05 → 0}: |0 − .05| = .05; bin 1: {.15 → 0, .15 → 1}: |.5 − .15| = .35; bin 9: {.95 → 1, .92 → 0}: |.5 − .935| = .435.
    // ECE = (1 · .05 + 2 · .35 + 2 · .435) / 5 = 1.62 / 5 = .324.
    const r = reliability([0.05, 0.15, 0.15, 0.95, 0.92], [0, 0, 1, 1, 0]);
    expect(r.total).toBe(5);
    expect(r.ece).toBeCloseTo(0.324, 12);
    expect(r.bins).toHaveLength(10);
    expect(r.bins[1]).toEqual({
      lower: 0.1,
      upper: 0.2,
      count: 2,
      confidence: expect.closeTo(0.15, 12),
      observed: 0.5,
    });
    expect(r.bins[9]!.confidence).toBeCloseTo(0.935, 12);
    expect(r.bins[5]!.count).toBe(0);
    expect(Number.isNaN(r.bins[5]!.observed)).toBe(true);
    expect(reliability([1, 0], [1, 0]).ece).toBe(0);
  });
});

test("a multi-class run is judged by its top class: that class's probability against whether it is right", () => {
  const task = { id: 'grade', kind: 'multiclass' as const, labels: ['0', '1', '2'] };
  // True classes 0 1 2 2; predicted 0 (.7, right), 0 (.5, wrong), 2 (.7, right), 1 (.5, wrong).
  const input = handScoredStudy(task, { labels: [0, 1, 2, 2] }, [
    {
      model: 'resnet50',
      init: { kind: 'random' },
      seed: 0,
      scores: [0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.2, 0.7, 0.2, 0.5, 0.3],
    },
  ]);
  const scorer = [...runScorers(parseStudyResults(input)).values()][0]!;
  const pairs = calibrationPairs(scorer);
  expect(pairs).toEqual({ confidence: [0.7, 0.5, 0.7, 0.5], outcome: [1, 0, 1, 0] });
  // bin 6: two at .7, both right: |1 − .7| = .3; bin 4: two at .5, both wrong: .5 → ECE = (2 · .3 + 2 · .5) / 4 = .4.
  expect(reliability(pairs.confidence, pairs.outcome).ece).toBeCloseTo(0.4, 12);
});
