import { describe, expect, test } from 'vitest';
import { parseStudyResults, ReportError } from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';

function errorOf(f: () => unknown): ReportError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ReportError);
    return e as ReportError;
  }
  throw new Error('expected a ReportError');
}

describe('parseStudyResults', () => {
  test('accepts the fixture study and fills defaults', () => {
    const input = makeStudyResults();
    const { cca: _c, filters: _f, ...withoutOptional } = input;
    const r = parseStudyResults(withoutOptional);
    expect(r.cca).toEqual([]);
    expect(r.filters).toEqual([]);
    expect(parseStudyResults(input).runs.length).toBe(input.runs.length);
  });

  test('names the field and what was expected for a shape error', () => {
    const input = makeStudyResults();
    (input.runs[3]!.auc.macro as { value: number }).value = 1.7;
    const e = errorOf(() => parseStudyResults(input, 'results.json'));
    expect(e.code).toBe('invalid-results');
    expect(e.path).toBe('runs[3].auc.macro.value');
    expect(e.message).toMatch(/^results\.json: runs\[3\]\.auc\.macro\.value: .*(<=|1)/);
  });

  test('rejects a CI that does not contain the value', () => {
    const input = makeStudyResults();
    input.runs[0]!.auc.macro = { value: 0.9, ciLow: 0.91, ciHigh: 0.95 };
    expect(errorOf(() => parseStudyResults(input)).message).toMatch(
      /runs\[0\]\.auc\.macro: expected ciLow <= value <= ciHigh/,
    );
  });

  test('cross-references: unknown model, unknown task, missing label, stray label', () => {
    const a = makeStudyResults();
    a.runs[1]!.model = 'vgg16';
    expect(errorOf(() => parseStudyResults(a)).message).toMatch(
      /runs\[1\]\.model: unknown model "vgg16" \(expected one of resnet50, cbr-small/,
    );
    const b = makeStudyResults();
    b.runs[2]!.task = 'messidor';
    expect(errorOf(() => parseStudyResults(b)).path).toBe('runs[2].task');
    const c = makeStudyResults();
    const chex = c.runs.findIndex((r) => r.task === 'chexpert-5');
    delete c.runs[chex]!.auc.perLabel['Edema'];
    expect(errorOf(() => parseStudyResults(c)).message).toMatch(
      new RegExp(`runs\\[${chex}\\]\\.auc\\.perLabel: missing label "Edema"`),
    );
    const d = makeStudyResults();
    d.runs[0]!.auc.perLabel['Edema'] = { value: 0.5, ciLow: 0.4, ciHigh: 0.6 };
    expect(errorOf(() => parseStudyResults(d)).path).toBe('runs[0].auc.perLabel.Edema');
  });

  test('history steps must increase and carry the convergence metric', () => {
    const a = makeStudyResults();
    a.runs[0]!.history[2]!.step = a.runs[0]!.history[1]!.step;
    expect(errorOf(() => parseStudyResults(a)).path).toBe('runs[0].history[2].step');
    const b = makeStudyResults();
    b.evaluation.convergenceMetric = 'val_auc';
    expect(errorOf(() => parseStudyResults(b)).message).toMatch(
      /runs\[0\]\.history: no point has the convergence metric "val_auc"/,
    );
  });

  test('duplicate run ids, unknown models in CCA and filters, unknown hybrid base', () => {
    const a = makeStudyResults();
    a.runs[1]!.id = a.runs[0]!.id;
    expect(errorOf(() => parseStudyResults(a)).message).toMatch(/runs\[1\]\.id: duplicate run id/);
    const b = makeStudyResults();
    b.cca![0]!.initFinal[4]!.model = 'nope';
    expect(errorOf(() => parseStudyResults(b)).path).toBe('cca[0].initFinal[4].model');
    const c = makeStudyResults();
    c.filters![1]!.model = 'nope';
    expect(errorOf(() => parseStudyResults(c)).path).toBe('filters[1].model');
    const d = makeStudyResults();
    d.models[3]!.hybridOf = 'nope';
    expect(errorOf(() => parseStudyResults(d)).path).toBe('models[3].hybridOf');
  });

  test('filter tensors: data length must match the shape, before and after must agree', () => {
    const a = makeStudyResults();
    a.filters![0]!.before = { shape: [7, 7, 3, 64], data: new Float32Array(10) };
    expect(errorOf(() => parseStudyResults(a)).message).toMatch(
      /filters\[0\]\.before\.data: expected 9408 values for shape \[7, 7, 3, 64\], got 10/,
    );
    const b = makeStudyResults();
    b.filters![0]!.after = { shape: [7, 7, 3, 32], data: new Float32Array(7 * 7 * 3 * 32) };
    expect(errorOf(() => parseStudyResults(b)).path).toBe('filters[0].after.shape');
    const c = makeStudyResults();
    const data = new Float32Array(7 * 7 * 3 * 64);
    data[17] = Number.NaN;
    c.filters![0]!.after = { shape: [7, 7, 3, 64], data };
    expect(errorOf(() => parseStudyResults(c)).message).toMatch(
      /filters\[0\]\.after\.data\[17\]: expected a finite number, got NaN/,
    );
  });

  test('rejects unknown fields (a typo must not be silently ignored)', () => {
    const a = makeStudyResults() as unknown as { runs: Record<string, unknown>[] };
    a.runs[0]!['sed'] = 3;
    expect(errorOf(() => parseStudyResults(a)).path).toBe('runs[0]');
  });
});

describe('multi-class, checkpoint and benchmark fields', () => {
  test('a RetinaMNIST-shaped study is accepted: further metrics (kappa −0.2 included), checkpoints, ordinal task, benchmark', () => {
    const r = parseStudyResults(retinaMnistStudy());
    const cbr = r.runs.find((x) => x.model === 'cbr-small' && x.task === 'grade')!;
    expect(cbr.metrics!.kappa).toEqual({ value: -0.2, ciLow: -0.28, ciHigh: expect.closeTo(-0.12, 12) });
    expect(cbr.checkpoint).toEqual({ kind: 'best', step: 480, monitor: 'val_auc', value: 0.69 });
    expect(r.tasks[0]).toMatchObject({
      kind: 'multiclass',
      ordinal: true,
      benchmark: { suite: 'medmnist-v2', dataset: 'retinamnist' },
    });
    expect(r.models[0]!.benchmarkModel).toBe('ResNet-50 (28)');
  });

  test('metric ranges: kappa in [−1, 1], AUC and ACC in [0, 1], other names any finite value', () => {
    const bad = (edit: (m: Record<string, { value: number; ciLow: number; ciHigh: number }>) => void) => {
      const input = retinaMnistStudy();
      edit(input.runs[0]!.metrics as Record<string, { value: number; ciLow: number; ciHigh: number }>);
      return errorOf(() => parseStudyResults(input, 'results.json'));
    };
    expect(bad((m) => (m['referable_auc'] = { value: 1.2, ciLow: 1.1, ciHigh: 1.3 })).path).toBe(
      'runs[0].metrics.referable_auc.value',
    );
    expect(bad((m) => (m['acc'] = { value: 1.2, ciLow: 0.5, ciHigh: 1 })).message).toMatch(
      /^results\.json: runs\[0\]\.metrics\.acc\.value: /,
    );
    expect(bad((m) => (m['kappa'] = { value: -0.5, ciLow: -1.2, ciHigh: 0 })).path).toBe('runs[0].metrics.kappa.ciLow');
    expect(bad((m) => (m['kappa'] = { value: 0.3, ciLow: 0.35, ciHigh: 0.4 })).message).toMatch(
      /runs\[0\]\.metrics\.kappa: expected ciLow <= value <= ciHigh/,
    );
    const auc = retinaMnistStudy();
    (auc.runs[0]!.auc.macro as { value: number }).value = 1.2;
    expect(errorOf(() => parseStudyResults(auc)).path).toBe('runs[0].auc.macro.value');
    const other = retinaMnistStudy();
    other.runs[0]!.metrics!['log_loss'] = { value: 1.7, ciLow: 1.5, ciHigh: 1.9 };
    expect(parseStudyResults(other).runs[0]!.metrics!['log_loss']!.value).toBe(1.7);
  });

  test("checkpoint kinds 'best' and 'last'; any other kind, or a best step the history never evaluated, is rejected", () => {
    const last = retinaMnistStudy();
    last.runs[0]!.checkpoint = { kind: 'last', step: 500 };
    expect(parseStudyResults(last).runs[0]!.checkpoint).toEqual({ kind: 'last', step: 500 });
    const kind = retinaMnistStudy();
    (kind.runs[0]!.checkpoint as { kind: string }).kind = 'final';
    expect(errorOf(() => parseStudyResults(kind)).path).toBe('runs[0].checkpoint.kind');
    const step = retinaMnistStudy();
    step.runs[0]!.checkpoint = { kind: 'best', step: 130, monitor: 'val_auc' };
    expect(errorOf(() => parseStudyResults(step)).message).toMatch(
      /runs\[0\]\.checkpoint\.step: step 130 is not an evaluated step of the run's history \(0–480\)/,
    );
    // the derived task's runs have no history of their own: nothing to check the step against
    const derived = parseStudyResults(retinaMnistStudy()).runs.find((r) => r.task === 'referable')!;
    expect(derived.history).toEqual([]);
    expect(derived.checkpoint!.kind).toBe('best');
  });

  test('per-class AUCs of a multi-class task: none is fine, some must be all; other tasks still need every label', () => {
    const some = retinaMnistStudy();
    some.runs[0]!.auc.perLabel = { 'grade 0': { value: 0.8, ciLow: 0.7, ciHigh: 0.9 } };
    expect(errorOf(() => parseStudyResults(some)).message).toMatch(
      /runs\[0\]\.auc\.perLabel: missing label "grade 1" of task "grade"/,
    );
    const binary = retinaMnistStudy();
    const i = binary.runs.findIndex((r) => r.task === 'referable');
    binary.runs[i]!.auc.perLabel = {};
    expect(errorOf(() => parseStudyResults(binary)).message).toMatch(
      new RegExp(`runs\\[${i}\\]\\.auc\\.perLabel: missing label "grade ≥ 2"`),
    );
  });

  test('benchmarks: unknown suite, a task unlike the published rows, a misspelt benchmarkModel are rejected', () => {
    const suite = retinaMnistStudy();
    (suite.tasks[0]!.benchmark as { suite: string }).suite = 'medmnist-v3';
    expect(errorOf(() => parseStudyResults(suite)).path).toBe('tasks[0].benchmark.suite');
    const unlike = retinaMnistStudy();
    unlike.tasks[1]!.benchmark = { suite: 'medmnist-v2', dataset: 'retinamnist' };
    expect(errorOf(() => parseStudyResults(unlike)).message).toMatch(
      /tasks\[1\]\.benchmark: the published MedMNIST v2 retinamnist rows measure a multiclass task with 5 classes; task "referable" is binary with 1 label/,
    );
    const typo = retinaMnistStudy();
    typo.models[0]!.benchmarkModel = 'ResNet50 (28)';
    expect(errorOf(() => parseStudyResults(typo)).message).toMatch(
      /models\[0\]\.benchmarkModel: unknown published method "ResNet50 \(28\)" \(expected one of 'ResNet-18 \(28\)', 'ResNet-50 \(28\)'/,
    );
    // a dataset with no published rows on file is not an error (the report says so)
    const other = retinaMnistStudy();
    other.tasks[0]!.benchmark = { suite: 'medmnist-v2', dataset: 'pathmnist' };
    expect(parseStudyResults(other).tasks[0]!.benchmark!.dataset).toBe('pathmnist');
  });
});
