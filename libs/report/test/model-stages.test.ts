import { describe, expect, test } from 'vitest';
import { buildReportContent } from '../src/content.js';
import { groupRuns, parseReportOptions, parseStudyResults, stagesOf, type StudyResultsInput } from '../src/index.js';
import { initLabel, initOrder, initShortLabel } from '../src/init.js';
import { compareSpeed, isFig7Init, recoveredSpeedup } from '../src/speedup.js';
import { tinyStudy, type TinyRun } from './fixtures/tiny-study.js';

const INCEPTION_STAGES = ['conv1', 'stem', ...Array.from({ length: 11 }, (_, i) => `mixed${i}`)];
const models: StudyResultsInput['models'] = [
  { id: 'resnet50', label: 'ResNet50', family: 'imagenet', paperModel: 'ResNet-50' },
  {
    id: 'inception-v3',
    label: 'Inception-v3',
    family: 'imagenet',
    paperModel: 'Inception-v3',
    stages: INCEPTION_STAGES,
  },
];

/** Curves that reach 0.92 at `at` (steps 0, 100, …, 400); the task's threshold is 0.5 + 0.9 × 0.42 = 0.878. */
const curve = (at: number): [number, number][] => [0, 100, 200, 300, 400].map((s) => [s, s >= at ? 0.92 : 0.6]);
const inceptionRuns: TinyRun[] = [
  // listed deep to shallow: the order must come from the model's stages, not from the input
  { model: 'inception-v3', init: { kind: 'pretrained' }, seed: 0, auc: 0.92, curve: curve(100) },
  { model: 'inception-v3', init: { kind: 'transfusion', upTo: 'mixed7' }, seed: 0, auc: 0.92, curve: curve(200) },
  { model: 'inception-v3', init: { kind: 'transfusion', upTo: 'mixed2' }, seed: 0, auc: 0.92, curve: curve(300) },
  { model: 'inception-v3', init: { kind: 'random' }, seed: 0, auc: 0.92, curve: curve(400) },
  { model: 'resnet50', init: { kind: 'transfusion', upTo: 'block4' }, seed: 0, auc: 0.92, curve: curve(200) },
  { model: 'resnet50', init: { kind: 'transfusion', upTo: 'block1' }, seed: 0, auc: 0.92, curve: curve(300) },
  { model: 'resnet50', init: { kind: 'random' }, seed: 0, auc: 0.92, curve: curve(400) },
  { model: 'resnet50', init: { kind: 'pretrained' }, seed: 0, auc: 0.92, curve: curve(100) },
];
const study = parseStudyResults(tinyStudy(inceptionRuns, models));

