import { describe, expect, test } from 'vitest';
import { groupRuns } from '../src/aggregate.js';
import { buildReportContent } from '../src/content.js';
import type { SettingAuc } from '../src/evaluation/auc-seeds-figure.js';
import type { SettingConfusion } from '../src/evaluation/confusion-figure.js';
import type { SettingCalibration } from '../src/evaluation/reliability-figure.js';
import type { MeanRoc } from '../src/evaluation/roc-figure.js';
import { buildFigureDefs } from '../src/figures.js';
import { buildReportFiles, parseReportOptions, parseStudyResults, type StudyResultsInput } from '../src/index.js';
import { handScoredStudy } from './fixtures/hand-scored-study.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { withTestScores } from './fixtures/test-scores.js';

const evaluationFigures = (input: StudyResultsInput) => {
  const results = parseStudyResults(input);
  return buildFigureDefs(results, groupRuns(results), parseReportOptions()).filter((f) => f.section === 'evaluation');
};
const close = (xs: number[]) => xs.map((x) => expect.closeTo(x, 12));

/**
 * Binary task, test labels 1 1 0 0 1. ResNet50 random: seed 0 scores .9 .8 .8 .4 .3 (AUC 7/12, a tie across the
 * classes), seed 1 .9 .7 .2 .6 .8 (AUC 1); transfer: seed 0 all .6 (AUC 1/2), seed 1 .2 .9 .1 .5 .7 (AUC 5/6).
 * CBR-Small has random runs only: a dot in the AUC figure, no ROC or calibration panel.
 */
const binary = () =>
  handScoredStudy({ id: 'retina', kind: 'binary', labels: ['referable DR'] }, { labels: [1, 1, 0, 0, 1] }, [
    { model: 'resnet50', init: { kind: 'random' }, seed: 0, scores: [0.9, 0.8, 0.8, 0.4, 0.3] },
    { model: 'resnet50', init: { kind: 'random' }, seed: 1, scores: [0.9, 0.7, 0.2, 0.6, 0.8] },
    { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, scores: [0.6, 0.6, 0.6, 0.6, 0.6] },
    { model: 'resnet50', init: { kind: 'pretrained' }, seed: 1, scores: [0.2, 0.9, 0.1, 0.5, 0.7] },
    { model: 'cbr-small', init: { kind: 'random' }, seed: 0, scores: [0.8, 0.7, 0.2, 0.3, 0.6] },
  ]);

describe('evaluation figures from hand-written test scores', () => {
  const figs = evaluationFigures(binary());
  const byId = (id: string) => figs.find((f) => f.id === id)!;

  test('AUC per seed, ROC and reliability for a binary task; no confusion matrix', () => {
    expect(figs.map((f) => f.id)).toEqual(['auc-seeds-retina', 'roc-retina', 'reliability-retina']);
  });

  test('AUC figure: each seed, the mean and its bootstrap interval', () => {
    const data = byId('auc-seeds-retina').data as SettingAuc[];
    expect(data.map((d) => [d.model, d.init])).toEqual([
      ['resnet50', 'random'],
      ['resnet50', 'pretrained'],
      ['cbr-small', 'random'],
    ]);
    expect(data[0]!.perSeed).toEqual([
      { seed: 0, auc: expect.closeTo(7 / 12, 12) },
      { seed: 1, auc: 1 },
    ]);
    expect(data[0]!.mean).toBeCloseTo(19 / 24, 12);
    expect(data[1]!.mean).toBeCloseTo((1 / 2 + 5 / 6) / 2, 12);
    for (const d of data.slice(0, 2)) {
      expect(d.ciLow).toBeLessThanOrEqual(d.mean);
      expect(d.ciHigh).toBeGreaterThanOrEqual(d.mean);
    }
  });

  test('ROC: TPR averaged vertically over seeds at the FPR grid; legend holds the mean AUC', () => {
    const fig = byId('roc-retina');
    const [random, transfer] = fig.data as MeanRoc[];
    const at = (r: MeanRoc) => [0, 25, 50, 75, 100].map((i) => r.tpr[i]!);
    expect(random!.fpr.slice(0, 3)).toEqual([0, 0.01, 0.02]);
    // random: seed 0 reads 1/3, 1/2, 2/3, 2/3, 1 at FPR 0, .25, .5, .75, 1; seed 1 is perfect (1 everywhere).
    expect(at(random!)).toEqual(close([2 / 3, 3 / 4, 5 / 6, 5 / 6, 1]));
    // transfer: seed 0 the diagonal; seed 1 (0,0) (0,1/3) (0,2/3) (1/2,2/3) (1/2,1) (1,1) reads 2/3, 2/3, 1, 1, 1.
    expect(at(transfer!)).toEqual(close([1 / 3, 11 / 24, 3 / 4, 7 / 8, 1]));
    expect(random!.aucMean).toBeCloseTo(19 / 24, 12);
    expect(JSON.stringify(fig.spec)).toContain('Random · AUC 79.17%');
    expect(JSON.stringify(fig.spec)).toContain('Transfer · AUC 66.67%');
    expect(fig.caption).toMatch(/averaged vertically \(mean TPR at each FPR\) over the 2 seeds/);
  });

  test('reliability: per-seed ECE, their mean ± std, and the pooled bins drawn', () => {
    const [random] = byId('reliability-retina').data as SettingCalibration[];
    // seed 0: bins (.8,.9] {.9→1}, (.7,.8] {.8→1, .8→0}, (.3,.4] {.4→0}, (.2,.3] {.3→1}: (.1 + 2·.3 + .4 + .7) / 5 = .36
    // seed 1: .9→1, .7→1, .2→0, .6→0, .8→1: (.1 + .3 + .2 + .6 + .2) / 5 = .28
    expect(random!.ecePerSeed).toEqual(close([0.36, 0.28]));
    expect(random!.ece.mean).toBeCloseTo(0.32, 12);
    expect(random!.ece.std).toBeCloseTo(Math.sqrt(2 * 0.04 ** 2), 12);
    // pooled: (.7, .8] holds .8 three times, two of them positive
    expect(random!.pooled.bins[7]).toEqual({
      lower: 0.7,
      upper: 0.8,
      count: 3,
      confidence: expect.closeTo(0.8, 12),
      observed: expect.closeTo(2 / 3, 12),
    });
    expect(random!.pooled.ece).toBeCloseTo(0.28, 12);
    expect(JSON.stringify(byId('reliability-retina').spec)).toContain('Random · ECE 0.320 ± 0.057');
  });
});

