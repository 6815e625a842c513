import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeTensors } from '@transfusion/arrow-io';
import { defineStage } from '@transfusion/pipeline';
import { StudyError } from '../lib/run-info.js';

/**
 * User-provided pretrained weights (e.g. Keras ImageNet weights converted with tensorflowjs_converter, or an
 * Arrow weights artifact) as the study's source weights, instead of the `pretrain` stage. The file's sha256 is
 * a parameter, so the cache key follows the file's content and a changed file is an error, not a stale result.
 */
export const importWeightsStage = defineStage({
  id: 'import-weights',
  source: import.meta.url,
  description: 'import pretrained weights (tfjs model.json or Arrow weights) as source weights',
  params: z.strictObject({
    /** model.json of a tfjs Layers export, or a `.arrow` weights artifact; relative to the pipeline file. */
    path: z.string().min(1),
    /** sha256 (hex) of that file: `sha256sum FILE`. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (sha256sum FILE)'),
  }),
  inputs: {},
  outputs: { weights: 'any' },
  async run(ctx) {
    const { importLayersModelWeights, loadWeights, SPEC_METADATA_KEY } = await import('@transfusion/models');
    const file = isAbsolute(ctx.params.path) ? ctx.params.path : resolve(ctx.pipelineDir, ctx.params.path);
    const actual = createHash('sha256').update(await readFile(file)).digest('hex');
    if (actual !== ctx.params.sha256) throw new StudyError('STUDY_BAD_INPUT', `${file}: sha256 is ${actual}, but with.sha256 says ${ctx.params.sha256}`);
    const source = file.endsWith('.json') ? await importLayersModelWeights(file) : await loadWeights(file);
    for (const w of (source as { warnings?: string[] }).warnings ?? []) ctx.log(`warning: ${w}`);
    ctx.log(`${Object.keys(source.weights).length} weights from ${file}`);
    await writeTensors(join(ctx.outDir, 'weights.arrow'), source.weights, source.spec ? { [SPEC_METADATA_KEY]: JSON.stringify(source.spec) } : {});
  },
});
