// The contract between the study and the libs: every stage param that configures a lib's function is that lib's
// own exported schema object (composed with .extend/.pick where the study adds its fields), so an option a lib
// offers is reachable from a pipeline file and checked by the lib — no mirrored copy that can drift.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { convOptionsSchema, similarityOptionsSchema } from '@transfusion/cca/schemas';
import {
  chestOptionsSchema,
  fundusOptionsSchema,
  importDatasetOptionsSchema,
  naturalOptionsSchema,
  resizeOptionsSchema,
  shardSizeSchema,
} from '@transfusion/data/schemas';
import { architectureSchema } from '@transfusion/models/schemas';
import { loadPipelineFile, loadRegistry, planPipeline, PipelineFileError } from '@transfusion/pipeline';
import { modelInfoSchema, reportOptionsSchema, taskSchema } from '@transfusion/report/schemas';
import {
  evaluationCiOptionsSchema,
  inputTransformSchema,
  resumeOptionsSchema,
  trainingRecipeSchema,
} from '@transfusion/train/schemas';
import {
  ccaAnalysisStage,
  evaluateStage,
  importDatasetStage,
  importWeightsStage,
  prepareDatasetStage,
  pretrainStage,
  reportStage,
  syntheticDatasetStage,
  trainStage,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');
const PIPELINES = resolve(here, '../../../pipelines');

type Shape = Record<string, z.ZodType>;
/** The schema inside a `.optional()`, `.default()` or `.prefault()` wrapper. */
const inner = (s: z.ZodType): z.ZodType => (s as unknown as { unwrap(): z.ZodType }).unwrap();

describe('stage params are the libs’ schema objects', () => {
  test('train and pretrain: the architecture is @transfusion/models’s, the recipe and resume interval @transfusion/train’s', () => {
    for (const stage of [trainStage, pretrainStage]) {
      const shape = stage.params.shape as Shape;
      expect(shape['architecture'], stage.id).toBe(architectureSchema);
      const training = (shape['training'] as z.ZodObject).shape as Shape;
      for (const [key, field] of Object.entries(trainingRecipeSchema.shape)) {
        // `input` alone is the study's: left out, it follows the source weights
        if (key === 'input') expect(inner(training[key]!)).toBe(inputTransformSchema);
        else expect(training[key], `${stage.id} training.${key}`).toBe(field);
      }
      expect(Object.keys(training).sort()).toEqual(Object.keys(trainingRecipeSchema.shape).sort());
      expect(inner(shape['checkpointEvery']!)).toBe(resumeOptionsSchema.shape.every);
    }
  });

  test('evaluate: @transfusion/train’s bootstrap options, with the study’s default and minimum number of replicates', () => {
    const bootstrap = (inner((evaluateStage.params.shape as Shape)['bootstrap']!) as z.ZodObject).shape as Shape;
    expect(Object.keys(bootstrap).sort()).toEqual(Object.keys(evaluationCiOptionsSchema.shape).sort());
    for (const key of ['level', 'seed', 'byPatient'] as const)
      expect(bootstrap[key], key).toBe(evaluationCiOptionsSchema.shape[key]);
    expect(evaluateStage.params.parse({}).bootstrap).toEqual({ replicates: 1000, level: 0.95, seed: 0 });
    expect(evaluateStage.params.safeParse({ bootstrap: { replicates: 49 } }).error?.issues[0]?.path).toEqual([
      'bootstrap',
      'replicates',
    ]);
  });

  test('dataset stages: @transfusion/data’s import union, resize options and synthetic-set options', () => {
    expect(importDatasetStage.params).toBe(importDatasetOptionsSchema);
    expect(inner((prepareDatasetStage.params.shape as Shape)['resize']!)).toBe(resizeOptionsSchema);
    expect((prepareDatasetStage.params.shape as Shape)['shardSize']).toBe(shardSizeSchema);
    for (const o of syntheticDatasetStage.params.options) expect(o.shape.shardSize).toBe(shardSizeSchema);
    const byKind = new Map(syntheticDatasetStage.params.options.map((o) => [o.shape.kind.value, o.shape.options]));
    expect(byKind).toEqual(
      new Map<string, z.ZodType>([
        ['natural', naturalOptionsSchema],
        ['fundus', fundusOptionsSchema],
        ['chest', chestOptionsSchema],
      ]),
    );
    expect(inner((importWeightsStage.params.shape as Shape)['preprocessing']!)).toBe(inputTransformSchema);
  });

  test('cca-analysis: every similarity option of @transfusion/cca, and its conv options', () => {
    const shape = ccaAnalysisStage.params.shape as Shape;
    for (const [key, field] of Object.entries(similarityOptionsSchema.shape)) expect(shape[key], key).toBe(field);
    const conv = (inner(shape['conv']!) as z.ZodObject).shape as Shape;
    expect(conv['mode']).toBe(convOptionsSchema.shape.mode);
    expect(conv['seed']).toBe(convOptionsSchema.shape.seed);
    // the study's default subsample (4000) on the lib's field
    expect(inner(conv['maxDatapoints']!)).toBe(inner(convOptionsSchema.shape.maxDatapoints));
    expect(ccaAnalysisStage.params.parse({}).conv).toEqual({ mode: 'flatten', maxDatapoints: 4000, seed: 1 });
  });

  test('report: @transfusion/report’s options, model info and task fields', () => {
    const shape = reportStage.params.shape as Shape;
    expect(inner(shape['options']!)).toBe(reportOptionsSchema);
    expect((shape['models'] as z.ZodArray).element).toBe(modelInfoSchema);
    const task = ((shape['tasks'] as z.ZodArray).element as z.ZodObject).shape as Shape;
    for (const key of ['id', 'paperSetting', 'description'] as const)
      expect(task[key], key).toBe(taskSchema.shape[key]);
    const benchmark = (inner(task['benchmark']!) as z.ZodObject).shape as Shape;
    expect(benchmark['suite']).toBe(taskSchema.shape.benchmark.unwrap().shape.suite);
  });
});

describe('options the study used to drop are reachable from a pipeline file', () => {
  const plan = async (file: string, sets: string[] = []) =>
    planPipeline(await loadPipelineFile(file, sets), await loadRegistry(REGISTRY));

  test("cca-analysis takes @transfusion/cca's svccaDims and svccaCriterion (the study offered svccaKeep only)", async () => {
    const p = await plan(join(PIPELINES, 'quick.yaml'), [
      'stages.similarity.with.svccaDims=20',
      'stages.similarity.with.svccaCriterion=singular',
    ]);
    const params = p.stages.find((s) => s.id === 'similarity')!.params;
    expect(params).toMatchObject({
      svccaDims: 20,
      svccaCriterion: 'singular',
      svccaKeep: 0.99,
      conv: { maxDatapoints: 2000 },
    });
    const err = await plan(join(PIPELINES, 'quick.yaml'), ['stages.similarity.with.svccaCriterion=most']).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PipelineFileError);
    expect((err as PipelineFileError).issues.map((i) => i.path)).toContain('stages.similarity.with.svccaCriterion');
  });

  test("evaluate takes @transfusion/train's byPatient (the study offered resamples, level and seed only)", async () => {
    const p = await plan(join(PIPELINES, 'quick.yaml'), ['defaults.evaluate.bootstrap.byPatient=false']);
    const evaluate = p.stages.filter((s) => s.uses === 'evaluate');
    expect(evaluate.length).toBeGreaterThan(0);
    for (const s of evaluate)
      expect(s.params).toMatchObject({ bootstrap: { replicates: 200, level: 0.95, seed: 0, byPatient: false } });
  });

  test("a train stage's init object is checked by @transfusion/models's initStrategySchema when the file is loaded", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-contract-'));
    const file = (init: string) => {
      writeFileSync(
        join(dir, 'p.yaml'),
        `stages:
  data:
    uses: synthetic-dataset
    with: { kind: fundus, options: { count: 20, size: 32 } }
  run:
    uses: train
    needs: { dataset: data.dataset }
    with: { model: cbr-tiny, architecture: { name: cbr-tiny, width: 0.25 }, init: ${init}, seed: 1, task: retina, training: {} }
`,
      );
      return join(dir, 'p.yaml');
    };
    const ok = await plan(file('{ strategy: random, scheme: he }'));
    expect(ok.stages.find((s) => s.id === 'run')!.params).toMatchObject({ init: { strategy: 'random', scheme: 'he' } });
    const err = await plan(file('{ strategy: meanvar, batchNorm: bogus }')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineFileError);
    expect((err as PipelineFileError).issues.map((i) => i.path)).toContain('stages.run.with.init.batchNorm');
  });
});
