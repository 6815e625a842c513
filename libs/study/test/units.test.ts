import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { runPipeline, type StageEvent } from '@transfusion/pipeline';
import { modelInfoSchema as reportModelInfo, reportOptionsSchema as reportOptions } from '@transfusion/report';
import { main } from '../src/cli.js';
import { modelInfoSchema, reportOptionsSchema } from '../src/lib/report-schemas.js';
import { parseRunInfo, runOfTable, StudyError, withRun, type RunInfo } from '../src/lib/run-info.js';
import { historyOf, reportRun } from '../src/lib/study-results.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');

const run: RunInfo = {
  id: 'retina/cbr-small/random/full/seed1', model: 'cbr-small', init: { kind: 'random' }, seed: 1, task: 'retina', dataset: 'retina',
  regime: 'full', trainImages: 100, labels: ['referable'], taskKind: 'binary',
  cost: { params: 1000, flopsPerImage: 2e6, trainSeconds: 3, imagesPerSecond: 50 }, backend: 'wasm', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:03.000Z',
};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('run info', () => {
  test('travels as table metadata and comes back equal', () => {
    const t = withRun(tableFromArrays({ step: Int32Array.of(1, 2) }), run);
    expect(runOfTable(t, 'history')).toEqual(run);
    expect(t.numRows).toBe(2);
  });
  test('missing, non-JSON or invalid metadata is a StudyError naming the artifact and field', () => {
    expect(() => parseRunInfo(undefined, 'x.arrow')).toThrow(/x.arrow: no 'transfusion.run' metadata/);
    expect(() => parseRunInfo('{', 'x.arrow')).toThrow(/not JSON/);
    const bad = () => parseRunInfo(JSON.stringify({ ...run, seed: 1.5 }), 'y.arrow');
    expect(bad).toThrow(StudyError);
    expect(bad).toThrow(/y.arrow.*seed/s);
  });
});

describe('report adapters', () => {
  test('history rows become the report history (train loss, val_* metrics, NaN dropped); metrics rows the AUCs', () => {
    const history = withRun(tableFromArrays({ step: Int32Array.of(10, 20), epoch: Int32Array.of(0, 0), lr: Float64Array.of(1e-3, 1e-3), seconds: Float64Array.of(1, 2), train_loss: Float64Array.of(0.7, 0.5), val_auc: Float64Array.of(0.6, NaN), val_loss: Float64Array.of(0.69, 0.6) }), run);
    expect(historyOf(history)).toEqual([
      { step: 10, loss: 0.7, metrics: { val_auc: 0.6, val_loss: 0.69 } },
      { step: 20, loss: 0.5, metrics: { val_loss: 0.6 } },
    ]);
    const metrics = withRun(tableFromArrays({ metric: ['auc', 'auc/referable'], value: Float64Array.of(0.8, 0.8), ciLow: Float64Array.of(0.7, 0.7), ciHigh: Float64Array.of(0.9, 0.9) }), run);
    const r = reportRun(run, history, metrics, 'metrics[0]');
    expect(r.auc).toEqual({ macro: { value: 0.8, ciLow: 0.7, ciHigh: 0.9 }, perLabel: { referable: { value: 0.8, ciLow: 0.7, ciHigh: 0.9 } } });
    expect(r.cost).toEqual(run.cost);
    const none = withRun(tableFromArrays({ metric: ['acc'], value: Float64Array.of(0.8), ciLow: Float64Array.of(0.7), ciHigh: Float64Array.of(0.9) }), run);
    expect(() => reportRun(run, history, none, 'metrics[3]')).toThrow(/metrics\[3\]: no 'auc' row/);
  });

  test.each([
    [{ id: 'a', label: 'A', family: 'cbr' }, true],
    [{ id: 'a', label: 'A', family: 'imagenet', paperModel: 'ResNet-50', hybridOf: 'b' }, true],
    [{ id: 'a', label: 'A', family: 'huge' }, false],
    [{ id: 'a', label: 'A', family: 'cbr', paperModel: 'VGG' }, false],
    [{ id: '', label: 'A', family: 'cbr' }, false],
    [{ id: 'a', label: 'A', family: 'cbr', extra: 1 }, false],
  ])('the model-info mirror agrees with libs/report on %j', (value, ok) => {
    expect(modelInfoSchema.safeParse(value).success).toBe(ok);
    expect(reportModelInfo.safeParse(value).success).toBe(ok);
  });

  test.each([[{ aucTolerance: 0.02 }, true], [{ convergenceThreshold: 0.91 }, true], [{ aucTolerance: 0 }, false], [{ convergenceThreshold: 1 }, false], [{ pngScale: 9 }, false], [{ nope: 1 }, false]])(
    'the report-options mirror agrees with libs/report on %j', (value, ok) => {
      expect(reportOptionsSchema.safeParse(value).success).toBe(ok);
      expect(reportOptions.safeParse(value).success).toBe(ok);
    });
});

describe('study publish CLI', () => {
  test('--help prints usage; no pipeline or an unknown flag is a usage error (2)', async () => {
    const a = io();
    expect(await main(['publish', '--help'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/transfusion study publish <pipeline.yaml>/);
    const b = io();
    expect(await main(['publish'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/expected one pipeline file/);
    const c = io();
    expect(await main(['publish', 'x.yaml', '--bogus'], c.io)).toBe(2);
    const d = io();
    expect(await main(['unpublish'], d.io)).toBe(2);
  });

  test('a pipeline that never ran in the store fails (1) and says to run it first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-publish-'));
    writeFileSync(join(dir, 'p.yaml'), 'stages:\n  a: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 10, size: 16 } } }\n');
    const e = io();
    expect(await main(['publish', join(dir, 'p.yaml'), '--store', join(dir, 'store')], e.io)).toBe(1);
    expect(e.err.join('')).toMatch(/no run of pipeline 'p' yet; run it first/);
  });
});

describe('train stage', () => {
  test('a small-data regime larger than the training split fails with the numbers, and dependents are skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-train-'));
    writeFileSync(join(dir, 'p.yaml'), `stages:
  fundus: { uses: synthetic-dataset, with: { kind: fundus, options: { count: 40, size: 32, seed: 1 } } }
  retina: { uses: prepare-dataset, needs: { dataset: fundus.dataset }, with: { name: retina, referableGrade: 2 } }
  t:
    uses: train
    needs: { dataset: retina.dataset }
    with: { model: cbr-small, architecture: { name: cbr-small, width: 0.125 }, init: random, seed: 1, task: retina, data: limited-5000, training: { maxSteps: 1 } }
  e: { uses: evaluate, needs: { dataset: retina.dataset, weights: t.weights } }
`);
    const events: StageEvent[] = [];
    const summary = await runPipeline({ pipelineFile: join(dir, 'p.yaml'), registry: REGISTRY, store: join(dir, 'store'), outRoot: null, jobs: 2, observer: { finished: (e) => events.push(e) } });
    expect(summary).toMatchObject({ ran: 2, failed: 1, skipped: ['e'] });
    expect(events.find((e) => e.stage === 't')?.error).toMatch(/limited-5000 needs 5000 training images, but the train split has only \d+ images/);
  });
});
