import { basename, dirname } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';

/**
 * Per dataset, split and label: images, patients, positives, negatives and ignored (masked) labels — the
 * dataset section of the study's provenance, as one table.
 */
export const datasetSummaryStage = defineStage({
  id: 'dataset-summary',
  source: import.meta.url,
  description: 'count images, patients and label values per dataset, split and label',
  params: z.strictObject({}),
  inputs: { datasets: { kind: 'any', many: true } },
  outputs: { summary: 'table' },
  async run(ctx) {
    const { readImageSet, summarizeImageSet } = await import('@transfusion/data');
    const cols = { dataset: [] as string[], split: [] as string[], label: [] as string[], images: [] as number[], patients: [] as number[], positive: [] as number[], negative: [] as number[], ignored: [] as number[] };
    for (const input of ctx.inputs.datasets) {
      const set = await readImageSet(input.path);
      const summary = summarizeImageSet(set);
      // inputs are linked as <name>/<index>-<instance>.arrow: the instance names the dataset
      const dataset = basename(input.path, '.arrow').replace(/^\d+-/, '') || basename(dirname(input.path));
      ctx.log(`${dataset}: ${set.ids.length} images, task ${summary.task.kind}`);
      for (const split of summary.splits) {
        for (const l of split.labels) {
          cols.dataset.push(dataset);
          cols.split.push(split.split);
          cols.label.push(l.name);
          cols.images.push(split.images);
          cols.patients.push(split.patients);
          cols.positive.push(l.positive);
          cols.negative.push(l.negative);
          cols.ignored.push(l.ignored);
        }
      }
    }
    return {
      summary: tableFromArrays({
        dataset: cols.dataset,
        split: cols.split,
        label: cols.label,
        images: Int32Array.from(cols.images),
        patients: Int32Array.from(cols.patients),
        positive: Int32Array.from(cols.positive),
        negative: Int32Array.from(cols.negative),
        ignored: Int32Array.from(cols.ignored),
      }),
    };
  },
});
