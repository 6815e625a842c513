import { join } from 'node:path';
import { z } from 'zod';
import { writeTensors } from '@transfusion/arrow-io';
import type { ZooModel } from '@transfusion/models';
import { defineStage } from '@transfusion/pipeline';
import { runMetadata, runOfFile, StudyError } from '../lib/run-info.js';
import { trainingComputeFacts } from '../lib/compute-facts.js';
import { activationsKind, activationsMetadata, imageSetKind, weightsKind } from '../lib/artifact-kinds.js';

function bodyStages(zm: ZooModel, wanted: string[] | undefined): { name: string; layer: string }[] {
  const body = zm.stages.filter((s) => s.name !== 'head');
  if (!wanted) return body.map((s) => ({ name: s.name, layer: s.output }));
  return wanted.map((w) => {
    const s = body.find((b) => b.name === w);
    if (!s)
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `stages: '${w}' is not a stage of ${zm.spec.name} (${body.map((b) => b.name).join(', ')})`,
      );
    return { name: s.name, layer: s.output };
  });
}

/**
 * Representations of a run's stages on a fixed probe set (the first `images` test images), at initialisation
 * and after training, in inference mode — the input of the CCA analyses (Figs 2–4). Written as one tensors
 * file: `init/<stage>` and `final/<stage>`, each N×H×W×C, tagged with the run.
 */
export const captureActivationsStage = defineStage({
  id: 'capture-activations',
  source: import.meta.url,
  description: 'stage outputs on a probe set at init and after training, for the CCA analyses',
  params: z.strictObject({
    /** Probe images: the first N of the test split (the same for every run of a task). */
    images: z.number().int().positive().default(256),
    /** Stages to capture (default: every body stage). */
    stages: z.array(z.string().min(1)).min(1).optional(),
  }),
  inputs: { dataset: { kind: imageSetKind }, initial: { kind: weightsKind }, weights: { kind: weightsKind } },
  outputs: { activations: activationsKind },
  env: ['TRANSFUSION_BACKEND', 'TRANSFUSION_NATIVE'],
  runtimeFacts: trainingComputeFacts,
  async run(ctx) {
    const { captureActivations, inputTransformSchema } = await import('@transfusion/train');
    const { loadTaskData } = await import('../lib/task-data.js');
    const { loadTrainedModel } = await import('../lib/trained-model.js');
    const run = await runOfFile(ctx.inputs.weights.path);
    const data = await loadTaskData(ctx.inputs.dataset.path);
    const n = Math.min(ctx.params.images, data.test.size);
    const probe = data.test.head(n);
    const out: Record<string, { dtype: 'float32'; shape: number[]; data: Float32Array }> = {};
    let names: string[] = [];
    try {
      for (const [phase, path] of [
        ['init', ctx.inputs.initial.path],
        ['final', ctx.inputs.weights.path],
      ] as const) {
        const zm = await loadTrainedModel(path);
        const stages = bodyStages(zm, ctx.params.stages);
        names = stages.map((s) => s.name);
        const acts = await captureActivations(
          zm.model,
          probe,
          stages.map((s) => s.layer),
          { input: inputTransformSchema.parse(run.input) },
        );
        for (const s of stages) out[`${phase}/${s.name}`] = acts[s.layer]!;
        zm.model.dispose();
      }
    } finally {
      await data.close();
    }
    ctx.log(`${run.id}: ${names.length} stages on ${n} probe images`);
    await writeTensors(join(ctx.outDir, 'activations.arrow'), out, {
      ...runMetadata(run),
      ...activationsMetadata(names),
    });
  },
});
