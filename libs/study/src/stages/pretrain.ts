import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import { architectureSchema } from '@transfusion/models/schemas';
import { checkpointEverySchema, trainingSchema } from '../lib/schemas.js';
import { trainingComputeFacts } from '../lib/compute-facts.js';
import { imageSetKind, sourceHistoryKind, sourceWeightsKind, type ImageSetProvenance } from '../lib/artifact-kinds.js';

/** What a source set is called in the report's labels ("Transfer (pretrained on …)"). */
function describeSourceSet(name: string, provenance: ImageSetProvenance): string {
  return provenance.generator === 'synthetic-natural' ? 'the synthetic natural set' : name;
}

/**
 * Source pretraining: the study's stand-in for ImageNet weights. Trains a model from random init on the
 * natural-image-like set (a multi-class task) and writes its weights with the model spec, the input they were
 * trained on and what they were pretrained on, ready for the pretrained, Mean Var, transfusion, Slim and Gabor
 * inits of the train stage. Resumable like the train stage (`checkpointEvery`).
 */
export const pretrainStage = defineStage({
  id: 'pretrain',
  source: import.meta.url,
  description: 'pretrain a model on the natural (source) set: the stand-in for ImageNet weights',
  params: z.strictObject({
    architecture: architectureSchema,
    seed: z.number().int().nonnegative(),
    training: trainingSchema,
    checkpointEvery: checkpointEverySchema,
  }),
  inputs: { dataset: { kind: imageSetKind } },
  outputs: { weights: sourceWeightsKind, history: sourceHistoryKind },
  env: ['TRANSFUSION_BACKEND', 'TRANSFUSION_NATIVE'],
  runtimeFacts: trainingComputeFacts,
  async run(ctx) {
    const p = ctx.params;
    const { getWeights } = await import('@transfusion/models');
    const { loadTaskData } = await import('../lib/task-data.js');
    const { historyTable, trainOnTaskData, writeWeights } = await import('../lib/training.js');
    const data = await loadTaskData(ctx.inputs.dataset.path);
    ctx.log(`pretraining ${p.architecture.name} on ${data.train.size} images (streamed), ${data.classes} classes`);
    const trained = await trainOnTaskData(
      data,
      {
        architecture: p.architecture,
        init: { strategy: 'random', seed: p.seed },
        training: p.training,
        seed: p.seed,
        checkpointEvery: p.checkpointEvery,
      },
      ctx,
    );
    await writeWeights(join(ctx.outDir, 'weights.arrow'), getWeights(trained.zm), trained.zm, {
      input: trained.input,
      pretrainedOn: describeSourceSet(data.dataset, data.provenance),
    });
    const last = trained.history.at(-1)?.metrics ?? {};
    ctx.log(
      `pretrained in ${trained.seconds.toFixed(1)} s: val_auc ${last['val_auc']?.toFixed(4) ?? 'n/a'}, val_acc ${last['val_acc']?.toFixed(4) ?? 'n/a'}`,
    );
    return { history: historyTable(trained.history) };
  },
});
