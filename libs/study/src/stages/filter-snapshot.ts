import { join } from 'node:path';
import { z } from 'zod';
import { writeTensors, type Tensor } from '@transfusion/arrow-io';
import { defineStage } from '@transfusion/pipeline';
import { runOfFile, StudyError } from '../lib/run-info.js';
import { filtersKind, filtersMetadata, weightsKind, type FilterEntry } from '../lib/artifact-kinds.js';

/**
 * Fig 5: the first conv layer's kernels ([kh, kw, in, out]) of each given run before and after training, in one
 * file for the report's filter grids. `initial[i]` and `weights[i]` must be the same run (checked).
 */
export const filterSnapshotStage = defineStage({
  id: 'filter-snapshot',
  source: import.meta.url,
  description: "runs' first-layer conv kernels before and after training (Fig 5)",
  params: z.strictObject({}),
  inputs: { initial: { kind: weightsKind, many: true }, weights: { kind: weightsKind, many: true } },
  outputs: { filters: filtersKind },
  async run(ctx) {
    const { buildModel, loadWeights, weightSpecs } = await import('@transfusion/models');
    const { optionsOfSpec } = await import('../lib/trained-model.js');
    const { initial, weights } = ctx.inputs;
    if (initial.length !== weights.length)
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `needs: ${initial.length} initial but ${weights.length} trained weights; list the same runs in both`,
      );
    const entries: FilterEntry[] = [];
    const tensors: Record<string, Tensor> = {};
    for (const [i, w] of weights.entries()) {
      const run = await runOfFile(w.path);
      const before = await loadWeights(initial[i]!.path);
      const runBefore = await runOfFile(initial[i]!.path);
      if (runBefore.id !== run.id)
        throw new StudyError(
          'STUDY_BAD_INPUT',
          `needs.initial[${i}] is run ${runBefore.id} but needs.weights[${i}] is ${run.id}`,
        );
      const after = await loadWeights(w.path);
      if (!after.spec) throw new StudyError('STUDY_BAD_ARTIFACT', `${w.path}: no model spec in the metadata`);
      // the zero-initialised build is only for names and shapes
      const first = weightSpecs(buildModel(optionsOfSpec(after.spec), { initialWeights: 'zeros' })).find(
        (s) => s.layerClass === 'Conv2D' && s.kind === 'kernel',
      );
      const b = first && before.weights[first.name];
      const a = first && after.weights[first.name];
      if (!first || !a || !b)
        throw new StudyError(
          'STUDY_BAD_ARTIFACT',
          `${w.path}: no first conv kernel in both the initial and the trained weights of ${run.id}`,
        );
      tensors[`${i}/before`] = b;
      tensors[`${i}/after`] = a;
      entries.push({ run, layer: first.layer });
      ctx.log(`${run.id}: ${first.name} [${a.shape.join(', ')}]`);
    }
    await writeTensors(join(ctx.outDir, 'filters.arrow'), tensors, filtersMetadata(entries));
  },
});
