import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromArrays, type Table } from 'apache-arrow';
import { readTensors } from '@transfusion/arrow-io';
import { describe, expect, test } from 'vitest';
import { runPipeline, type AnyStage, type StageEvent } from '@transfusion/pipeline';
import { parseRunInfo, runOfTable, StudyError, withRun, type RunInfo } from '../src/lib/run-info.js';
import { ccaResults, derivedRuns, historyOf, reportRun } from '../src/lib/study-results.js';
import { architectureStages, checkInitStage } from '../src/lib/init-stage.js';
import { withStages } from '../src/lib/model-stages.js';
import { isModelName, stageNamesOf } from '@transfusion/models';
import { attachPredictions, derivedPredictions, predictionsTable } from '../src/lib/predictions.js';
import type { Training } from '../src/lib/schemas.js';
import { runInput } from '../src/lib/training.js';
import { sampleRun } from './sample-run.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');

const run = sampleRun;

describe('run info', () => {
  test('travels as table metadata and comes back equal', () => {
    const t = withRun(tableFromArrays({ step: Int32Array.of(1, 2) }), run);
    expect(runOfTable(t, 'history')).toEqual(run);
    expect(t.numRows).toBe(2);
  });
  test('missing, non-JSON or invalid metadata is a StudyError naming the artifact and field', () => {
    expect(() => parseRunInfo(undefined, 'x.arrow')).toThrow(/x.arrow: no 'transfusion.run' metadata/);
    expect(() => parseRunInfo('{', 'x.arrow')).toThrow(/not JSON/);
    const bad = () => parseRunInfo(JSON.stringify({ ...run, seed: 1.5 }), 'y.arrow');
    expect(bad).toThrow(StudyError);
    expect(bad).toThrow(/y.arrow.*seed/s);
  });
});

