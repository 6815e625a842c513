import { join } from 'node:path';
import { z } from 'zod';
import { resizeOptionsSchema, shardSizeSchema } from '@transfusion/data/schemas';
import { defineStage } from '@transfusion/pipeline';
import { StudyError } from '../lib/run-info.js';
import { imageSetKind, type ImageSetProvenance } from '../lib/artifact-kinds.js';

/**
 * Preprocessing into the study's task:
 * - `referableGrade: k` turns a graded set into the paper's binary referable task (grade ≥ k, trained as binary);
 * - `scoreReferable: { grade: k }` keeps an ordinal set's grades (trained with a softmax head) and also scores the
 *   referable task P(grade ≥ k) from the graded model; on a set that is not graded (a binary or multi-label
 *   MedMNIST file) there is no referable task, and the stage says so;
 * - `resize` (libs/data, sharp): `minSize` upsamples images smaller than a model's minimum input (ResNet50 32 px,
 *   Inception-v3 75 px), `size` resizes to that side, `channels` converts grey/RGB.
 * Other sets pass through unchanged (their labels already are the task, e.g. the five CheXpert findings). `name`
 * becomes the dataset name shown in the report.
 */
export const prepareDatasetStage = defineStage({
  id: 'prepare-dataset',
  source: import.meta.url,
  description: 'turn a dataset into a study task (graded → referable binary or scored, resized, or as is)',
  params: z
    .strictObject({
      /** The dataset's name in the report (default: its current name, e.g. the MedMNIST flag). */
      name: z.string().min(1).optional(),
      /** Graded sets only: "grade ≥ k" as one binary label `referable` (referable DR: 2). */
      referableGrade: z.number().int().min(1).optional(),
      /** Ordinal sets: also score "grade ≥ k" from the graded model (ignored, with a log line, for other sets). */
      scoreReferable: z.strictObject({ grade: z.number().int().min(1) }).optional(),
      resize: resizeOptionsSchema.optional(),
      shardSize: shardSizeSchema,
    })
    .refine(
      (p) => p.referableGrade === undefined || p.scoreReferable === undefined,
      'referableGrade (a binary task) and scoreReferable (graded task, referable scored) exclude each other',
    ),
  inputs: { dataset: { kind: imageSetKind } },
  outputs: { dataset: imageSetKind },
  async run(ctx) {
    const { referableGrade, scoreReferable, resize, shardSize } = ctx.params;
    const { readImageSet, resizeImageSet, toBinaryFromGrade, writeImageSet } = await import('@transfusion/data');
    const path = ctx.inputs.dataset.path;
    let set = await readImageSet(path);
    const name = ctx.params.name ?? set.name;
    if (referableGrade !== undefined) {
      if (set.task.kind !== 'multiclass')
        throw new StudyError(
          'STUDY_BAD_INPUT',
          `${path}: referableGrade needs a graded (multiclass) dataset, got a ${set.task.kind} one`,
        );
      set = toBinaryFromGrade(set, referableGrade, 'referable');
    }
    if (scoreReferable !== undefined) {
      const { grade } = scoreReferable;
      if (set.task.kind === 'multiclass' && set.task.ordinal) {
        if (grade >= set.task.names.length)
          throw new StudyError(
            'STUDY_BAD_INPUT',
            `${path}: scoreReferable.grade is ${grade}, but the set has grades 0..${set.task.names.length - 1}`,
          );
        set = { ...set, meta: { ...set.meta, referableGrade: String(grade) } satisfies ImageSetProvenance };
        ctx.log(`${name}: referable task P(grade ≥ ${grade}) scored from the graded model`);
      } else {
        ctx.log(
          `${name}: the task is ${set.task.kind}${set.task.kind === 'multiclass' ? ' (not ordinal)' : ''}, not graded: no referable task (scoreReferable applies to ordinal grades)`,
        );
      }
    }
    if (resize !== undefined) {
      const before = `${set.height}×${set.width}×${set.channels}`;
      set = await resizeImageSet(set, resize);
      ctx.log(`${name}: ${before} → ${set.height}×${set.width}×${set.channels} (${JSON.stringify(resize)})`);
    }
    set = { ...set, name };
    await writeImageSet(join(ctx.outDir, 'dataset.arrow'), set, shardSize);
    ctx.log(
      `${name}: ${set.ids.length} images, ${set.task.kind}${set.task.ordinal ? ' (ordinal)' : ''} (${set.task.names.join(', ')})`,
    );
  },
});
