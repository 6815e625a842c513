import { join } from 'node:path';
import { z } from 'zod';
import {
  chestOptionsSchema,
  fundusOptionsSchema,
  naturalOptionsSchema,
  shardSizeSchema,
} from '@transfusion/data/schemas';
import { defineStage } from '@transfusion/pipeline';
import { imageSetKind } from '../lib/artifact-kinds.js';

const params = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('natural'), options: naturalOptionsSchema, shardSize: shardSizeSchema }),
  z.strictObject({ kind: z.literal('fundus'), options: fundusOptionsSchema, shardSize: shardSizeSchema }),
  z.strictObject({ kind: z.literal('chest'), options: chestOptionsSchema, shardSize: shardSizeSchema }),
]);

/**
 * One of the built-in synthetic demo sets (libs/data documents what determines each label), generated from a
 * seed and streamed into a sharded Arrow dataset artifact: `natural` stands in for ImageNet, `fundus` for
 * retinal DR grading, `chest` for CheXpert-like multi-label findings.
 */
export const syntheticDatasetStage = defineStage({
  id: 'synthetic-dataset',
  source: import.meta.url,
  description: 'generate a synthetic demo dataset (natural, fundus or chest) as a sharded Arrow image set',
  params,
  inputs: {},
  outputs: { dataset: imageSetKind },
  async run(ctx) {
    const { kind, options, shardSize } = ctx.params;
    const { writeSyntheticSet } = await import('@transfusion/data');
    let last = 0;
    const result = await writeSyntheticSet(
      kind,
      options,
      join(ctx.outDir, 'dataset.arrow'),
      shardSize,
      (done, total) => {
        if (done === total || done - last >= total / 10) {
          last = done;
          ctx.log(`${kind}: ${done}/${total} images`);
        }
      },
    );
    ctx.log(`${kind}: ${result.rows} images in ${result.shards} shards`);
  },
});
