import { describe, expect, test } from 'vitest';
import { parseStudyResults, ReportError } from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';

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
    expect(errorOf(() => parseStudyResults(input)).message).toMatch(/runs\[0\]\.auc\.macro: expected ciLow <= value <= ciHigh/);
  });

  test('cross-references: unknown model, unknown task, missing label, stray label', () => {
    const a = makeStudyResults();
    a.runs[1]!.model = 'vgg16';
    expect(errorOf(() => parseStudyResults(a)).message).toMatch(/runs\[1\]\.model: unknown model "vgg16" \(expected one of resnet50, cbr-small/);
    const b = makeStudyResults();
    b.runs[2]!.task = 'messidor';
    expect(errorOf(() => parseStudyResults(b)).path).toBe('runs[2].task');
    const c = makeStudyResults();
    const chex = c.runs.findIndex((r) => r.task === 'chexpert-5');
    delete c.runs[chex]!.auc.perLabel['Edema'];
    expect(errorOf(() => parseStudyResults(c)).message).toMatch(new RegExp(`runs\\[${chex}\\]\\.auc\\.perLabel: missing label "Edema"`));
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
    expect(errorOf(() => parseStudyResults(b)).message).toMatch(/runs\[0\]\.history: no point has the convergence metric "val_auc"/);
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
    expect(errorOf(() => parseStudyResults(a)).message).toMatch(/filters\[0\]\.before\.data: expected 9408 values for shape \[7, 7, 3, 64\], got 10/);
    const b = makeStudyResults();
    b.filters![0]!.after = { shape: [7, 7, 3, 32], data: new Float32Array(7 * 7 * 3 * 32) };
    expect(errorOf(() => parseStudyResults(b)).path).toBe('filters[0].after.shape');
    const c = makeStudyResults();
    const data = new Float32Array(7 * 7 * 3 * 64);
    data[17] = Number.NaN;
    c.filters![0]!.after = { shape: [7, 7, 3, 64], data };
    expect(errorOf(() => parseStudyResults(c)).message).toMatch(/filters\[0\]\.after\.data\[17\]: expected a finite number, got NaN/);
  });

  test('rejects unknown fields (a typo must not be silently ignored)', () => {
    const a = makeStudyResults() as unknown as { runs: Record<string, unknown>[] };
    a.runs[0]!['sed'] = 3;
    expect(errorOf(() => parseStudyResults(a)).path).toBe('runs[0]');
  });
});
