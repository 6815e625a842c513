import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { loadPipelineFile, loadRegistry, planPipeline, runPipeline, PipelineFileError } from '@transfusion/pipeline';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');
const PIPELINES = resolve(here, '../../../pipelines');

describe('study stages', () => {
  test('synthetic datasets are generated into Arrow image sets and summarised per split and label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-study-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `stages:
  fundus:
    uses: synthetic-dataset
    with: { kind: fundus, options: { count: 60, size: 32, seed: 1 } }
  chest:
    uses: synthetic-dataset
    with: { kind: chest, options: { count: 40, size: 32, seed: 1 } }
  summary:
    uses: dataset-summary
    needs: { datasets: [fundus.dataset, chest.dataset] }
`,
    );
    const out = join(dir, 'out');
    const summary = await runPipeline({ pipelineFile: join(dir, 'p.yaml'), registry: REGISTRY, store: join(dir, 'store'), outRoot: out, jobs: 2 });
    expect(summary).toMatchObject({ ran: 3, failed: 0 });
    const table = tableFromIPC(readFileSync(join(out, 'p', 'summary', 'summary.arrow')));
    const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const imagesPerSplit = (dataset: string) =>
      new Map(rows.filter((r) => r['dataset'] === dataset).map((r) => [r['split'] as string, r['images'] as number]));
    expect([...imagesPerSplit('fundus').values()].reduce((a, b) => a + b, 0)).toBe(60);
    expect([...imagesPerSplit('chest').values()].reduce((a, b) => a + b, 0)).toBe(40);
    // chest is multi-label with the five CheXpert competition findings
    const chestLabels = new Set(rows.filter((r) => r['dataset'] === 'chest').map((r) => r['label']));
    expect(chestLabels.size).toBe(5);
    for (const r of rows) expect((r['positive'] as number) + (r['negative'] as number) + (r['ignored'] as number)).toBeLessThanOrEqual(r['images'] as number);
    // a rerun is fully cached; a changed count reruns only that dataset and the summary
    expect(await runPipeline({ pipelineFile: join(dir, 'p.yaml'), registry: REGISTRY, store: join(dir, 'store'), outRoot: null })).toMatchObject({ cached: 3 });
    const again = await runPipeline({ pipelineFile: join(dir, 'p.yaml'), registry: REGISTRY, store: join(dir, 'store'), outRoot: null, sets: ['stages.chest.with.options.count=50'] });
    expect(again).toMatchObject({ cached: 1, ran: 2 });
  });

  test('bad dataset options are rejected before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-study-'));
    writeFileSync(join(dir, 'p.yaml'), `stages:\n  x:\n    uses: synthetic-dataset\n    with: { kind: fundus, options: { count: -1, size: 32 } }\n`);
    const err = await runPipeline({ pipelineFile: join(dir, 'p.yaml'), registry: REGISTRY, store: join(dir, 'store') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineFileError);
    expect((err as PipelineFileError).issues[0]!.path).toBe('stages.x.with.options.count');
  });
});

describe('pipelines/', () => {
  test.each(['fullstudy.yaml'])('%s validates and plans against the study registry', async (name) => {
    const plan = planPipeline(await loadPipelineFile(join(PIPELINES, name)), await loadRegistry(REGISTRY));
    expect(plan.stages.length).toBeGreaterThan(0);
  });
});
