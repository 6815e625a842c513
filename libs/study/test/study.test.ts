import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { loadPipelineFile, loadRegistry, planPipeline, runPipeline, PipelineFileError } from '@transfusion/pipeline';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');
const PIPELINES = resolve(here, '../../../pipelines');

describe('study stages', () => {
  test('synthetic datasets are generated into Arrow image sets and summarised per split and label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-study-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:
  fundus:
    uses: synthetic-dataset
    with: { kind: fundus, options: { count: 60, size: 32, seed: 1 } }
  chest:
    uses: synthetic-dataset
    with: { kind: chest, options: { count: 40, size: 32, seed: 1 } }
  summary:
    uses: dataset-summary
    needs: { datasets: [fundus.dataset, chest.dataset] }
`,
    );
    const out = join(dir, 'out');
    const summary = await runPipeline({
      pipelineFile: join(dir, 'p.yaml'),
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: out,
      jobs: 2,
    });
    expect(summary).toMatchObject({ ran: 3, failed: 0 });
    const table = tableFromIPC(readFileSync(join(out, 'p', 'summary', 'summary.arrow')));
    const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const imagesPerSplit = (dataset: string) =>
      new Map(rows.filter((r) => r['dataset'] === dataset).map((r) => [r['split'] as string, r['images'] as number]));
    expect([...imagesPerSplit('fundus').values()].reduce((a, b) => a + b, 0)).toBe(60);
    expect([...imagesPerSplit('chest').values()].reduce((a, b) => a + b, 0)).toBe(40);
    // chest is multi-label with the five CheXpert competition findings
    const chestLabels = new Set(rows.filter((r) => r['dataset'] === 'chest').map((r) => r['label']));
    expect(chestLabels.size).toBe(5);
    for (const r of rows)
      expect((r['positive'] as number) + (r['negative'] as number) + (r['ignored'] as number)).toBeLessThanOrEqual(
        r['images'] as number,
      );
    // a rerun is fully cached; a changed count reruns only that dataset and the summary
    expect(
      await runPipeline({
        pipelineFile: join(dir, 'p.yaml'),
        registry: REGISTRY,
        store: join(dir, 'store'),
        outRoot: null,
      }),
    ).toMatchObject({ cached: 3 });
    const again = await runPipeline({
      pipelineFile: join(dir, 'p.yaml'),
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: null,
      sets: ['stages.chest.with.options.count=50'],
    });
    expect(again).toMatchObject({ cached: 1, ran: 2 });
  });

  test('bad dataset options are rejected before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-study-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:\n  x:\n    uses: synthetic-dataset\n    with: { kind: fundus, options: { count: -1, size: 32 } }\n`,
    );
    const err = await runPipeline({
      pipelineFile: join(dir, 'p.yaml'),
      registry: REGISTRY,
      store: join(dir, 'store'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineFileError);
    expect((err as PipelineFileError).issues[0]!.path).toBe('stages.x.with.options.count');
  });
});