describe('report adapters', () => {
  test('history rows become the report history (train loss, val_* metrics, NaN dropped); metrics rows the AUCs', () => {
    const history = withRun(
      tableFromArrays({
        step: Int32Array.of(10, 20),
        epoch: Int32Array.of(0, 0),
        lr: Float64Array.of(1e-3, 1e-3),
        seconds: Float64Array.of(1, 2),
        train_loss: Float64Array.of(0.7, 0.5),
        val_auc: Float64Array.of(0.6, NaN),
        val_loss: Float64Array.of(0.69, 0.6),
      }),
      run,
    );
    expect(historyOf(history)).toEqual([
      { step: 10, loss: 0.7, metrics: { val_auc: 0.6, val_loss: 0.69 } },
      { step: 20, loss: 0.5, metrics: { val_loss: 0.6 } },
    ]);
    const metrics = withRun(
      tableFromArrays({
        metric: ['auc', 'auc/referable'],
        value: Float64Array.of(0.8, 0.8),
        ciLow: Float64Array.of(0.7, 0.7),
        ciHigh: Float64Array.of(0.9, 0.9),
      }),
      run,
    );
    const r = reportRun(run, history, metrics, 'metrics[0]');
    expect(r.auc).toEqual({
      macro: { value: 0.8, ciLow: 0.7, ciHigh: 0.9 },
      perLabel: { referable: { value: 0.8, ciLow: 0.7, ciHigh: 0.9 } },
    });
    expect(r.cost).toEqual(run.cost);
    const none = withRun(
      tableFromArrays({
        metric: ['acc'],
        value: Float64Array.of(0.8),
        ciLow: Float64Array.of(0.7),
        ciHigh: Float64Array.of(0.9),
      }),
      run,
    );
    expect(() => reportRun(run, history, none, 'metrics[3]')).toThrow(/metrics\[3\]: no 'auc' row/);
  });

  test('a graded run: accuracy, kappa and referable AUC as further metrics, its checkpoint and transfer source', () => {
    const graded: RunInfo = {
      ...run,
      id: 'grade/cbr-small/pretrained/full/seed1',
      init: { kind: 'pretrained' },
      task: 'grade',
      labels: ['0', '1', '2', '3', '4'],
      taskKind: 'multiclass',
      transferSource: 'the synthetic natural set',
    };
    const history = withRun(
      tableFromArrays({
        step: Int32Array.of(10, 20),
        epoch: Int32Array.of(0, 1),
        lr: Float64Array.of(1e-3, 1e-3),
        seconds: Float64Array.of(1, 2),
        train_loss: Float64Array.of(1.5, 1.2),
        val_auc: Float64Array.of(0.7, 0.8),
        val_referable_auc: Float64Array.of(0.75, 0.85),
      }),
      graded,
    );
    const names = ['acc', 'auc', 'kappa', 'referable_auc'];
    const metrics = withRun(
      tableFromArrays({
        metric: names,
        value: Float64Array.of(0.5, 0.72, 0.4, 0.8),
        ciLow: Float64Array.of(0.45, 0.68, 0.3, 0.76),
        ciHigh: Float64Array.of(0.55, 0.76, 0.5, 0.84),
      }),
      graded,
    );
    const r = reportRun(graded, history, metrics, 'metrics[0]');
    expect(r.auc).toEqual({ macro: { value: 0.72, ciLow: 0.68, ciHigh: 0.76 }, perLabel: {} });
    expect(r.metrics).toEqual({
      acc: { value: 0.5, ciLow: 0.45, ciHigh: 0.55 },
      kappa: { value: 0.4, ciLow: 0.3, ciHigh: 0.5 },
      referable_auc: { value: 0.8, ciLow: 0.76, ciHigh: 0.84 },
    });
    expect(r.checkpoint).toEqual({ kind: 'best', step: 20, monitor: 'val_auc', value: 0.8 });
    expect(r.transferSource).toBe('the synthetic natural set');
    // the referable task scored from the graded model: its AUC is referable_auc, its curve val_referable_auc
    const [d, ...more] = derivedRuns([r], 'referable', 'referable', {
      task: 'grade',
      metric: 'referable_auc',
      history: 'val_referable_auc',
    });
    expect(more).toEqual([]);
    expect(d).toMatchObject({
      id: `${r.id}#referable`,
      derivedFrom: r.id,
      task: 'referable',
      seed: 1,
      checkpoint: r.checkpoint,
      auc: { macro: { value: 0.8 }, perLabel: { referable: { value: 0.8 } } },
    });
    expect(d!.history).toEqual([
      { step: 10, loss: 1.5, metrics: { val_auc: 0.75 } },
      { step: 20, loss: 1.2, metrics: { val_auc: 0.85 } },
    ]);
    expect(d!.metrics).toBeUndefined();
    // runs of other tasks, or without the metric (a binary file), give none
    expect(
      derivedRuns([{ ...r, metrics: {} }], 'referable', 'referable', {
        task: 'grade',
        metric: 'referable_auc',
        history: 'val_referable_auc',
      }),
    ).toEqual([]);
    expect(
      derivedRuns([r], 'referable', 'referable', {
        task: 'other',
        metric: 'referable_auc',
        history: 'val_referable_auc',
      }),
    ).toEqual([]);
  });
});

