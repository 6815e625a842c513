import { beforeAll, describe, expect, test } from 'vitest';
import {
  buildReportFiles,
  groupRuns,
  medmnistV2,
  parseStudyResults,
  type ReportFile,
  type StudyResultsInput,
} from '../src/index.js';
import { buildBenchmarkSections } from '../src/benchmark.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';

const sectionsOf = (input: StudyResultsInput) => {
  const r = parseStudyResults(input);
  return buildBenchmarkSections(r, groupRuns(r));
};

const SOURCE =
  /Yang et al\., "MedMNIST v2 — A large-scale lightweight benchmark for 2D and 3D biomedical image classification", Scientific Data 10, 41 \(2023\), table of 2D results/;

describe('Beside published results (MedMNIST v2, RetinaMNIST)', () => {
  const sections = sectionsOf(retinaMnistStudy());
  const s = sections[0]!;

  test('one section, for the task with a benchmark only', () => {
    expect(sections.map((x) => [x.task, x.suite, x.dataset])).toEqual([['grade', 'MedMNIST v2', 'RetinaMNIST']]);
    expect(s.source).toMatch(SOURCE);
    expect(s.note).toBeNull();
  });

  test('our models: seeds, AUC and ACC mean ± sd, the best single run, and the model’s published value', () => {
    expect(s.ours.columns.map((c) => c.label)).toEqual([
      'Model',
      'Initialisation',
      'Seeds',
      'Test AUC (%)',
      'Test ACC (%)',
      'Best run: AUC / ACC (%)',
      'Published (MedMNIST v2): AUC / ACC (%)',
    ]);
    expect(s.ours.rows).toEqual([
      // best by test AUC: seed 2 (.74, ACC .57); ResNet50 corresponds to MedMNIST's ResNet-50 (28): .726 / .528
      [
        'ResNet50',
        'Random init',
        '3',
        '72.00 ± 2.00',
        '53.00 ± 3.61',
        '74.00 / 57.00 (seed 2)',
        'ResNet-50 (28): 72.6 / 52.8',
      ],
      [
        'ResNet50',
        'Transfer (pretrained)',
        '2',
        '74.00 ± 1.41',
        '54.00 ± 1.41',
        '75.00 / 55.00 (seed 0)',
        'ResNet-50 (28): 72.6 / 52.8',
      ],
      ['CBR-Small', 'Random init', '1', '69.00', '48.00', '69.00 / 48.00 (seed 0)', '–'], // no benchmarkModel
    ]);
    expect(s.ours.caption).toMatch(
      /The Published column is not ours: it is the value published for the method named in the cell .* by J\. Yang et al\., "MedMNIST v2.*, on the official MedMNIST v2 test split, the split our test numbers use;/,
    );
    expect(s.ours.caption).toMatch(SOURCE);
    expect(s.ours.notes[0]).toBe(
      'Test numbers come from the best validation AUC checkpoint of each run (steps 120–480).',
    );
    expect(s.ours.data[0]).toMatchObject({
      model: 'resnet50',
      init: 'random',
      bestRun: { id: 'grade/resnet50/random/2', seed: 2, auc: 0.74, acc: 0.57 },
      publishedForBenchmarkModel: { method: 'ResNet-50 (28)', auc: 0.726, acc: 0.528 },
    });
    expect(s.ours.data[2]!['publishedForBenchmarkModel']).toBeNull();
  });

  test('the published rows as their own table, marked as published, with every value from the source', () => {
    const p = s.published!;
    expect(p.title).toBe('Published results — MedMNIST v2, RetinaMNIST (published, not ours)');
    expect(p.caption).toMatch(SOURCE);
    expect(p.caption).toMatch(
      /, on the official MedMNIST v2 test split: test macro one-vs-rest AUC and accuracy, 5-class DR grading\. These numbers are not measured by this study\.$/,
    );
    expect(p.columns.map((c) => c.label)).toEqual([
      'Published method',
      'Published test AUC (%)',
      'Published test ACC (%)',
    ]);
    expect(p.rows).toEqual([
      ['ResNet-18 (28)', '71.7', '52.4'],
      ['ResNet-50 (28)', '72.6', '52.8'],
      ['ResNet-18 (224)', '71.0', '49.3'],
      ['ResNet-50 (224)', '71.6', '51.1'],
      ['auto-sklearn', '69.0', '51.5'],
      ['AutoKeras', '71.9', '50.3'],
      ['Google AutoML Vision', '75.0', '53.1'],
    ]);
    expect(p.data).toEqual(medmnistV2.datasets['retinamnist']!.rows);
  });

  test('"ours" and "published" never mix: published numbers appear only in the Published column', () => {
    const publishedColumn = s.ours.columns.findIndex((c) => c.label.startsWith('Published'));
    const publishedStrings = medmnistV2.datasets['retinamnist']!.rows.flatMap((r) => [
      (r.auc * 100).toFixed(1),
      (r.acc * 100).toFixed(1),
    ]);
    for (const row of s.ours.rows) {
      row.forEach((cell, i) => {
        if (i === publishedColumn) return;
        for (const v of publishedStrings)
          expect(cell, `"${cell}" in column ${s.ours.columns[i]!.label}`).not.toMatch(
            new RegExp(`(^|[^0-9.])${v.replace('.', '\\.')}([^0-9]|$)`),
          );
      });
    }
    // and the other way round: an AUC of ours equal to a published one still shows as ours, in our columns
    const same = retinaMnistStudy();
    for (const r of same.runs.filter((x) => x.task === 'grade' && x.model === 'cbr-small'))
      r.auc.macro = { value: 0.726, ciLow: 0.7, ciHigh: 0.75 };
    const row = sectionsOf(same)[0]!.ours.rows[2]!;
    expect(row[3]).toBe('72.60');
    expect(row[publishedColumn]).toBe('–');
  });

  test('a dataset with no published rows on file: no Published column, no published table, a note saying so', () => {
    const input = retinaMnistStudy();
    input.tasks[0]!.benchmark = { suite: 'medmnist-v2', dataset: 'pathmnist' };
    const [x] = sectionsOf(input);
    expect(x!.published).toBeNull();
    expect(x!.note).toBe(
      'No published MedMNIST v2 rows are on file for dataset "pathmnist" (the report holds them for: RetinaMNIST).',
    );
    expect(x!.ours.columns.some((c) => c.label.startsWith('Published'))).toBe(false);
    expect(x!.ours.caption).toMatch(/no published rows are on file for this dataset/);
  });
});

