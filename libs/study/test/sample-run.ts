import type { RunInfo } from '../src/lib/run-info.js';

/** A complete run record (a best-checkpoint wasm run) for the tests of run metadata and the kinds that carry it. */
export const sampleRun: RunInfo = {
  id: 'retina/cbr-small/random/full/seed1',
  model: 'cbr-small',
  init: { kind: 'random' },
  seed: 1,
  task: 'retina',
  dataset: 'retina',
  regime: 'full',
  trainImages: 100,
  labels: ['referable'],
  taskKind: 'binary',
  cost: { params: 1000, flopsPerImage: 2e6, trainSeconds: 3, imagesPerSecond: 50 },
  backend: 'wasm',
  input: 'unit',
  checkpoint: { kind: 'best', step: 20, epoch: 1, monitor: 'val_auc', value: 0.8 },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:03.000Z',
};
