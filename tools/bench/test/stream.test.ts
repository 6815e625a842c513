import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '@transfusion/data';
import { benchImportTree } from '../src/import-tree.js';
import { benchStream } from '../src/stream.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Smoke runs at toy size: the result contracts, never the timings.
describe('benchStream', () => {
  it('generates a set, trains on it streamed and reports peak memory and throughput', async () => {
    const file = join(dir, 'set.arrow');
    const r = await benchStream(
      { images: 40, size: 16, channels: 1, model: 'bench-cbr', batch: 4, steps: 3, file, backend: 'wasm' },
      () => undefined,
    );
    expect(r).toMatchObject({
      generateOnly: false,
      images: 40,
      train_images: 32,
      size: 16,
      channels: 1,
      model: 'bench-cbr',
      batch: 4,
      steps: 3,
      generated: true,
      dataset_bytes: 40 * 256,
    });
    if (r.generateOnly) throw new Error('expected a training result');
    for (const k of ['images_per_s', 'peak_rss_bytes', 'reader_thread_jobs'] as const) expect(r[k]).toBeGreaterThan(0);
    expect((await readImageSet(file)).ids).toHaveLength(40);
  });

  it('rejects an unknown model naming the option', async () => {
    await expect(benchStream({ model: 'vgg' }, () => undefined)).rejects.toThrow(
      /^model: expected bench-cbr or one of/,
    );
  });
});

describe('benchImportTree', () => {
  it('writes a tree of PNGs with labels.csv and imports it', async () => {
    const tree = join(dir, 'tree');
    const r = await benchImportTree({ tree, files: 30, size: 8, shardSize: 8 }, () => undefined);
    expect(r).toMatchObject({ generateOnly: false, rows: 30, shards: 4, rejected: 0, resumed_at_row: null });
    expect((await readFile(join(tree, 'labels.csv'), 'utf8')).split('\n')[1]).toBe('img/000/0.png,0,p0,train');
    const set = await readImageSet(`${tree}.arrow`);
    expect([set.height, set.width, set.channels, set.ids.length]).toEqual([8, 8, 3, 30]);
  });
});
