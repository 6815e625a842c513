import { isAbsolute, join, resolve } from 'node:path';
import { importDatasetOptionsSchema, type ImportDatasetOptions } from '@transfusion/data/schemas';
import { defineStage } from '@transfusion/pipeline';
import { imageSetKind } from '../lib/artifact-kinds.js';

/**
 * A user's dataset in any format libs/data reads — a CSV plus an image folder (path column, label columns,
 * optional patient column), one folder per class, a DICOM folder, CheXpert, EyePACS, APTOS or any 2D MedMNIST
 * file — indexed, decoded and preprocessed (size, minSize, fit/crop, channels) into the sharded Arrow image set
 * the study's stages read. Splits are patient-level wherever the data has patients (a patient column, DICOM
 * PatientID, EyePACS's both eyes). Paths are relative to the pipeline file unless absolute.
 */
export const importDatasetStage = defineStage({
  id: 'import-dataset',
  source: import.meta.url,
  description: 'import a dataset (csv, folder, dicom, medmnist, chexpert, eyepacs, aptos) as an Arrow image set',
  params: importDatasetOptionsSchema,
  inputs: {},
  outputs: { dataset: imageSetKind },
  // The engine fingerprints the dataset into the key (label files by content, images by size and mtime), so
  // editing labels or adding images reruns the import; `touch` an image whose bytes changed in place.
  dataPaths: (p) => [p.format === 'medmnist' ? p.options.file : p.options.root],
  async run(ctx) {
    const { importDataset } = await import('@transfusion/data');
    const abs = (f: string) => (isAbsolute(f) ? f : resolve(ctx.pipelineDir, f));
    const p = ctx.params;
    const options: ImportDatasetOptions =
      p.format === 'medmnist'
        ? { ...p, options: { ...p.options, file: abs(p.options.file) } }
        : ({ ...p, options: { ...p.options, root: abs(p.options.root) } } as ImportDatasetOptions);
    let shown = 0;
    let shownAt = 0;
    // Finished shards stay in the engine's work folder for this key: an interrupted import, rerun, continues there.
    const result = await importDataset(
      options,
      join(ctx.outDir, 'dataset.arrow'),
      ({ done, total }) => {
        if (done === total || done - shown >= total / 100 || performance.now() - shownAt > 5000) {
          shown = done;
          shownAt = performance.now();
          ctx.log(`${p.format}: ${done}/${total} images`);
        }
      },
      {
        workDir: ctx.workDir,
        onResume: ({ shards, rows }) =>
          ctx.log(`${p.format}: resuming: ${shards} shards (${rows} index rows) done by an earlier attempt`),
      },
    );
    const task = `${result.task.kind}${result.task.ordinal ? ' (ordinal)' : ''}: ${result.task.names.join(', ')}`;
    ctx.log(`${p.format}: ${result.rows} images in ${result.shards} shards; task ${task}`);
    for (const [why, n] of Object.entries(result.filtered)) ctx.log(`left out on purpose: ${n} rows (${why})`);
    if (result.rejected.length) {
      ctx.log(`rejected ${result.rejected.length} rows, e.g.:`);
      for (const r of result.rejected.slice(0, 10)) ctx.log(`  ${r.file}:${r.line} ${r.id}: ${r.reason}: ${r.message}`);
    }
  },
});
