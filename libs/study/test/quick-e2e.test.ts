// End to end: pipelines/quick.yaml (the study's whole graph at toy size) runs in a temp store, is published,
// and its report's results.json is checked against the stage artifacts it was built from.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable, readTensors } from '@transfusion/arrow-io';
import { describe, expect, test } from 'vitest';
import { runPipeline, Store } from '@transfusion/pipeline';
import { publishReport } from '../src/publish.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');
const QUICK = resolve(here, '../../../pipelines/quick.yaml');

interface AucCi {
  value: number;
  ciLow: number;
  ciHigh: number;
}
interface ReportJson {
  findings: {
    id: number | string;
    verdict: string;
    comparisons: { verdict: string; resampled?: string; n?: number[] }[];
  }[];
  tables: { id: string; rows: unknown[] }[];
  similarityTables: { id: string; data: { model: string; comparison: string; layer: string | null; n: number }[] }[];
  figures: { id: string; files: string[] }[];
  input: {
    models: { id: string; stages?: string[] }[];
    runs: {
      id: string;
      model: string;
      init: { kind: string; upTo?: string };
      seed: number;
      task: string;
      data: { regime: string; trainImages: number };
      auc: { macro: AucCi; perLabel: Record<string, AucCi> };
      history: { step: number; metrics: Record<string, number> }[];
      test?: { scores: number[] };
    }[];
    testSets: { task: string; labels: number[]; patients?: string[] }[];
    cca: {
      variant: { method: string };
      betweenModels: {
        model: string;
        comparison: string;
        layer: string;
        seedA: number;
        seedB: number;
        value: number;
      }[];
      initFinal: unknown[];
      initVsFinal: unknown[];
    }[];
    filters: { model: string; init: string; before: { shape: number[] } }[];
    provenance: {
      cacheKeys: { stage: string; key: string }[];
      backend: string;
      datasets: { name: string }[];
      wallSeconds: number;
    };
  };
}