test('a multi-class task adds confusion matrices summed over seeds', () => {
  const task = { id: 'grade', kind: 'multiclass' as const, labels: ['0', '1', '2'] };
  const figs = evaluationFigures(
    handScoredStudy(task, { labels: [0, 1, 2, 2] }, [
      {
        model: 'resnet50',
        init: { kind: 'random' },
        seed: 0,
        scores: [0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.2, 0.7, 0.2, 0.5, 0.3],
      },
      {
        model: 'resnet50',
        init: { kind: 'random' },
        seed: 1,
        scores: [0.6, 0.3, 0.1, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4],
      },
      {
        model: 'resnet50',
        init: { kind: 'pretrained' },
        seed: 0,
        scores: [0.2, 0.7, 0.1, 0.2, 0.7, 0.1, 0.2, 0.2, 0.6, 0.1, 0.1, 0.8],
      },
    ]),
  );
  expect(figs.map((f) => f.id)).toEqual(['auc-seeds-grade', 'roc-grade', 'reliability-grade', 'confusion-grade']);
  const [random, transfer] = figs[3]!.data as SettingConfusion[];
  expect(random!.counts).toEqual([
    [2, 0, 0],
    [1, 1, 0],
    [0, 1, 3],
  ]);
  expect(random!.rates[1]).toEqual([0.5, 0.5, 0]);
  // transfer predicts 1 1 2 2
  expect(transfer!.counts).toEqual([
    [0, 1, 0],
    [0, 1, 0],
    [0, 0, 2],
  ]);
  expect(figs[3]!.caption).toContain('each classifying all 4 test images once');
  // top-label calibration: seed 0 has ECE .4 (calibration.test.ts); seed 1 is right at confidences .6 .6 .8 .4:
  // bins (.5,.6] |1 − .6| twice, (.7,.8] .2, (.3,.4] .6 → (2 · .4 + .2 + .6) / 4 = .4
  const [cal] = figs[2]!.data as SettingCalibration[];
  expect(cal!.ecePerSeed).toEqual(close([0.4, 0.4]));
});

describe('evaluation figures only where the data exist', () => {
  test('without test scores: the AUC figure (no intervals), no ROC, calibration or confusion; the page says why', async () => {
    const input = retinaMnistStudy();
    const figs = evaluationFigures(input);
    expect(figs.map((f) => f.id)).toEqual(['auc-seeds-grade', 'auc-seeds-referable']);
    expect((figs[0]!.data as SettingAuc[]).every((d) => Number.isNaN(d.ciLow))).toBe(true);
    expect(figs[0]!.caption).toContain('No intervals: the runs carry no per-image test scores.');
    const content = await buildReportContent(parseStudyResults(input), parseReportOptions());
    expect(content.figures.flatMap((f) => f.warnings)).toEqual([]);
    const files = await buildReportFiles(input);
    const html = files.find((f) => f.path === 'index.html')!.content as string;
    const md = files.find((f) => f.path === 'report.md')!.content as string;
    for (const page of [html, md])
      expect(page).toContain('The runs carry no per-image test scores (run.test.scores), so there are no ROC curves');
  });

  test('with test scores: every task and regime of the realistic fixture, multi-class confusion for RetinaMNIST; rendered without warnings', async () => {
    const c = await buildReportContent(
      parseStudyResults(withTestScores(makeStudyResults({ seeds: [0, 1] }))),
      parseReportOptions(),
    );
    const ids = c.figures.filter((f) => f.section === 'evaluation').map((f) => f.id);
    expect(ids).toEqual([
      'auc-seeds-retina-referable',
      'roc-retina-referable',
      'reliability-retina-referable',
      'auc-seeds-retina-referable-limited',
      'roc-retina-referable-limited',
      'reliability-retina-referable-limited',
      'auc-seeds-chexpert-5',
      'roc-chexpert-5',
      'reliability-chexpert-5',
    ]);
    expect(c.figures.find((f) => f.id === 'roc-retina-referable-limited')!.title).toBe(
      'ROC curves — retina-referable, small-data regime (5,000 training images): random init vs transfer',
    );
    expect(c.figures.find((f) => f.id === 'roc-chexpert-5')!.caption).toMatch(
      /^Macro-averaged ROC: for each seed, each of the 5 labels' exact ROC/,
    );
    const grade = await buildReportContent(parseStudyResults(withTestScores(retinaMnistStudy())), parseReportOptions());
    expect(grade.figures.map((f) => f.id)).toContain('confusion-grade');
    expect(grade.figures.find((f) => f.id === 'roc-grade')!.caption).toMatch(/^Macro-averaged one-vs-rest ROC/);
    expect([...c.figures, ...grade.figures].flatMap((f) => f.warnings)).toEqual([]);
  });
});
