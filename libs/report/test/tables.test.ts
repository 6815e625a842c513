import { describe, expect, test } from 'vitest';
import { groupRuns, parseStudyResults } from '../src/index.js';
import { buildTables } from '../src/tables.js';
import { CHEXPERT_LABELS, makeStudyResults } from './fixtures/study-fixture.js';
import { tinyStudy } from './fixtures/tiny-study.js';

describe('Table 1/2/3 analogues', () => {
  const study = parseStudyResults(
    tinyStudy([
      { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.963 },
      { model: 'resnet50', init: { kind: 'random' }, seed: 1, auc: 0.964 },
      { model: 'resnet50', init: { kind: 'random' }, seed: 2, auc: 0.965 },
      { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.97 },
      { model: 'plain', init: { kind: 'random' }, seed: 0, auc: 0.9 },
      { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.92, regime: 'limited' },
      { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.946, regime: 'limited' },
    ]),
  );
  const tables = buildTables(study);

  test('one overview table per regime, in model × init order', () => {
    expect(tables.map((t) => t.id)).toEqual(['table1-retina', 'table3-retina']);
    const t1 = tables[0]!;
    expect(t1.rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['ResNet50', 'Random init', '3'],
      ['ResNet50', 'Transfer (pretrained)', '1'],
      ['Plain', 'Random init', '1'],
    ]);
  });

  test('mean and seed SD in percent, no interval of the mean without per-image scores, cost columns', () => {
    const row = tables[0]!.rows[0]!;
    const col = (label: string) => tables[0]!.columns.findIndex((c) => c.label.startsWith(label));
    expect(row[col('Test AUC')]).toBe('96.40');
    expect(row[col('Seed SD')]).toBe('0.10');
    expect(row[col('95% CI')]).toBe('–');
    expect(row[col('GFLOPs/img')]).toBe('2.00');
    expect(row[col('Train time')]).toBe('1 min 41 s'); // mean of 100, 101, 102 s
    expect(tables[0]!.data[0]).toMatchObject({ model: 'resnet50', init: 'random', seeds: [0, 1, 2] });
    expect((tables[0]!.data[0] as { aucStd: number }).aucStd).toBeCloseTo(0.001, 12);
    // one seed has no spread to show
    expect(tables[0]!.rows[1]![col('Test AUC')]).toBe('97.00');
    expect(tables[0]!.rows[1]![col('Seed SD')]).toBe('–');
  });

  test("the paper's published value appears where the setting corresponds, and only there", () => {
    const t1 = tables[0]!;
    const paper = t1.columns.findIndex((c) => c.label === 'Paper (published)');
    expect(paper).toBeGreaterThan(0);
    expect(t1.rows.map((r) => r[paper])).toEqual(['96.40 ± 0.05', '96.70 ± 0.04', '–']);
    expect(t1.caption).toMatch(/published value of Raghu et al\. 2019/);
    const t3 = tables[1]!;
    const p3 = t3.columns.findIndex((c) => c.label === 'Paper (published)');
    expect(t3.title).toMatch(/small data \(5,000 training images\)/);
    expect(t3.rows.map((r) => r[p3])).toEqual(['92.20', '94.60']);
  });

  test('CPU-sized models (largest below one GFLOP) get an MFLOPs column instead of a column of 0.00', () => {
    const input = tinyStudy([{ model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.9 }]);
    input.runs[0]!.cost.flopsPerImage = 3.456e6;
    const [t] = buildTables(parseStudyResults(input));
    const col = t!.columns.findIndex((c) => c.label === 'MFLOPs/img');
    expect(col).toBeGreaterThan(0);
    expect(t!.rows[0]![col]).toBe('3.46');
    expect(t!.caption).toMatch(/MFLOPs\/img: forward pass/);
    expect(t!.columns.some((c) => c.label === 'GFLOPs/img')).toBe(false);
  });

  test('no paper column for a task that mirrors no paper setting', () => {
    const input = tinyStudy([{ model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.9 }]);
    delete input.tasks[0]!.paperSetting;
    const [t] = buildTables(parseStudyResults(input));
    expect(t!.columns.some((c) => c.label.startsWith('Paper'))).toBe(false);
  });

  test('multi-label task: per-label table with the CheXpert Table 2 values for ResNet-50', () => {
    const study = parseStudyResults(makeStudyResults());
    const all = buildTables(study, groupRuns(study));
    const t2 = all.find((t) => t.id === 'table2-chexpert-5')!;
    expect(t2.rows.length).toBe(2 * 2 * CHEXPERT_LABELS.length); // 2 models × 2 inits × 5 labels
    const paper = t2.columns.findIndex((c) => c.label === 'Paper (published)');
    const atel = t2.rows.find((r) => r[0] === 'ResNet50' && r[1] === 'Random init' && r[2] === 'Atelectasis')!;
    expect(atel[paper]).toBe('79.52');
    const cbr = t2.rows.find((r) => r[0] === 'CBR-Small' && r[2] === 'Edema')!;
    expect(cbr[paper]).toBe('–');
    const t1 = all.find((t) => t.id === 'table1-chexpert-5')!;
    expect(t1.columns.some((c) => c.label === 'Test macro AUC (%)')).toBe(true);
  });
});
