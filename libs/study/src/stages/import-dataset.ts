import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { aptosOptionsSchema, chexpertOptionsSchema, eyepacsOptionsSchema, importOptionsSchema } from '@transfusion/data';
import { defineStage } from '@transfusion/pipeline';

const common = {
  shardSize: z.number().int().positive().default(512),
};

// mirrors libs/data's MedmnistOptions (its zod schema is not exported)
const medmnistOptionsSchema = z.strictObject({
  file: z.string().min(1),
  splits: z.array(z.enum(['train', 'val', 'test'])).min(1).default(['train', 'val', 'test']),
  limit: z.number().int().min(1).optional(),
});

const params = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('chexpert'), options: chexpertOptionsSchema, import: importOptionsSchema, ...common }),
  z.strictObject({ format: z.literal('eyepacs'), options: eyepacsOptionsSchema, import: importOptionsSchema, ...common }),
  z.strictObject({ format: z.literal('aptos'), options: aptosOptionsSchema, import: importOptionsSchema, ...common }),
  z.strictObject({ format: z.literal('medmnist'), options: medmnistOptionsSchema, ...common }),
]);

/**
 * A user's copy of a real dataset (CheXpert, EyePACS, APTOS, MedMNIST), indexed, decoded and preprocessed by
 * libs/data into the sharded Arrow image set the study's stages read. Paths are relative to the pipeline file
 * unless absolute; pass them with `--set stages.NAME.with.options.root=/data/...`.
 */
export const importDatasetStage = defineStage({
  id: 'import-dataset',
  source: import.meta.url,
  description: 'import a real dataset (chexpert, eyepacs, aptos, medmnist) as an Arrow image set',
  params,
  inputs: {},
  outputs: { dataset: 'any' },
  // The engine fingerprints the dataset into the key (label files by content, images by size and mtime), so
  // editing labels or adding images reruns the import; `touch` an image whose bytes changed in place.
  dataPaths: (p) => [p.format === 'medmnist' ? p.options.file : p.options.root],
  async run(ctx) {
    const data = await import('@transfusion/data');
    const p = ctx.params;
    const abs = (f: string) => (isAbsolute(f) ? f : resolve(ctx.pipelineDir, f));
    const file = join(ctx.outDir, 'dataset.arrow');
    if (p.format === 'medmnist') {
      const set = await data.readMedmnist({ ...p.options, file: abs(p.options.file) });
      await data.writeImageSet(file, set, p.shardSize);
      ctx.log(`medmnist: ${set.ids.length} images`);
      return;
    }
    const options = { ...p.options, root: abs(p.options.root) };
    const manifest = p.format === 'chexpert' ? await data.loadChexpert(options as z.input<typeof chexpertOptionsSchema>)
      : p.format === 'eyepacs' ? await data.loadEyepacs(options as z.input<typeof eyepacsOptionsSchema>)
        : await data.loadAptos(options as z.input<typeof aptosOptionsSchema>);
    const result = await data.importManifestToArrow(manifest, file, { ...p.import, shardSize: p.shardSize });
    ctx.log(`${p.format}: ${JSON.stringify(result).slice(0, 200)}`);
  },
});
