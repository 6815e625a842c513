import { describe, expect, test } from 'vitest';
import { buildReportFiles, parseStudyResults, type StudyResultsInput } from '../src/index.js';
import { buildTables } from '../src/tables.js';
import { GRADES, retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { withTestScores } from './fixtures/test-scores.js';

const tablesOf = (input: StudyResultsInput) => buildTables(parseStudyResults(input));
const column = (t: { columns: { label: string }[] }, label: string) => {
  const i = t.columns.findIndex((c) => c.label === label);
  expect(i, `column "${label}"`).toBeGreaterThan(0);
  return i;
};

describe('Table 1 for a multi-class ordinal task', () => {
  const tables = tablesOf(retinaMnistStudy());
  const grade = tables.find((t) => t.id === 'table1-grade')!;

  test('AUC as mean and seed SD, ACC and QWK as means (worked by hand); no interval without per-image scores', () => {
    const [auc, ci, sd, acc, qwk] = [
      'Test macro AUC (%)',
      '95% CI of the mean',
      'Seed SD',
      'Test ACC (%) [CI]',
      'Test QWK [CI]',
    ].map((l) => column(grade, l));
    expect(grade.rows.map((r) => [r[0], r[1], r[2], r[auc!], r[ci!], r[sd!], r[acc!], r[qwk!]])).toEqual([
      // AUC .70/.72/.74: mean 72, deviations ±2 → std 2. ACC .50/.52/.57: mean 53. QWK −.05/.10/.25: mean .10.
      ['ResNet50', 'Random init', '3', '72.00', '–', '2.00', '53.00', '0.100'],
      // AUC .75/.73: std √(2 · .01²) = 1.41 points
      ['ResNet50', 'Transfer (pretrained)', '2', '74.00', '–', '1.41', '54.00', '0.400'],
      // one seed: no spread; a negative kappa with a typographic minus
      ['CBR-Small', 'Random init', '1', '69.00', '–', '–', '48.00', '−0.200'],
    ]);
    expect(grade.data[0]).toMatchObject({
      model: 'resnet50',
      init: 'random',
      accMean: expect.closeTo(0.53, 12),
      accStd: expect.closeTo(Math.sqrt(0.0013), 12),
      kappaMean: expect.closeTo(0.1, 12),
      kappaStd: expect.closeTo(0.15, 12),
      checkpointSteps: [120, 240, 480],
    });
    expect(grade.caption).toMatch(/^Task grade \(multiclass, ordinal, 5 classes\), 1,080 training images\./);
    expect(grade.caption).toMatch(
      /no per-image test scores in these results for any setting, so the interval of the mean is not available there/,
    );
    expect(grade.caption).toMatch(
      /macro AUC: mean of the one-vs-rest AUCs of the 5 classes\. ACC: accuracy of the most probable class\. QWK: quadratic-weighted Cohen's kappa/,
    );
  });

  test('with per-image scores: the interval of the mean from the hierarchical bootstrap, for AUC, ACC and QWK', () => {
    const scored = parseStudyResults(withTestScores(retinaMnistStudy(), { images: 400 }));
    const t = buildTables(scored).find((x) => x.id === 'table1-grade')!;
    const [ci, acc, qwk] = ['95% CI of the mean', 'Test ACC (%) [CI]', 'Test QWK [CI]'].map((l) => column(t, l));
    for (const row of t.rows) {
      expect(row[ci!]).toMatch(/^\[\d+\.\d, \d+\.\d\]$/);
      expect(row[acc!]).toMatch(/^\d+\.\d\d \[\d+\.\d, \d+\.\d\]$/);
      expect(row[qwk!]).toMatch(/^−?\d\.\d{3} \[−?\d\.\d\d, −?\d\.\d\d\]$/);
    }
    for (const d of t.data as { aucMean: number; ciLow: number; ciHigh: number }[]) {
      expect(d.ciLow).toBeLessThan(d.aucMean);
      expect(d.ciHigh).toBeGreaterThan(d.aucMean);
    }
    expect(t.caption).toMatch(
      /the CI is the 95% interval of that mean from a hierarchical bootstrap \(test patients resampled, then the seeds\)/,
    );
  });

  test('a line under the table says which checkpoint the numbers come from', () => {
    expect(grade.notes).toEqual([
      'Test numbers come from the best validation AUC checkpoint of each run (steps 120–480).',
    ]);
    const mixed = retinaMnistStudy();
    mixed.runs[1]!.checkpoint = { kind: 'last', step: 480 };
    delete mixed.runs[2]!.checkpoint; // the other four grade runs: best at 120, 240, 360, 480
    expect(tablesOf(mixed)[0]!.notes[0]).toBe(
      'Test numbers come from: the best validation AUC checkpoint (4 runs, steps 120–480); the last step (1 run, step 480); the last step (1 run, no checkpoint selection recorded).',
    );
    const none = retinaMnistStudy();
    for (const r of none.runs) delete r.checkpoint;
    expect(tablesOf(none)[0]!.notes[0]).toBe(
      'Test numbers come from the last step of each run (no checkpoint selection recorded).',
    );
  });

  test('transfer rows name what their source weights were pretrained on, in the label and under the table', () => {
    const study = retinaMnistStudy();
    for (const r of study.runs) r.transferSource = 'the synthetic natural set';
    const t = tablesOf(study)[0]!;
    expect(t.rows.map((r) => r[1])).toEqual([
      'Random init',
      'Transfer (pretrained on the synthetic natural set)',
      'Random init',
    ]);
    expect(t.notes).toContain(
      'Transfer, Mean Var, transfusion, Slim and Gabor runs start from source weights pretrained on the synthetic natural set.',
    );
    // two sources: each named with its models; random runs never count
    const mixed = retinaMnistStudy();
    for (const r of mixed.runs)
      r.transferSource = r.model === 'resnet50' ? 'ImageNet (Keras)' : 'the synthetic natural set';
    // CBR-Small has only a random-init run here: one source among the transfer-type runs, no model list
    expect(tablesOf(mixed)[0]!.notes).toContain(
      'Transfer, Mean Var, transfusion, Slim and Gabor runs start from source weights pretrained on ImageNet (Keras).',
    );
    mixed.runs.find((r) => r.model === 'cbr-small')!.init = { kind: 'meanvar' };
    expect(tablesOf(mixed)[0]!.notes).toContain(
      'Transfer, Mean Var, transfusion, Slim and Gabor runs start from source weights pretrained on ImageNet (Keras) (ResNet50); the synthetic natural set (CBR-Small).',
    );
  });

  test('columns only where runs have the metric; QWK only for ordinal tasks', () => {
    const referable = tables.find((t) => t.id === 'table1-referable')!;
    expect(referable.columns.map((c) => c.label).slice(0, 6)).toEqual([
      'Model',
      'Initialisation',
      'Seeds',
      'Test AUC (%)',
      '95% CI of the mean',
      'Seed SD',
    ]);
    expect(referable.columns.some((c) => /ACC|QWK/.test(c.label))).toBe(false);
    const nominal = retinaMnistStudy();
    delete nominal.tasks[0]!.ordinal;
    const t = tablesOf(nominal)[0]!;
    expect(t.columns.some((c) => c.label.startsWith('Test QWK'))).toBe(false);
    expect(t.columns.some((c) => c.label === 'Test ACC (%) [CI]')).toBe(true);
    // a group where a seed lacks the metric shows a dash, not a mean over fewer seeds
    const partial = retinaMnistStudy();
    delete partial.runs[0]!.metrics!.acc;
    expect(tablesOf(partial)[0]!.rows[0]![column(t, 'Test ACC (%) [CI]')]).toBe('–');
  });

  test('per-class table only when the runs have per-class AUCs', () => {
    expect(tables.map((t) => t.id)).toEqual(['table1-grade', 'table1-referable']);
    const input = retinaMnistStudy();
    for (const r of input.runs.filter((x) => x.task === 'grade'))
      r.auc.perLabel = Object.fromEntries(
        GRADES.map((g, i) => [g, { value: 0.6 + 0.05 * i, ciLow: 0.5, ciHigh: 0.9 }]),
      );
    const t2 = tablesOf(input).find((t) => t.id === 'table2-grade')!;
    expect(t2.title).toBe('Table 2 analogue — grade: one-vs-rest AUC per class');
    expect(t2.columns[2]!.label).toBe('Class');
    expect(t2.rows[4]).toEqual(['ResNet50', 'Random init', 'grade 4', '80.00', '–', '0.00']);
  });

  test("the derived task's description is under its tables, in the HTML and the Markdown alike", async () => {
    const referable = tables.find((t) => t.id === 'table1-referable')!;
    const description =
      'P(grade ≥ 2) = sum of the grade models’ softmax over grades 2–4 (referable DR); no models of its own.';
    expect(referable.notes).toEqual([
      'Test numbers come from the best validation AUC checkpoint of each run (steps 120–480).',
      `Task referable: ${description}`,
    ]);
    expect(grade.notes.join(' ')).not.toContain(description);
    const files = await buildReportFiles(retinaMnistStudy());
    const html = files.find((f) => f.path === 'index.html')!.content as string;
    const md = files.find((f) => f.path === 'report.md')!.content as string;
    const htmlTable = /<table id="table1-referable">[\s\S]*?<\/div>/.exec(html)![0];
    expect(htmlTable).toContain(`<p class="table-note">Task referable: ${description}</p>`);
    expect(md).toContain(`\nTask referable: ${description}\n`);
    // the multi-class columns in both writers
    expect(html).toContain('<td class="num">2.00</td><td class="num">53.00</td><td class="num">0.100</td>');
    expect(md).toContain('| ResNet50 | Random init | 3 | 72.00 | – | 2.00 | 53.00 | 0.100 |');
    // the referable runs are scored from the grade models: the header counts the 6 trainings, not 12 runs
    expect(md).toMatch(/, 6 training runs, /);
    expect(html).toContain(' · 6 training runs · ');
  });
});