describe("a model's stages order its transfusion prefixes", () => {
  test("stagesOf: the model's own stages, else the paper's ResNet names", () => {
    expect(stagesOf(study.models[1]!)).toEqual(INCEPTION_STAGES);
    expect(stagesOf(study.models[0]!)).toEqual(['conv1', 'block1', 'block2', 'block3', 'block4']);
    expect(stagesOf()).toEqual(['conv1', 'block1', 'block2', 'block3', 'block4']);
  });

  test('groups, labels and short labels follow the stage order; full transfer is ≤ the last stage', () => {
    const inception = study.models[1]!;
    const keys = groupRuns(study).map((g) => `${g.model.id}:${g.initKey}`);
    expect(keys).toEqual([
      'resnet50:random',
      'resnet50:transfusion:block1',
      'resnet50:transfusion:block4',
      'resnet50:pretrained',
      'inception-v3:random',
      'inception-v3:transfusion:mixed2',
      'inception-v3:transfusion:mixed7',
      'inception-v3:pretrained',
    ]);
    expect(initLabel({ kind: 'transfusion', upTo: 'mixed2' })).toBe('Transfusion ≤ mixed2');
    expect(initShortLabel({ kind: 'pretrained' }, inception)).toBe('Transfer (≤ mixed10)');
    expect(initShortLabel({ kind: 'pretrained' })).toBe('Transfer (≤ block4)');
    // prefixes between random and Mean Var whatever the number of stages (Inception-v3 has 13)
    const order = (upTo: string) => initOrder({ kind: 'transfusion', upTo }, inception);
    expect(order('mixed10')).toBeLessThan(initOrder({ kind: 'meanvar' }));
    expect(order('conv1')).toBeGreaterThan(initOrder({ kind: 'random' }));
    expect(order('mixed2')).toBeLessThan(order('mixed7'));
  });

  test('Fig 7 / recovered speed-up: prefixes shallow to deep in each model’s own order', () => {
    const comps = compareSpeed(groupRuns(study), 'val_auc_macro', parseReportOptions(), isFig7Init);
    const inception = comps.find((c) => c.model === 'inception-v3')!;
    expect(inception.stages).toEqual(INCEPTION_STAGES);
    expect(inception.steps.map((s) => s.initKey)).toEqual([
      'random',
      'transfusion:mixed2',
      'transfusion:mixed7',
      'pretrained',
    ]);
    // random 400, transfer 100: mixed2 (300) recovers 1/3, mixed7 (200) 2/3
    const rec = recoveredSpeedup(inception)!;
    expect(rec.map((r) => r.initKey)).toEqual(['transfusion:mixed2', 'transfusion:mixed7']);
    expect(rec[0]!.fraction).toBeCloseTo(1 / 3, 12);
    expect(rec[1]!.fraction).toBeCloseTo(2 / 3, 12);
    const resnet = recoveredSpeedup(comps.find((c) => c.model === 'resnet50')!)!;
    expect(resnet.map((r) => [r.initKey, r.fraction])).toEqual([
      ['transfusion:block1', 1 / 3],
      ['transfusion:block4', 2 / 3],
    ]);
  });

  test("Fig 7's bars name each model's own prefixes and the caption lists the stage orders", async () => {
    const c = await buildReportContent(study, parseReportOptions());
    const bars = c.figures.find((f) => f.id === 'fig7-steps-retina')!;
    expect(bars.svg).toContain('≤ mixed2');
    expect(bars.svg).toContain('Transfer (≤ mixed10)');
    expect(bars.svg).toContain('Transfer (≤ block4)');
    expect(c.figures.flatMap((f) => f.warnings)).toEqual([]);
    const curves = c.figures.find((f) => f.id === 'fig7-curves-retina')!;
    expect(curves.caption).toContain(
      `Stages, shallow to deep: ResNet50 conv1, block1, block2, block3, block4; Inception-v3 ${INCEPTION_STAGES.join(', ')}.`,
    );
  });

  test('a transfusion prefix that is not a stage of the model is rejected, naming the model and its stages', () => {
    const bad =
      (run: TinyRun, ms = models) =>
      () =>
        parseStudyResults(tinyStudy([run], ms), 'results.json');
    expect(bad({ model: 'inception-v3', init: { kind: 'transfusion', upTo: 'block2' }, seed: 0, auc: 0.9 })).toThrow(
      `results.json: runs[0].init.upTo: "block2" is not a stage of model "inception-v3" (its stages: ${INCEPTION_STAGES.join(', ')})`,
    );
    expect(bad({ model: 'resnet50', init: { kind: 'transfusion', upTo: 'mixed2' }, seed: 0, auc: 0.9 })).toThrow(
      /runs\[0\]\.init\.upTo: "mixed2" is not a stage of model "resnet50" \(the paper's ResNet stages, assumed when the model gives no `stages`: conv1, block1, block2, block3, block4\)/,
    );
    const repeated = [{ ...models[1]!, stages: ['conv1', 'conv1'] }];
    expect(bad({ model: 'inception-v3', init: { kind: 'random' }, seed: 0, auc: 0.9 }, repeated)).toThrow(
      /models\[0\]\.stages: expected distinct stage names/,
    );
  });
});
