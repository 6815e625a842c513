import { describe, expect, test } from 'vitest';
import { evaluateFindings, groupRuns, parseReportOptions, parseStudyResults, type StudyResultsInput } from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { tinyStudy } from './fixtures/tiny-study.js';

const findingsOf = (input: StudyResultsInput, options = {}) => {
  const r = parseStudyResults(input);
  return evaluateFindings(r, groupRuns(r), parseReportOptions(options));
};

describe('findings on the realistic fixture study (effects shaped like the paper)', () => {
  const f = findingsOf(makeStudyResults());

  test('all seven statements are evaluated and supported, each with its numbers', () => {
    expect(f.map((x) => [x.id, x.verdict])).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => [i, 'supported']));
    for (const x of f) {
      expect(x.evidence.length).toBeGreaterThan(0);
      expect(x.criterion.length).toBeGreaterThan(20);
    }
    expect(f[0]!.evidence.join('\n')).toMatch(/retina-referable, ResNet50: transfer − random = \+0\.\d\d points/);
    expect(f[3]!.evidence.join('\n')).toMatch(/svcca99, ResNet50: Rand–Rand 0\.\d{3} vs Rand–Pretrained 0\.\d{3} \(gap 0\.0[12]\d\)/);
    expect(f[6]!.evidence[0]).toMatch(/≤ conv1 recovers \d+%, ≤ block1 recovers \d+%/);
  });

  test('every verdict is computed: removing the measurements turns them into "not measured"', () => {
    const input = makeStudyResults();
    input.cca = [];
    input.runs = input.runs.filter((r) => r.data.regime === 'full' && (r.init.kind === 'random' || r.init.kind === 'pretrained'));
    for (const r of input.runs) r.history = [];
    const g = findingsOf(input);
    expect(g.map((x) => x.verdict)).toEqual(['supported', 'supported', 'not measured', 'not measured', 'not measured', 'not measured', 'not measured']);
    expect(g[2]!.evidence[0]).toMatch(/Needs small-data runs/);
  });

  test('criteria follow the options', () => {
    const g = findingsOf(makeStudyResults(), { aucTolerance: 0.0001 });
    expect(g[0]!.verdict).toBe('not supported');
    expect(g[0]!.criterion).toMatch(/≤ 0\.01 points/);
  });
});

