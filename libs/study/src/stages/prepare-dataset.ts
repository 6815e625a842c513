import { join } from 'node:path';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import { StudyError } from '../lib/run-info.js';

/**
 * Preprocessing into the study's task: a graded set becomes the paper's binary referable task
 * (grade ≥ `referableGrade`, RETINA / EyePACS); other sets pass through unchanged (their labels already are
 * the task, e.g. the five CheXpert findings). `name` becomes the dataset name shown in the report.
 */
export const prepareDatasetStage = defineStage({
  id: 'prepare-dataset',
  source: import.meta.url,
  description: 'turn a dataset into a study task (graded → referable binary, or as is)',
  params: z.strictObject({
    name: z.string().min(1),
    /** Graded sets only: "grade ≥ k" as one binary label `referable` (referable DR: 2). */
    referableGrade: z.number().int().min(1).optional(),
    shardSize: z.number().int().positive().default(512),
  }),
  inputs: { dataset: { kind: 'any' } },
  outputs: { dataset: 'any' },
  async run(ctx) {
    const { name, referableGrade, shardSize } = ctx.params;
    const { readImageSet, toBinaryFromGrade, writeImageSet } = await import('@transfusion/data');
    let set = await readImageSet(ctx.inputs.dataset.path);
    if (referableGrade !== undefined) {
      if (set.task.kind !== 'multiclass') throw new StudyError('STUDY_BAD_INPUT', `${ctx.inputs.dataset.path}: referableGrade needs a graded (multiclass) dataset, got a ${set.task.kind} one`);
      set = toBinaryFromGrade(set, referableGrade, 'referable');
    }
    set = { ...set, name };
    await writeImageSet(join(ctx.outDir, 'dataset.arrow'), set, shardSize);
    ctx.log(`${name}: ${set.ids.length} images, ${set.task.kind} (${set.task.names.join(', ')})`);
  },
});