describe('per-image test predictions', () => {
  // 4 images of 3 patients, 5 grades; the referable grade is 2
  const ev = (probs: number[]) => ({
    metrics: {},
    probabilities: Float32Array.from(probs),
    labels: Float32Array.of(0, 2, 4, 1),
    patients: ['p1', 'p1', 'p2', 'p3'],
    n: 4,
  });
  const task = { type: 'multiclass' as const, numClasses: 5, ordinal: true, referableClass: 2 };
  const graded: RunInfo = { ...run, task: 'grade', labels: ['0', '1', '2', '3', '4'], taskKind: 'multiclass' };
  const probs = [0.6, 0.2, 0.1, 0.05, 0.05, 0.1, 0.2, 0.5, 0.1, 0.1, 0, 0, 0.1, 0.2, 0.7, 0.3, 0.4, 0.2, 0.1, 0];
  const reportRunOf = (info: RunInfo, auc: number) => ({
    id: info.id,
    model: info.model,
    init: info.init,
    seed: info.seed,
    task: info.task,
    data: { dataset: 'd', trainImages: 10, regime: 'full' as const },
    auc: { macro: { value: auc, ciLow: auc, ciHigh: auc }, perLabel: {} },
    metrics: { referable_auc: { value: 1, ciLow: 1, ciHigh: 1 } },
    history: [],
    cost: info.cost,
  });

  test("travel as a table: the run's scores and its task's test set (labels, patients) come back", () => {
    const table = withRun(predictionsTable(ev(probs), task), graded);
    const { runs, testSets, byRun } = attachPredictions([reportRunOf(graded, 0.9)], [table]);
    expect(testSets).toEqual([{ task: 'grade', labels: [0, 2, 4, 1], patients: ['p1', 'p1', 'p2', 'p3'] }]);
    expect(runs[0]!.test!.scores).toEqual(Array.from(Float32Array.from(probs)));
    // the referable task: P(grade ≥ 2) per image, positive where the grade is ≥ 2
    const [d] = derivedRuns(runs, 'referable', 'referable', {
      task: 'grade',
      metric: 'referable_auc',
      history: 'val_referable_auc',
    });
    expect(d!.test).toBeUndefined(); // the graded scores are not the derived task's
    const derived = derivedPredictions([d!], 'referable', byRun);
    expect(derived.testSet).toEqual({ task: 'referable', labels: [0, 1, 1, 0], patients: ['p1', 'p1', 'p2', 'p3'] });
    const f = Float32Array.from(probs);
    expect(derived.runs[0]!.test!.scores[0]).toBeCloseTo(f[2]! + f[3]! + f[4]!, 12);
    expect(derived.runs[0]!.test!.scores[2]).toBeCloseTo(f[12]! + f[13]! + f[14]!, 12);
  });

  test('runs of one task evaluated on different images cannot be paired: a StudyError naming both', () => {
    const other: RunInfo = { ...graded, id: 'grade/other', seed: 2 };
    const a = withRun(predictionsTable(ev(probs), task), graded);
    const moved = { ...ev(probs), labels: Float32Array.of(0, 2, 4, 2) };
    const b = withRun(predictionsTable(moved, task), other);
    expect(() => attachPredictions([reportRunOf(graded, 0.9), reportRunOf(other, 0.9)], [a, b])).toThrow(
      /runs retina\/cbr-small\/random\/full\/seed1 and grade\/other of task 'grade' were evaluated on different test images/,
    );
  });

  test('a multi-label mask survives: masked entries are 0 in the labels and listed in the mask', () => {
    const ml = {
      metrics: {},
      probabilities: Float32Array.of(0.2, 0.9, 0.7, 0.1),
      labels: Float32Array.of(0, 1, 1, 0),
      mask: Float32Array.of(1, 0, 1, 1),
      n: 2,
    };
    const t = withRun(predictionsTable(ml, { type: 'multilabel' }), {
      ...run,
      labels: ['a', 'b'],
      taskKind: 'multilabel',
    });
    const { testSets } = attachPredictions(
      [reportRunOf({ ...run, labels: ['a', 'b'], taskKind: 'multilabel' }, 0.5)],
      [t],
    );
    expect(testSets).toEqual([{ task: 'retina', labels: [0, 0, 1, 0], mask: [1, 0, 1, 1] }]);
  });
});

describe('the input a run is trained on follows its source weights', () => {
  const source = (preprocessing?: string) => ({
    weights: {},
    origin: 'r50.arrow',
    ...(preprocessing ? { preprocessing } : {}),
  });
  test.each([
    [{}, 'caffe', true, 'caffe'],
    [{}, undefined, true, 'unit'],
    [{ input: 'tf' }, undefined, true, 'tf'],
    [{ input: 'caffe' }, 'caffe', true, 'caffe'],
    // random init does not use the weights: an explicit input wins, else it still follows them (same input for every run of a model)
    [{ input: 'unit' }, 'caffe', false, 'unit'],
    [{}, 'caffe', false, 'caffe'],
  ] as const)('recipe %j, weights %s, uses the source %s → %s', (training, pre, uses, want) => {
    expect(runInput(training as Training, source(pre), uses)).toBe(want);
  });

  test('feeding other input to weights that start the run is an error naming both', () => {
    expect(() => runInput({ input: 'unit' } as Training, source('caffe'), true)).toThrow(
      /training\.input is 'unit', but the source weights r50\.arrow were trained on 'caffe' input/,
    );
    expect(() => runInput({} as Training, source('bgr'), true)).toThrow(
      /r50\.arrow: the weights say they were trained on 'bgr' input, which libs\/train does not know/,
    );
  });
});