describe('findings on hand-made numbers', () => {
  const curve = (fast: number): [number, number][] => [0, 100, 200, 300, 400].map((s) => [s, s >= fast ? 0.95 : 0.6]);

  test('statement 1: a transfer gain larger than the tolerance is "not supported", with the delta', () => {
    const f = findingsOf(
      tinyStudy([
        { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.9 },
        { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.93 },
        { model: 'cbr-small', init: { kind: 'random' }, seed: 0, auc: 0.9 },
        { model: 'cbr-small', init: { kind: 'pretrained' }, seed: 0, auc: 0.901 },
      ]),
    );
    expect(f[0]!.verdict).toBe('not supported');
    expect(f[0]!.evidence).toEqual(['retina, ResNet50: transfer − random = +3.00 points', 'retina, CBR-Small: transfer − random = +0.10 points']);
    // statement 2: CBR-Small is 0.0 points behind ResNet50 with random init and 2.9 with transfer
    expect(f[1]!.verdict).toBe('not supported');
    expect(f[1]!.numbers['gaps']).toEqual([
      { task: 'retina', init: 'random', cbr: 'CBR-Small', best: 'ResNet50', gap: 0 },
      { task: 'retina', init: 'pretrained', cbr: 'CBR-Small', best: 'ResNet50', gap: expect.closeTo(0.029, 12) },
    ]);
  });

  test('statement 3: compares the mean transfer gain of large and small models on small data', () => {
    const f = findingsOf(
      tinyStudy([
        { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.922, regime: 'limited' },
        { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.946, regime: 'limited' },
        { model: 'cbr-small', init: { kind: 'random' }, seed: 0, auc: 0.936, regime: 'limited' },
        { model: 'cbr-small', init: { kind: 'pretrained' }, seed: 0, auc: 0.939, regime: 'limited' },
      ]),
    );
    expect(f[2]!.verdict).toBe('supported');
    expect(f[2]!.numbers['difference']).toBeCloseTo(0.021, 12); // 2.4 − 0.3 points, as in the paper's Table 3
    expect(f[0]!.verdict).toBe('not measured'); // no full-data runs
  });

  test('statements 6 and 7: steps to threshold per init and the recovered share of the speed-up', () => {
    const f = findingsOf(
      tinyStudy([
        { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.95, curve: curve(400) },
        { model: 'resnet50', init: { kind: 'meanvar' }, seed: 0, auc: 0.95, curve: curve(300) },
        { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.95, curve: curve(100) },
        { model: 'resnet50', init: { kind: 'transfusion', upTo: 'conv1' }, seed: 0, auc: 0.95, curve: curve(300) },
        { model: 'resnet50', init: { kind: 'transfusion', upTo: 'block1' }, seed: 0, auc: 0.95, curve: curve(200) },
      ]),
    );
    expect(f[5]!.verdict).toBe('supported');
    expect(f[5]!.evidence[0]).toBe('retina, ResNet50 (AUC ≥ 90.5%): random 400, Mean Var 300, transfer 100 steps');
    // block1: (400 − 200) / (400 − 100) = 67% ≥ 50%
    expect(f[6]!.verdict).toBe('supported');
    expect(f[6]!.evidence[0]).toBe('retina, ResNet50: ≤ conv1 recovers 33%, ≤ block1 recovers 67%');
    const strict = findingsOf(
      tinyStudy([
        { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.95, curve: curve(400) },
        { model: 'resnet50', init: { kind: 'meanvar' }, seed: 0, auc: 0.95, curve: curve(400) },
        { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.95, curve: curve(100) },
        { model: 'resnet50', init: { kind: 'transfusion', upTo: 'block1' }, seed: 0, auc: 0.95, curve: curve(300) },
      ]),
    );
    expect(strict[5]!.verdict).toBe('not supported'); // Mean Var no faster than random
    expect(strict[6]!.verdict).toBe('not supported'); // block1 recovers 33%
  });

  test('statement 4 and 5 from hand-made CCA numbers', () => {
    const input = tinyStudy([{ model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.9 }]);
    const between = (model: string, layerIndex: number, rr: number, rp: number) =>
      (['rand-rand', 'rand-pretrained'] as const).map((comparison) => ({ model, layer: `l${layerIndex}`, layerIndex, comparison, seedA: 0, seedB: 1, value: comparison === 'rand-rand' ? rr : rp }));
    const initFinal = (model: string, values: number[]) => values.map((value, i) => ({ model, layer: `l${i}`, layerIndex: i, init: 'random' as const, seed: 0, value }));
    input.cca = [
      {
        variant: { id: 'mean', method: 'mean', description: 'mean CCA coefficient' },
        betweenModels: [...between('resnet50', 0, 0.9, 0.9), ...between('resnet50', 1, 0.3, 0.25), ...between('resnet50', 2, 0.26, 0.23), ...between('cbr-small', 0, 0.5, 0.5), ...between('cbr-small', 1, 0.35, 0.35)],
        initFinal: [...initFinal('resnet50', [0.95, 0.9, 0.6]), ...initFinal('cbr-small', [0.6, 0.7, 0.3])],
        initVsFinal: [],
      },
    ];
    const f = findingsOf(input);
    expect(f[3]!.verdict).toBe('supported');
    expect(f[3]!.numbers['gaps']).toEqual([
      { variant: 'mean', model: 'resnet50', randRand: 0.28, randPretrained: 0.24, gap: expect.closeTo(0.04, 12) },
      { variant: 'mean', model: 'cbr-small', randRand: 0.425, randPretrained: 0.425, gap: 0 },
    ]);
    // CBR-Small peaks at l1 (still among the two lowest); ResNet50 mean 0.8167 > CBR-Small 0.5333
    expect(f[4]!.verdict).toBe('supported');
    expect(f[4]!.evidence.at(-1)).toBe('mean, mean over layers from random init: ResNet50 0.817, CBR-Small 0.533');
  });
});

describe('findings on a multi-class task and a task derived from its models (RetinaMNIST-like)', () => {
  test("macro AUC is the task's AUC; both tasks are evaluated, each under its own name", () => {
    const f = findingsOf(retinaMnistStudy());
    // grade: transfer .74 − random .72; referable (P(grade ≥ 2) of the same models): .75 − .70
    expect(f[0]!.evidence).toEqual(['grade, ResNet50: transfer − random = +2.00 points', 'referable, ResNet50: transfer − random = +5.00 points']);
    expect(f[0]!.verdict).toBe('not supported');
    // CBR-Small (random init only) vs ResNet50: .69 vs .72 and .66 vs .70
    expect(f[1]!.evidence).toEqual(['grade, random init: CBR-Small is −3.00 points vs ResNet50', 'referable, random init: CBR-Small is −4.00 points vs ResNet50']);
    // statement 6 needs Mean Var runs; the derived task's runs have no curves and add no comparison
    expect(f[5]!.verdict).toBe('not measured');
  });
});