describe('pipelines/', () => {
  const plan = async (name: string, sets: string[] = []) =>
    planPipeline(await loadPipelineFile(join(PIPELINES, name), sets), await loadRegistry(REGISTRY));
  const uses = (p: Awaited<ReturnType<typeof plan>>) => new Set(p.stages.map((s) => s.uses));
  const STUDY_STAGES = [
    'prepare-dataset',
    'dataset-summary',
    'train',
    'evaluate',
    'capture-activations',
    'cca-analysis',
    'filter-snapshot',
    'convergence',
    'report',
  ];

  test.each(['fullstudy.yaml', 'quick.yaml'])(
    '%s plans every stage of the study on the synthetic sets',
    async (name) => {
      const p = await plan(name);
      for (const id of [...STUDY_STAGES, 'synthetic-dataset', 'pretrain']) expect(uses(p), id).toContain(id);
      const train = p.stages.filter((s) => s.uses === 'train');
      const inits = new Set(train.map((s) => String((s.params as { init: string }).init)));
      for (const init of ['random', 'pretrained', 'meanvar', 'gabor', 'slim-block2', 'transfusion-conv1'])
        expect(inits, init).toContain(init);
      expect(train.some((s) => String((s.params as { data: string }).data).startsWith('limited-'))).toBe(true);
      expect(new Set(train.map((s) => (s.params as { task: string }).task))).toEqual(new Set(['retina', 'chexpert']));
      expect(new Set(train.map((s) => (s.params as { seed: number }).seed)).size).toBeGreaterThanOrEqual(2);
      // every evaluation names exactly the training run of the same matrix combination
      for (const e of p.stages.filter((s) => s.uses === 'evaluate')) {
        const ref = e.inputs.find((i) => i.name === 'weights')!.refs[0]!.instance;
        expect(ref.replace(/^train-/, 'evaluate-')).toBe(e.id);
      }
    },
  );

  test('fullstudy.yaml trains the six paper models with random, transfer and Mean Var init, at least two seeds each', async () => {
    const p = await plan('fullstudy.yaml');
    type TrainParams = { architecture: { name: string }; init: string; seed: number; task: string; data: string };
    const runs = p.stages.filter((s) => s.uses === 'train').map((s) => s.params as TrainParams);
    const models = new Set(runs.map((r) => r.architecture.name));
    expect(models).toEqual(
      new Set(['resnet50', 'inception-v3', 'cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny']),
    );
    for (const model of models) {
      for (const init of ['random', 'pretrained', 'meanvar']) {
        const seeds = runs
          .filter((r) => r.architecture.name === model && r.init === init && r.task === 'retina' && r.data === 'full')
          .map((r) => r.seed);
        expect(new Set(seeds).size, `${model} ${init}`).toBeGreaterThanOrEqual(2);
      }
    }
  });

  test.each([
    ['eyepacs.yaml', 'stages.eyepacs.with.options.root=/mnt/eyepacs', 'retina'],
    ['chexpert.yaml', 'stages.chexpert-import.with.options.root=/mnt/chexpert', 'chexpert'],
    ['retinamnist.yaml', 'vars.file=/mnt/pneumoniamnist.npz', 'grade'],
  ])('%s (real data) validates and plans with its data set from the command line', async (name, set, task) => {
    const p = await plan(name, [set]);
    expect(uses(p)).toContain('import-dataset');
    for (const id of STUDY_STAGES) expect(uses(p), id).toContain(id);
    const imported = p.stages.find((s) => s.uses === 'import-dataset')!;
    expect(JSON.stringify(imported.params)).toContain('/mnt/');
    expect(p.stages.filter((s) => s.uses === 'train').every((s) => (s.params as { task: string }).task === task)).toBe(
      true,
    );
    expect(p.stages.filter((s) => s.uses === 'train').length).toBeGreaterThanOrEqual(60);
  });

  test.each(['retinamnist.yaml', 'eyepacs.yaml', 'chexpert.yaml'])(
    "%s trains the paper's models at full width (CBR-Tiny at both widths) with every init and 3 seeds",
    async (name) => {
      const p = await plan(name);
      type TrainParams = {
        architecture: { name: string; width: number };
        init: string;
        seed: number;
        data: string;
        training: { keepBest?: unknown; augment?: unknown };
      };
      const runs = p.stages.filter((s) => s.uses === 'train').map((s) => s.params as TrainParams);
      const models = new Set(runs.map((r) => r.architecture.name));
      expect(models).toEqual(
        new Set(['resnet50', 'inception-v3', 'cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny', 'cbr-tiny-32']),
      );
      expect(runs.every((r) => r.architecture.width === 1)).toBe(true);
      for (const model of models) {
        for (const init of ['random', 'pretrained', 'meanvar']) {
          const seeds = runs
            .filter((r) => r.architecture.name === model && r.init === init && r.data === 'full')
            .map((r) => r.seed);
          expect(new Set(seeds).size, `${model} ${init}`).toBeGreaterThanOrEqual(3);
        }
      }
      const initsOf = (model: string) => new Set(runs.filter((r) => r.architecture.name === model).map((r) => r.init));
      for (const init of [
        'transfusion-conv1',
        'transfusion-block1',
        'transfusion-block2',
        'transfusion-block3',
        'transfusion-block4',
        'slim-block2',
        'gabor',
      ])
        expect(initsOf('resnet50'), init).toContain(init);
      // Inception-v3 by its own stage names: two transfusion prefixes (and its Slim hybrid at paper scale)
      const inception = [
        'random',
        'pretrained',
        'meanvar',
        'transfusion-mixed2',
        'transfusion-mixed7',
        ...(name === 'retinamnist.yaml' ? [] : ['slim-mixed7']),
      ];
      expect(initsOf('inception-v3')).toEqual(new Set(inception));
      for (const init of inception)
        expect(runs.filter((r) => r.architecture.name === 'inception-v3' && r.init === init).length, init).toBe(3);
      // stage and run counts (libs/study/README.md's pipelines table)
      const counts = { 'retinamnist.yaml': [283, 108], 'eyepacs.yaml': [279, 111], 'chexpert.yaml': [243, 93] }[name];
      expect([p.stages.length, runs.length]).toEqual(counts);
      // every Slim model the runs produce (<model>-slim) is a report model, a hybrid of its base
      const reportModels = (
        p.stages.find((s) => s.uses === 'report')!.params as { models: { id: string; hybridOf?: string }[] }
      ).models;
      for (const base of new Set(runs.filter((r) => r.init.startsWith('slim-')).map((r) => r.architecture.name))) {
        expect(reportModels.find((m) => m.id === `${base}-slim`)?.hybridOf, base).toBe(base);
      }
      // the recipe reaches the training loop: augmentation and the best checkpoint by validation AUC
      expect(runs.every((r) => r.training.keepBest !== undefined && r.training.augment !== undefined)).toBe(true);
      // every evaluation names exactly the training run of the same matrix combination
      for (const e of p.stages.filter((s) => s.uses === 'evaluate')) {
        const ref = e.inputs.find((i) => i.name === 'weights')!.refs[0]!.instance;
        expect(ref.replace(/^train-/, 'evaluate-')).toBe(e.id);
      }
    },
  );

  test('retinamnist.yaml reads the shipped copy; models too big for 28 px get upsampled copies; one --set changes the seeds', async () => {
    const p = await plan('retinamnist.yaml');
    const imported = p.stages.find((s) => s.uses === 'import-dataset')!.params as { options: { file: string } };
    expect(resolve(PIPELINES, imported.options.file)).toBe(
      resolve(PIPELINES, '../datasets/retinamnist/retinamnist.npz'),
    );
    const datasetOf = (id: string) => p.byId.get(id)!.inputs.find((i) => i.name === 'dataset')!.refs[0]!.instance;
    expect(datasetOf('train-resnet50.random.1')).toBe('grade-32');
    expect(datasetOf('train-inception-v3.random.1')).toBe('grade-75');
    expect(datasetOf('train-cbr-small.random.1')).toBe('grade');
    expect((p.byId.get('grade-32')!.params as { resize: unknown }).resize).toEqual({
      minSize: 32,
      fit: 'pad',
      channels: 'auto',
    });
    const five = await plan('retinamnist.yaml', ['vars.seeds=[1, 2, 3, 4, 5]']);
    expect(five.stages.filter((s) => s.uses === 'train').length).toBe(
      (p.stages.filter((s) => s.uses === 'train').length / 3) * 5,
    );
  });

  test("retinamnist.yaml takes a user's ImageNet weights for ResNet50 with the README's --set lines", async () => {
    const sha = 'a'.repeat(64);
    const p = await plan('retinamnist.yaml', [
      'stages.pretrain-resnet50.uses=import-weights',
      'stages.pretrain-resnet50.needs={}',
      `stages.pretrain-resnet50.with={path: /weights/r50/model.json, sha256: ${sha}, pretrainedOn: ImageNet (Keras)}`,
    ]);
    const source = p.byId.get('pretrain-resnet50')!;
    expect(source.uses).toBe('import-weights');
    expect(source.params).toEqual({ path: '/weights/r50/model.json', sha256: sha, pretrainedOn: 'ImageNet (Keras)' });
    expect(p.byId.get('train-resnet50.pretrained.1')!.inputs.find((i) => i.name === 'source')!.refs[0]!.instance).toBe(
      'pretrain-resnet50',
    );
    expect(p.stages.filter((s) => s.uses === 'pretrain').length).toBe(6);
  });

  test('no pipeline file holds an absolute AUC threshold for convergence', async () => {
    for (const name of readdirSync(PIPELINES).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(PIPELINES, name), 'utf8');
      expect(text, name).not.toMatch(/convergenceThreshold|thresholds:/);
    }
  });

  test('a bad value in a pipeline is reported with its path before anything runs', async () => {
    const err = await plan('quick.yaml', ['stages.train-resnet50.with.init=bogus']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineFileError);
    const issue = (err as PipelineFileError).issues.find((i) => i.path.startsWith('stages.train-resnet50.with.init'));
    expect(issue?.message).toMatch(/random, pretrained, meanvar, gabor, transfusion-<stage> or slim-<stage>/);
    const err2 = await plan('quick.yaml', ['stages.train-cbr-small.with.data=limited-0']).catch((e: unknown) => e);
    expect((err2 as PipelineFileError).issues.some((i) => i.path === 'stages.train-cbr-small.with.data')).toBe(true);
  });
});
