import { join } from 'node:path';
import { z } from 'zod';
import { architectureSchema, initStrategySchema, type InitStrategy } from '@transfusion/models/schemas';
import { defineStage } from '@transfusion/pipeline';
import { StudyError, withRun, type ReportInit, type RunInfo } from '../lib/run-info.js';
import { taskIdSchema } from '../lib/task-data-schema.js';
import { checkpointEverySchema, initParamSchema, trainingSchema } from '../lib/schemas.js';
import { trainingComputeFacts } from '../lib/compute-facts.js';
import { architectureStages, checkInitStage, initName } from '../lib/init-stage.js';
import { historyKind, imageSetKind, pretrainedOnOf, sourceWeightsKind, weightsKind } from '../lib/artifact-kinds.js';

const params = z.strictObject({
  /** The model's id in the study (e.g. `resnet50`); Slim runs get `<model>-slim`. The report groups runs by it. */
  model: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lowercase id'),
  architecture: architectureSchema,
  /**
   * A @transfusion/models init strategy (its seed defaults to the run's seed), or its short name as a matrix
   * value: `random`, `pretrained`, `meanvar`, `gabor`, `transfusion-<stage>` or `slim-<stage>`, where <stage> is a body
   * stage of the model (ResNet50: conv1, block1..block4; Inception-v3: conv1, stem, mixed0..mixed10).
   */
  init: initParamSchema,
  seed: z.number().int().nonnegative(),
  /** Task id for the report (the dataset artifact decides the labels). */
  task: taskIdSchema,
  /** `full`, or `limited-N`: only the first N training images (the small-data regime, Table 3). */
  data: z
    .string()
    .regex(/^(full|limited-[1-9][0-9]*)$/, "'full' or 'limited-N'")
    .default('full'),
  training: trainingSchema,
  checkpointEvery: checkpointEverySchema,
});

function initOf(init: string | Record<string, unknown>, seed: number): Record<string, unknown> {
  if (typeof init !== 'string') return { seed, ...init };
  const dash = init.indexOf('-');
  return dash < 0 ? { strategy: init, seed } : { strategy: init.slice(0, dash), upTo: init.slice(dash + 1), seed };
}

/** The report's name for an init strategy; Slim counts as transfusion up to its last pretrained stage. */
function reportInit(init: InitStrategy): ReportInit {
  switch (init.strategy) {
    case 'random':
    case 'pretrained':
    case 'meanvar':
    case 'gabor':
      return { kind: init.strategy };
    case 'transfusion':
    case 'slim':
      return { kind: 'transfusion', upTo: init.upTo };
  }
}

/**
 * One training run of the study: a model × init × seed (× data size) on a medical task. Builds the model for
 * the dataset, initialises it (from the pretrained `source` when the init needs one), trains it with validation
 * every `evalEvery` steps, and writes the weights at init and after training plus the history, each tagged
 * with the run (model, init, seed, task, regime, cost) for the stages downstream. Resumable: every
 * `checkpointEvery` steps the whole training state goes to the engine's working folder, and a killed run picks up
 * from there.
 */
