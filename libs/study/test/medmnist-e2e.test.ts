// pipelines/retinamnist.yaml, unedited, on another MedMNIST file: a small *binary* MedMNIST-format .npz written
// here (PneumoniaMNIST's task and channels), given with --set vars.file=... and vars that only shrink the run.
// Every stage must run, the report must show the file's own task only (no referable task: the file is not
// graded), and bad files must fail at the import naming the file and what was expected.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPipeline, type StageEvent } from '@transfusion/pipeline';
import { writeLearnableMedmnistNpz, writeMedmnistNpz } from '@transfusion/data/testing';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../dist/registry.js');
const PIPELINE = resolve(here, '../../../pipelines/retinamnist.yaml');

/** Only the sizes change: one seed, one epoch, tiny source sets and probes. */
const SMALL = [
  'vars.seeds=[1]',
  'vars.epochs=1',
  'vars.smallEpochs=1',
  'vars.smallData=16',
  'vars.batch=8',
  'vars.evalEvery=2',
  'vars.natural=64',
  'vars.pretrainSteps=2',
  'vars.probe=24',
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tf-medmnist-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('retinamnist.yaml on a binary MedMNIST file', () => {
  test("runs every stage unedited; the report holds the file's binary task only", async () => {
    const file = join(dir, 'pneumoniamnist.npz');
    await writeLearnableMedmnistNpz(file, {
      flag: 'pneumoniamnist',
      counts: { train: 40, val: 16, test: 24 },
      seed: 3,
    });
    const events: StageEvent[] = [];
    const summary = await runPipeline({
      pipelineFile: PIPELINE,
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: join(dir, 'out'),
      jobs: 2,
      sets: [`vars.file=${file}`, ...SMALL],
      observer: { finished: (e) => events.push(e) },
    });
    const failed = events.filter((e) => e.status === 'failed').map((e) => `${e.stage}: ${e.error}`);
    expect(failed).toEqual([]);
    expect(summary.failed).toBe(0);
    const results = JSON.parse(
      readFileSync(join(dir, 'out', 'retinamnist', 'report', 'report', 'results.json'), 'utf8'),
    ) as {
      input: {
        tasks: { id: string; kind: string; labels: string[]; benchmark?: { dataset: string } }[];
        runs: { task: string; model: string; metrics?: Record<string, unknown>; checkpoint?: { kind: string } }[];
      };
    };
    const { tasks, runs } = results.input;
    expect(tasks).toEqual([
      expect.objectContaining({
        id: 'grade',
        kind: 'binary',
        labels: ['pneumonia'],
        benchmark: { suite: 'medmnist-v2', dataset: 'pneumoniamnist' },
      }),
    ]);
    // 7 models × 3 inits, ResNet50's 7 further inits, Inception-v3's 2 transfusion prefixes, 3 models' small-data
    // pair: 36 runs at one seed
    expect(runs.length).toBe(36);
    expect(new Set(runs.map((r) => r.model))).toEqual(
      new Set([
        'resnet50',
        'resnet50-slim',
        'inception-v3',
        'cbr-large-t',
        'cbr-large-w',
        'cbr-small',
        'cbr-tiny',
        'cbr-tiny-32',
      ]),
    );
    expect(
      runs.every(
        (r) =>
          r.task === 'grade' &&
          r.checkpoint?.kind === 'best' &&
          r.metrics?.['acc'] !== undefined &&
          r.metrics['kappa'] === undefined,
      ),
    ).toBe(true);
    const md = readFileSync(join(dir, 'out', 'retinamnist', 'report', 'report', 'report.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('# Transfusion on PneumoniaMNIST (MedMNIST v2): real medical images');
    expect(md).toContain('No published MedMNIST v2 rows are on file for dataset "pneumoniamnist"');
  }, 900_000);
});

describe('bad MedMNIST files fail at the import, naming the file and what was expected', () => {
  const importOnly = async (file: string) => {
    const events: StageEvent[] = [];
    const summary = await runPipeline({
      pipelineFile: PIPELINE,
      registry: REGISTRY,
      store: join(dir, 'bad-store'),
      outRoot: null,
      jobs: 1,
      only: ['medmnist'],
      sets: [`vars.file=${file}`],
      observer: { finished: (e) => events.push(e) },
    });
    expect(summary.failed).toBe(1);
    return events.find((e) => e.stage === 'medmnist')!.error!;
  };
  const image = (n: number, size: number) => new Uint8Array(n * size * size);
  // named like the MedMNIST file, so the task (binary) comes from MedMNIST's table, not from the labels
  const named = (name: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name, 'pneumoniamnist.npz');
  };

  test('not an npz', async () => {
    const file = join(dir, 'notes.npz');
    writeFileSync(file, 'these are my notes, not arrays');
    expect(await importOnly(file)).toMatch(new RegExp(`${file}: not a zip/npz archive`));
  });

  test('a missing split', async () => {
    const file = named('nosplit');
    await writeMedmnistNpz(file, {
      size: 28,
      channels: 1,
      splits: { train: { images: image(4, 28), labels: [0, 1, 0, 1] }, test: { images: image(2, 28), labels: [0, 1] } },
    });
    expect(await importOnly(file)).toMatch(new RegExp(`${file}.*val`));
  });

  test('labels out of range', async () => {
    const file = named('badlabel');
    await writeMedmnistNpz(file, {
      size: 28,
      channels: 1,
      splits: {
        train: { images: image(3, 28), labels: [0, 2, 1] },
        val: { images: image(2, 28), labels: [0, 1] },
        test: { images: image(2, 28), labels: [0, 1] },
      },
    });
    expect(await importOnly(file)).toMatch(new RegExp(`${file}.*train.*row 1.*2`));
  });

  test('an image size no model can take', async () => {
    const file = named('tiny');
    await writeMedmnistNpz(file, {
      size: 4,
      channels: 1,
      splits: {
        train: { images: image(2, 4), labels: [0, 1] },
        val: { images: image(2, 4), labels: [0, 1] },
        test: { images: image(2, 4), labels: [0, 1] },
      },
    });
    expect(await importOnly(file)).toMatch(new RegExp(`${file}.*4.*8 px`));
  });
});