describe('pipelines/quick.yaml end to end', () => {
  test("every stage runs, the report is published to the destination, and every section holds this run's numbers", {
    timeout: 600_000,
  }, async () => {
    // one wasm thread per stage process: with two stages at once on two cores this is the fastest setting
    process.env['TRANSFUSION_THREADS'] = '1';
    const dir = mkdtempSync(join(tmpdir(), 'tf-quick-'));
    const store = join(dir, 'store');
    const out = join(dir, 'out');
    const summary = await runPipeline({ pipelineFile: QUICK, registry: REGISTRY, store, outRoot: out, jobs: 2 });
    expect(summary).toMatchObject({ failed: 0, cached: 0, skipped: [] });
    expect(summary.ran).toBeGreaterThan(40);

    const dest = join(dir, 'reports', 'quick');
    const published = await publishReport({ pipelineFile: QUICK, store, dest });
    for (const f of ['index.html', 'report.md', 'results.json', 'tables/convergence.csv', 'tables/datasets.csv'])
      expect(existsSync(join(dest, f)), f).toBe(true);
    const r = JSON.parse(readFileSync(join(dest, 'results.json'), 'utf8')) as ReportJson;

    // tables 1–3 analogues, every figure family, all seven findings evaluated
    const tables = r.tables.map((t) => t.id);
    expect(tables).toEqual(
      expect.arrayContaining(['table1-retina', 'table3-retina', 'table1-chexpert', 'table2-chexpert']),
    );
    for (const t of r.tables) expect(t.rows.length, t.id).toBeGreaterThan(0);
    const figures = r.figures.map((f) => f.id);
    for (const prefix of ['fig2-', 'fig3-', 'fig4-', 'fig5-', 'fig6-', 'fig7-', 'fig8-'])
      expect(
        figures.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    for (const f of r.figures) for (const file of f.files) expect(existsSync(join(dest, file)), file).toBe(true);
    expect(r.findings.map((f) => String(f.id))).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(r.findings.filter((f) => f.verdict !== 'not measured').length).toBeGreaterThanOrEqual(5);
    for (const f of r.findings)
      expect(['supported', 'contradicted', 'inconclusive', 'not testable', 'not measured']).toContain(f.verdict);
    // AUC comparisons are paired on the test images: every run carries its per-image scores of its task's test set
    expect(r.input.testSets.map((t) => t.task).sort()).toEqual(['chexpert', 'retina']);
    for (const run of r.input.runs) {
      const set = r.input.testSets.find((t) => t.task === run.task)!;
      expect(run.test?.scores.length, run.id).toBe(set.labels.length);
    }
    expect(r.findings[0]!.comparisons.some((c) => c.resampled === 'patients and seeds')).toBe(true);

    // every run of both train groups is in the report, with the AUC the evaluate stage measured
    expect(r.input.runs).toHaveLength(30);
    expect(new Set(r.input.runs.map((x) => x.model))).toEqual(
      new Set(['resnet50', 'resnet50-slim', 'inception-v3', 'cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny']),
    );
    const latest = await (await Store.open(store)).readLatest('quick');
    expect(Object.keys(latest!.stages)).toHaveLength(summary.stages);
    for (const k of r.input.provenance.cacheKeys) expect(latest!.stages[k.stage]).toBe(k.key);
    for (const run of r.input.runs) {
      const [task, model, init, data, seed] = run.id.split('/');
      const group = model!.startsWith('resnet50') ? 'resnet50' : model!; // the Slim hybrid is a resnet50 run
      const initName = init === 'transfusion-block2' && model!.endsWith('-slim') ? 'slim-block2' : init;
      const metrics = await readTable(
        join(
          out,
          'quick',
          `evaluate-${group}.${task}.${initName}.${data}.${seed!.replace('seed', '')}`,
          'metrics.arrow',
        ),
      );
      const rows = metrics
        .toArray()
        .map((x) => x.toJSON() as { metric: string; value: number; ciLow: number; ciHigh: number });
      const macro = rows.find((x) => x.metric === 'auc')!;
      expect(run.auc.macro).toEqual({ value: macro.value, ciLow: macro.ciLow, ciHigh: macro.ciHigh });
      expect(run.auc.macro.ciLow).toBeLessThan(run.auc.macro.ciHigh);
      expect(run.history.length).toBeGreaterThan(0);
      for (const h of run.history) expect(h.metrics['val_auc']).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(r.input.runs.map((x) => x.data.regime))).toEqual(new Set(['full', 'limited']));
    expect(r.input.runs.filter((x) => x.data.regime === 'limited').every((x) => x.data.trainImages === 96)).toBe(true);
    expect(new Set(r.input.runs.map((x) => x.init.kind))).toEqual(
      new Set(['random', 'pretrained', 'meanvar', 'transfusion', 'gabor']),
    );

    // CCA: three named variants, Rand–Rand and Rand–Pretrained pairs for the three captured models (Inception-v3
    // on its 75-px copy of the test images), values from the CCA table
    expect(r.input.cca.map((c) => c.variant.method)).toEqual(['pwcca', 'svcca', 'cka']);
    const sim = (await readTable(join(out, 'quick', 'similarity', 'similarity.arrow')))
      .toArray()
      .map((x) => x.toJSON() as Record<string, unknown>);
    for (const c of r.input.cca) {
      for (const model of ['resnet50', 'inception-v3', 'cbr-small']) {
        for (const comparison of ['rand-rand', 'rand-pretrained'])
          expect(
            c.betweenModels.some((b) => b.model === model && b.comparison === comparison),
            `${c.variant.method} ${model} ${comparison}`,
          ).toBe(true);
      }
      expect(c.initFinal.length).toBeGreaterThan(0);
      expect(c.initVsFinal.length).toBeGreaterThan(0);
      // Fig 4's fits per layer and kind of pair (the CCA stage's comparison column)
      const fits = r.similarityTables.find((t) => t.id === `fig4-fits-${c.variant.method}`)!;
      expect(new Set(fits.data.filter((d) => d.model === 'inception-v3').map((d) => d.comparison))).toEqual(
        new Set(['rand-rand', 'rand-pretrained']),
      );
      expect(fits.data.some((d) => d.model === 'inception-v3' && d.layer === null && d.n > 0)).toBe(true);
      for (const b of c.betweenModels) {
        const row = sim.find(
          (s) =>
            s['analysis'] === 'between' &&
            s['method'] === c.variant.method &&
            s['model'] === b.model &&
            s['layer'] === b.layer &&
            s['seedA'] === b.seedA &&
            s['seedB'] === b.seedB &&
            s['comparison'] === b.comparison,
        );
        expect(row?.['value']).toBe(b.value);
      }
    }

    // each model's stage order from the zoo (the Slim hybrid shares its base model's)
    const stagesOf = (id: string) => r.input.models.find((m) => m.id === id)?.stages;
    expect(stagesOf('inception-v3')).toEqual(['conv1', 'stem', ...Array.from({ length: 11 }, (_, i) => `mixed${i}`)]);
    expect(stagesOf('resnet50-slim')).toEqual(['conv1', 'block1', 'block2', 'block3', 'block4']);
    expect(stagesOf('cbr-small')).toEqual(['layer1', 'layer2', 'layer3', 'layer4']);

    // Fig 5: first-layer kernels of both models, random and pretrained, equal to the snapshot artifact
    expect(r.input.filters.map((f) => `${f.model}/${f.init}`).sort()).toEqual([
      'cbr-small/pretrained',
      'cbr-small/random',
      'resnet50/pretrained',
      'resnet50/random',
    ]);
    const snap = await readTensors(join(out, 'quick', 'filters', 'filters.arrow'));
    expect(r.input.filters[0]!.before.shape).toEqual(snap['0/before']!.shape);

    // provenance: the engine's cache key of every stage, the backend, the three datasets
    expect(r.input.provenance.cacheKeys).toHaveLength(summary.stages);
    expect(published.stages).toBe(summary.stages);
    expect(r.input.provenance.backend).toMatch(/wasm|cpu|tensorflow/);
    expect(r.input.provenance.datasets).toHaveLength(3);
    expect(r.input.provenance.wallSeconds).toBeGreaterThan(0);

    // a rerun is fully cached
    const again = await runPipeline({ pipelineFile: QUICK, registry: REGISTRY, store, outRoot: null, jobs: 2 });
    expect(again).toMatchObject({ ran: 0, cached: summary.stages });
  });
});