describe('the published section in the page, report.md and results.json', () => {
  let files: ReportFile[];
  const text = (p: string) => files.find((f) => f.path === p)!.content as string;
  beforeAll(async () => {
    files = await buildReportFiles(retinaMnistStudy());
  });

  test('HTML: its own section and nav entry; published cells and the published table styled apart', () => {
    const html = text('index.html');
    expect(html).toContain('<a href="#published">Beside published results</a>');
    const section = /<section id="published">[\s\S]*?<\/section>/.exec(html)![0];
    expect(section).toContain('<h3>Task grade — MedMNIST v2, RetinaMNIST</h3>');
    expect(section).toContain('<td class="num paper">ResNet-50 (28): 72.6 / 52.8</td>');
    expect(section).toContain('<td class="num">72.00 ± 2.00</td>');
    expect(section).toMatch(
      /<div class="table-wrap published"><table id="benchmark-published-grade"><caption><b>Published results — MedMNIST v2, RetinaMNIST \(published, not ours\)<\/b>/,
    );
    expect(section).toContain(
      '<td class="paper">Google AutoML Vision</td><td class="num paper">75.0</td><td class="num paper">53.1</td>',
    );
  });

  test('Markdown: the same section and tables', () => {
    const md = text('report.md');
    expect(md).toContain('## Beside published results');
    expect(md).toContain('### Task grade — MedMNIST v2, RetinaMNIST');
    expect(md).toContain(
      '| ResNet50 | Random init | 3 | 72.00 ± 2.00 | 53.00 ± 3.61 | 74.00 / 57.00 (seed 2) | ResNet-50 (28): 72.6 / 52.8 |',
    );
    expect(md).toContain('**Published results — MedMNIST v2, RetinaMNIST (published, not ours)**');
    expect(md).toContain('| ResNet-50 (28) | 72.6 | 52.8 |');
    expect(md.indexOf('## Beside published results')).toBeGreaterThan(md.indexOf('## Performance'));
  });

  test('results.json keeps ours and published apart, with the source', () => {
    const r = JSON.parse(text('results.json')) as {
      benchmarks: {
        task: string;
        source: string;
        ours: { data: Record<string, unknown>[] };
        published: { data: unknown[] };
      }[];
    };
    expect(r.benchmarks).toHaveLength(1);
    expect(r.benchmarks[0]!.source).toMatch(SOURCE);
    expect(r.benchmarks[0]!.ours.data[0]).toMatchObject({
      aucMean: expect.closeTo(0.72, 12),
      publishedForBenchmarkModel: { method: 'ResNet-50 (28)', auc: 0.726 },
    });
    expect(r.benchmarks[0]!.published.data).toHaveLength(7);
  });

  test('a study without benchmarks has no such section', async () => {
    const out = await buildReportFiles(makeStudyResults({ seeds: [0] }));
    expect(out[0]!.content as string).not.toContain('id="published"');
    expect(out[1]!.content as string).not.toContain('Beside published results');
    expect((JSON.parse(out[2]!.content as string) as { benchmarks: unknown[] }).benchmarks).toEqual([]);
  });

  test('a benchmark dataset with no rows: the page and report.md say so', async () => {
    const input = retinaMnistStudy();
    input.tasks[0]!.benchmark = { suite: 'medmnist-v2', dataset: 'pathmnist' };
    const out = await buildReportFiles(input);
    const note = 'No published MedMNIST v2 rows are on file for dataset &quot;pathmnist&quot;';
    expect(out[0]!.content as string).toContain(note);
    expect(out[1]!.content as string).toContain('No published MedMNIST v2 rows are on file for dataset "pathmnist"');
  });
});