describe('train stage', () => {
  /** Runs a synthetic fundus set (`size` px), its referable task and `stages` (YAML, indented by two) in a fresh store. */
  async function runOnFundus(size: number, stages: string, jobs = 1) {
    const dir = mkdtempSync(join(tmpdir(), 'tf-train-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:
  fundus: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 40, size: ${size}, seed: 1 } } }
  retina: { uses: prepare-dataset, needs: { dataset: fundus.dataset }, with: { name: retina, referableGrade: 2 } }
${stages}`,
    );
    const events: StageEvent[] = [];
    const summary = await runPipeline({
      pipelineFile: join(dir, 'p.yaml'),
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: null,
      jobs,
      observer: { finished: (e) => events.push(e) },
    });
    return { summary, errorOf: (stage: string) => events.find((e) => e.stage === stage)?.error };
  }

  test('a small-data regime larger than the training split fails with the numbers, and dependents are skipped', async () => {
    const { summary, errorOf } = await runOnFundus(
      32,
      `  t:
    uses: train
    needs: { dataset: retina.dataset }
    with: { model: cbr-small, architecture: { name: cbr-small, width: 0.125 }, init: random, seed: 1, task: retina, data: limited-5000, training: { maxSteps: 1 } }
  e: { uses: evaluate, needs: { dataset: retina.dataset, weights: t.weights } }
`,
      2,
    );
    expect(summary).toMatchObject({ ran: 2, failed: 1, skipped: ['e'] });
    expect(errorOf('t')).toMatch(/limited-5000 needs 5000 training images, but the train split has only \d+ images/);
  });

  test("images smaller than a model's minimum input fail before training, naming the fix", async () => {
    const { summary, errorOf } = await runOnFundus(
      28,
      `  t:
    uses: train
    needs: { dataset: retina.dataset }
    with: { model: resnet50, architecture: { name: resnet50, width: 0.0625, blocks: [1, 1, 1, 1] }, init: random, seed: 1, task: retina, training: { maxSteps: 1 } }
`,
    );
    expect(summary).toMatchObject({ failed: 1 });
    expect(errorOf('t')).toMatch(
      /images are 28 px, but resnet50 needs at least 32 px; give it a copy upsampled by prepare-dataset \(with: \{ resize: \{ minSize: 32 \} \}\)/,
    );
  });

  test('a transfusion prefix the model does not have fails before anything is loaded, naming the init, the model and its stages', async () => {
    const { summary, errorOf } = await runOnFundus(
      75,
      `  t:
    uses: train
    needs: { dataset: retina.dataset }
    with: { model: inception-v3, architecture: { name: inception-v3, width: 0.0625 }, init: transfusion-block1, seed: 1, task: retina, training: { maxSteps: 1 } }
`,
    );
    expect(summary).toMatchObject({ failed: 1 });
    const stages = ['conv1', 'stem', ...Array.from({ length: 11 }, (_, i) => `mixed${i}`)];
    expect(errorOf('t')).toContain(
      `init 'transfusion-block1': inception-v3 has no stage 'block1'; its stages are ${stages.join(', ')}`,
    );
  });
});

describe("a model's stages", () => {
  const INCEPTION = ['conv1', 'stem', ...Array.from({ length: 11 }, (_, i) => `mixed${i}`)];
  const zoo = (id: string) => (isModelName(id) ? stageNamesOf(id) : undefined);

  test("the report stage gives each model the stages of the zoo model its id names; hybrids share their base model's", () => {
    const models = withStages(
      [
        { id: 'resnet50', label: 'ResNet50', family: 'imagenet' },
        { id: 'inception-v3', label: 'Inception-v3', family: 'imagenet' },
        { id: 'cbr-tiny-32', label: 'CBR-Tiny', family: 'cbr' },
        { id: 'resnet50-slim', label: 'ResNet50 Slim', family: 'imagenet', hybridOf: 'resnet50' },
        { id: 'inception-v3-slim', label: 'Inception-v3 Slim', family: 'imagenet' },
        { id: 'mine', label: 'Mine', family: 'other', stages: ['a', 'b'] },
        { id: 'unknown', label: 'Unknown', family: 'other' },
      ],
      zoo,
    );
    expect(Object.fromEntries(models.map((m) => [m.id, m.stages]))).toEqual({
      resnet50: ['conv1', 'block1', 'block2', 'block3', 'block4'],
      'inception-v3': INCEPTION,
      'cbr-tiny-32': ['layer1', 'layer2', 'layer3', 'layer4'],
      'resnet50-slim': ['conv1', 'block1', 'block2', 'block3', 'block4'],
      'inception-v3-slim': INCEPTION,
      mine: ['a', 'b'],
      unknown: undefined,
    });
  });

  test('a transfusion or Slim init must name a stage of the model (Slim: not its last), naming the init, the model and its stages', () => {
    expect(() =>
      checkInitStage({ strategy: 'transfusion', upTo: 'mixed2' }, 'transfusion-mixed2', 'inception-v3', INCEPTION),
    ).not.toThrow();
    expect(() => checkInitStage({ strategy: 'random' }, 'random', 'inception-v3', INCEPTION)).not.toThrow();
    expect(() =>
      checkInitStage({ strategy: 'transfusion', upTo: 'block1' }, 'transfusion-block1', 'inception-v3', INCEPTION),
    ).toThrow(`init 'transfusion-block1': inception-v3 has no stage 'block1'; its stages are ${INCEPTION.join(', ')}`);
    expect(() =>
      checkInitStage({ strategy: 'slim', upTo: 'mixed10' }, 'slim-mixed10', 'inception-v3', INCEPTION),
    ).toThrow(/init 'slim-mixed10': 'mixed10' is the last stage of inception-v3, so nothing is left to slim/);
    expect(architectureStages({ lastStage: 'block2' }, stageNamesOf('resnet50'))).toEqual([
      'conv1',
      'block1',
      'block2',
    ]);
    expect(architectureStages({}, stageNamesOf('resnet50'))).toEqual(['conv1', 'block1', 'block2', 'block3', 'block4']);
  });

  test('Fig 4 points keep the kind of pair the CCA stage wrote', () => {
    const table = tableFromArrays({
      analysis: ['initVsFinal'],
      method: ['cka'],
      task: ['retina'],
      model: ['cbr-small'],
      layer: ['layer1'],
      layerIndex: Int32Array.from([0]),
      comparison: ['rand-pretrained'],
      init: [''],
      pair: ['rand-pretrained seeds 1/2'],
      seedA: Int32Array.from([1]),
      seedB: Int32Array.from([2]),
      value: Float64Array.from([0.6]),
      atInit: Float64Array.from([0.3]),
    });
    const [cka] = ccaResults([table], [{ id: 'cka', method: 'cka', description: 'linear CKA' }]);
    expect(cka!.initVsFinal).toEqual([
      {
        model: 'cbr-small',
        layer: 'layer1',
        layerIndex: 0,
        pair: 'rand-pretrained seeds 1/2',
        comparison: 'rand-pretrained',
        atInit: 0.3,
        afterTraining: 0.6,
      },
    ]);
  });
});

describe('publish: the pipeline graph for the provenance section', () => {
  test('quick.yaml: one node per stage of the file, matrix stages counted, edges to the report', async () => {
    const { loadPlan, pipelineDag } = await import('@transfusion/pipeline');
    const { provenanceDag } = await import('../src/publish.js');
    const plan = await loadPlan({ pipelineFile: resolve(here, '../../../pipelines/quick.yaml'), registry: REGISTRY });
    const dag = provenanceDag(pipelineDag(plan));
    expect(dag.nodes.length).toBe(new Set(plan.stages.map((s) => s.group)).size);
    expect(dag.nodes.find((n) => n.id === 'train-resnet50')!.label).toMatch(/^train-resnet50 ×\d+$/);
    expect(dag.edges).toContainEqual({ from: 'evaluate-resnet50', to: 'report' });
    expect(dag.mermaid.startsWith('flowchart LR\n')).toBe(true);
  });
});

describe('import-weights: a tfjs model is keyed by model.json and every weight shard', () => {
  test('a changed .bin reruns the import though model.json (and with.sha256) did not change', {
    timeout: 180_000,
  }, async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync, readdirSync } = await import('node:fs');
    const { buildModel, exportLayersModel } = await import('@transfusion/models');
    const dir = mkdtempSync(join(tmpdir(), 'tf-import-weights-'));
    const zm = buildModel({ name: 'cbr-tiny', inputSize: 16, width: 0.125, classes: 2 });
    const modelJson = await exportLayersModel(zm, join(dir, 'm'), { preprocessing: 'unit' });
    zm.model.dispose();
    const sha = createHash('sha256').update(readFileSync(modelJson)).digest('hex');
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:\n  weights:\n    uses: import-weights\n    with: { path: m/model.json, sha256: ${sha}, pretrainedOn: test }\n`,
    );
    const runOnce = async (): Promise<string> => {
      const events: StageEvent[] = [];
      await runPipeline({
        pipelineFile: join(dir, 'p.yaml'),
        registry: REGISTRY,
        store: join(dir, 'store'),
        outRoot: null,
        observer: { finished: (e) => events.push(e) },
      });
      return events.map((e) => `${e.stage}:${e.status}`).join(',');
    };
    expect(await runOnce()).toBe('weights:ran');
    expect(await runOnce()).toBe('weights:cached');
    const shard = readdirSync(join(dir, 'm')).find((f) => f.endsWith('.bin'))!;
    const bytes = readFileSync(join(dir, 'm', shard));
    bytes[0] = bytes[0]! ^ 0x01; // one bit of one weight
    writeFileSync(join(dir, 'm', shard), bytes);
    expect(await runOnce()).toBe('weights:ran');
  });
});

