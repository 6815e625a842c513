import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import { inputTransformSchema } from '@transfusion/train/schemas';
import { StudyError } from '../lib/run-info.js';
import { sourceWeightsKind, sourceWeightsMetadata } from '../lib/artifact-kinds.js';

/**
 * User-provided pretrained weights (Keras ImageNet weights as Keras applications ship them in .h5, the same converted
 * with tensorflowjs_converter, or an Arrow weights artifact) as the study's source weights, instead of the `pretrain` stage. The file's sha256 is
 * a parameter, so the cache key follows the file's content and a changed file is an error, not a stale result.
 * The weights keep the input they were trained on — Keras ResNet50 'caffe' and InceptionV3 'tf' are recognised by
 * their layer names; otherwise say it with `preprocessing` — and the train, evaluate and capture stages feed
 * exactly that input (a recipe asking for other input is an error).
 */
export const importWeightsStage = defineStage({
  id: 'import-weights',
  source: import.meta.url,
  description: 'import pretrained weights (Keras .h5, tfjs model.json or Arrow weights) as source weights',
  params: z.strictObject({
    /** A Keras 2 `.h5` weights file, model.json of a tfjs Layers export, or a `.arrow` weights artifact; relative to the pipeline file. */
    path: z.string().min(1),
    /** sha256 (hex) of that file: `sha256sum FILE`. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (sha256sum FILE)'),
    /** The input the weights were trained on, when the file does not say and they are not Keras ResNet50/InceptionV3. */
    preprocessing: inputTransformSchema.optional(),
    /** What they were pretrained on, for the report's labels ("Transfer (pretrained on …)"). */
    pretrainedOn: z.string().min(1).default('ImageNet'),
  }),
  inputs: {},
  outputs: { weights: sourceWeightsKind },
  // Its content is part of the cache key: for a tfjs model.json, with every weight shard it lists (a changed .bin
  // reruns the import, though with.sha256 pins model.json only).
  dataPaths: (p) => [p.path],
  async run(ctx) {
    const { importKerasH5Weights, importLayersModelWeights, loadWeights, saveWeights } = await import(
      '@transfusion/models'
    );
    const p = ctx.params;
    const file = isAbsolute(p.path) ? p.path : resolve(ctx.pipelineDir, p.path);
    const actual = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    if (actual !== p.sha256)
      throw new StudyError('STUDY_BAD_INPUT', `${file}: sha256 is ${actual}, but with.sha256 says ${p.sha256}`);
    const source = /\.(h5|hdf5)$/i.test(file)
      ? await importKerasH5Weights(file)
      : file.endsWith('.json')
        ? await importLayersModelWeights(file)
        : await loadWeights(file);
    for (const w of (source as { warnings?: string[] }).warnings ?? []) ctx.log(`warning: ${w}`);
    if (p.preprocessing && source.preprocessing && p.preprocessing !== source.preprocessing) {
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `with.preprocessing is '${p.preprocessing}', but ${file} says its weights were trained on '${source.preprocessing}' input`,
      );
    }
    const preprocessing = p.preprocessing ?? source.preprocessing;
    if (!preprocessing) {
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `${file}: cannot tell which input these weights were trained on (not Keras ResNet50/InceptionV3, no metadata); set with.preprocessing to one of ${inputTransformSchema.options.join(', ')}`,
      );
    }
    ctx.log(
      `${Object.keys(source.weights).length} weights from ${basename(file)}, trained on '${preprocessing}' input, pretrained on ${p.pretrainedOn}`,
    );
    await saveWeights(join(ctx.outDir, 'weights.arrow'), source.weights, source.spec, {
      preprocessing,
      metadata: sourceWeightsMetadata(p.pretrainedOn),
    });
  },
});