export const trainStage = defineStage({
  id: 'train',
  source: import.meta.url,
  description: 'train one (model, init, seed, data size) run; weights at init and after training, and the history',
  params,
  inputs: { dataset: { kind: imageSetKind }, source: { kind: sourceWeightsKind, optional: true } },
  outputs: { initial: weightsKind, weights: weightsKind, history: historyKind },
  env: ['TRANSFUSION_BACKEND', 'TRANSFUSION_NATIVE'],
  runtimeFacts: trainingComputeFacts,
  async run(ctx) {
    const p = ctx.params;
    // heavy libs (tfjs) load only in the process that runs this stage, not with the registry
    const { getWeights, loadWeights, minimumInputSide, stageNamesOf } = await import('@transfusion/models');
    const { loadTaskData } = await import('../lib/task-data.js');
    const { historyTable, trainOnTaskData, writeWeights } = await import('../lib/training.js');
    const parsedInit = initStrategySchema.safeParse(initOf(p.init, p.seed));
    if (!parsedInit.success) throw new StudyError('STUDY_BAD_INPUT', `init: ${z.prettifyError(parsedInit.error)}`);
    const init = parsedInit.data as InitStrategy;
    checkInitStage(
      init,
      initName(p.init),
      p.architecture.name,
      architectureStages(p.architecture, stageNamesOf(p.architecture.name)),
    );
    const kind = reportInit(init);
    const sourcePath = (ctx.inputs as { source?: { path: string } }).source?.path;
    const needs = init.strategy !== 'random' && init.strategy !== 'gabor';
    if (needs && !sourcePath)
      throw new StudyError('STUDY_BAD_INPUT', `init '${init.strategy}' needs pretrained weights: add needs.source`);
    const source = sourcePath ? await loadWeights(sourcePath) : undefined;
    const regime = p.data === 'full' ? 'full' : 'limited';
    const limit = regime === 'limited' ? Number(p.data.slice('limited-'.length)) : undefined;
    const model = init.strategy === 'slim' ? `${p.model}-slim` : p.model;
    const data = await loadTaskData(ctx.inputs.dataset.path, limit);
    const minimum = minimumInputSide(p.architecture.name);
    if (data.size < minimum) {
      await data.close();
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `${ctx.inputs.dataset.path}: images are ${data.size} px, but ${p.architecture.name} needs at least ${minimum} px; give it a copy upsampled by prepare-dataset (with: { resize: { minSize: ${minimum} } })`,
      );
    }
    ctx.log(
      `${model} ${init.strategy} seed ${p.seed}: ${data.train.size} train / ${data.val.size} val images (streamed)`,
    );
    const startedAt = new Date().toISOString();
    const trained = await trainOnTaskData(
      data,
      {
        architecture: p.architecture,
        init,
        source,
        training: p.training,
        seed: p.seed,
        checkpointEvery: p.checkpointEvery,
      },
      ctx,
    );
    const { epoch, step, kind: which, monitor, value } = trained.checkpoint;
    const pretrainedOn = sourcePath ? await pretrainedOnOf(sourcePath) : undefined;
    const run: RunInfo = {
      id: `${p.task}/${model}/${kind.kind}${kind.kind === 'transfusion' ? `-${kind.upTo}` : ''}/${p.data}/seed${p.seed}`,
      model,
      init: kind,
      seed: p.seed,
      task: p.task,
      dataset: data.dataset || p.task,
      regime,
      trainImages: data.train.size,
      labels: data.labels,
      taskKind: data.kind,
      cost: {
        params: trained.params,
        flopsPerImage: trained.flopsPerImage,
        trainSeconds: trained.seconds,
        imagesPerSecond: Math.max(trained.imagesPerSecond, 1e-9),
      },
      backend: trained.backend,
      input: trained.input,
      checkpoint: {
        kind: which,
        step,
        epoch,
        ...(monitor !== undefined ? { monitor } : {}),
        ...(value !== undefined ? { value } : {}),
      },
      ...(pretrainedOn && init.strategy !== 'random' ? { transferSource: pretrainedOn } : {}),
      ...(data.provenance.format === 'medmnist' && data.provenance.flag ? { medmnistFlag: data.provenance.flag } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    await writeWeights(join(ctx.outDir, 'initial.arrow'), trained.initial, trained.zm, { input: trained.input, run });
    await writeWeights(join(ctx.outDir, 'weights.arrow'), getWeights(trained.zm), trained.zm, {
      input: trained.input,
      run,
    });
    const best = trained.history.find((h) => h.step === step)?.metrics ?? {};
    ctx.log(
      `done in ${trained.seconds.toFixed(1)} s; kept the ${which === 'best' ? `best ${monitor} evaluation` : 'last step'} (step ${step}): val_auc ${best['val_auc']?.toFixed(4) ?? 'n/a'}`,
    );
    return { history: withRun(historyTable(trained.history), run) };
  },
});