describe('train stage: resumable', () => {
  test("keeps its resume checkpoint in the engine's working folder and resumes from it with the same weights and history", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-resume-stage-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:
  fundus: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 40, size: 32, seed: 1 } } }
  retina: { uses: prepare-dataset, needs: { dataset: fundus.dataset }, with: { name: retina, referableGrade: 2 } }
`,
    );
    const out = join(dir, 'out');
    const summary = await runPipeline({
      pipelineFile: join(dir, 'p.yaml'),
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: out,
      jobs: 1,
    });
    expect(summary.failed).toBe(0);
    const dataset = join(out, 'p', 'retina', 'dataset.arrow');
    const { stages } = (await import(REGISTRY)) as { stages: AnyStage[] };
    const train = stages.find((s) => s.id === 'train')!;
    const params = train.params.parse({
      model: 'cbr-small',
      architecture: { name: 'cbr-small', width: 0.125 },
      init: 'random',
      seed: 1,
      task: 'retina',
      training: { epochs: 3, maxSteps: 4, batchSize: 8, evalEvery: 2 },
      checkpointEvery: 2,
    });
    const workDir = join(dir, 'work');
    const attempt = async (name: string) => {
      const outDir = join(dir, name);
      mkdirSync(outDir);
      const history = (await train.run({
        params,
        inputs: { dataset: { path: dataset, isDirectory: false } },
        inputPaths: { dataset },
        outputNames: ['initial', 'weights', 'history'],
        outDir,
        workDir,
        pipelineDir: dir,
        log: () => undefined,
        signal: new AbortController().signal,
      })) as { history: Table };
      return { weights: await readTensors(join(outDir, 'weights.arrow')), history: history.history };
    };
    const first = await attempt('first');
    expect(existsSync(join(workDir, 'resume.arrow'))).toBe(true);
    const again = await attempt('again'); // a rerun after a kill between the last checkpoint and the commit
    expect(again.weights).toEqual(first.weights);
    const rows = (t: Table) =>
      t.toArray().map((r) => {
        const { seconds: _seconds, ...rest } = r.toJSON() as Record<string, unknown>;
        return rest;
      });
    expect(rows(again.history)).toEqual(rows(first.history));
    expect(rows(first.history).map((r) => r['step'])).toEqual([2, 4]);
  });
});
