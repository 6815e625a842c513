import { expect, test } from 'vitest';
import { confusionCounts, rowRates, summedConfusion } from '../src/evaluation/confusion.js';
import { parseStudyResults } from '../src/index.js';
import { runScorers } from '../src/test-scores.js';
import { handScoredStudy } from './fixtures/hand-scored-study.js';

test('confusion counts: row = true class, column = predicted; rows normalised by their totals', () => {
  const m = confusionCounts([0, 1, 2, 2], [0, 0, 2, 1], 3);
  expect(m).toEqual([
    [1, 0, 0],
    [1, 0, 0],
    [0, 1, 1],
  ]);
  expect(
    rowRates([
      [2, 2],
      [0, 0],
    ]),
  ).toEqual([
    [0.5, 0.5],
    [Number.NaN, Number.NaN],
  ]);
});

test("summed over seeds from the runs' most probable classes", () => {
  const task = { id: 'grade', kind: 'multiclass' as const, labels: ['0', '1', '2'] };
  const labels = [0, 1, 2, 2];
  const input = handScoredStudy(task, { labels }, [
    // predicted 0 0 2 1
    {
      model: 'resnet50',
      init: { kind: 'random' },
      seed: 0,
      scores: [0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.2, 0.7, 0.2, 0.5, 0.3],
    },
    // predicted 0 1 2 2: all right
    {
      model: 'resnet50',
      init: { kind: 'random' },
      seed: 1,
      scores: [0.6, 0.3, 0.1, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4],
    },
  ]);
  const scorers = [...runScorers(parseStudyResults(input)).values()];
  const sum = summedConfusion(scorers)!;
  expect(sum).toEqual([
    [2, 0, 0],
    [1, 1, 0],
    [0, 1, 3],
  ]);
  expect(rowRates(sum)[2]).toEqual([0, 0.25, 0.75]);
});
