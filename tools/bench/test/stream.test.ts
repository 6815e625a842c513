import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '@transfusion/data';
import { main as importTree } from '../src/import-tree.js';
import { main as stream } from '../src/stream.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Smoke runs at toy size: the JSON contracts, never the timings.
describe('bench stream', () => {
  it('generates a set, trains on it streamed and reports peak memory and throughput', async () => {
    const c = capture();
    const file = join(dir, 'set.arrow');
    const code = await stream(['--images', '40', '--size', '16', '--channels', '1', '--model', 'bench-cbr', '--batch', '4', '--steps', '3',
      '--file', file, '--backend', 'wasm', '--json'], c.io);
    expect(c.err.join('')).not.toMatch(/bench stream:/);
    expect(code).toBe(0);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ images: 40, train_images: 32, size: 16, channels: 1, model: 'bench-cbr', batch: 4, steps: 3, generated: true, dataset_bytes: 40 * 256 });
    for (const k of ['images_per_s', 'peak_rss_bytes', 'reader_thread_jobs']) expect(r[k]).toBeGreaterThan(0);
    expect((await readImageSet(file)).ids).toHaveLength(40);
  });

  it('rejects an unknown model and has --help', async () => {
    const c = capture();
    expect(await stream(['--model', 'vgg'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/--model: expected bench-cbr or one of/);
    expect(await stream(['--help'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/Usage: transfusion bench stream/);
  });
});

describe('bench import-tree', () => {
  it('writes a tree of PNGs with labels.csv and imports it', async () => {
    const c = capture();
    const tree = join(dir, 'tree');
    const code = await importTree(['--tree', tree, '--files', '30', '--size', '8', '--shard-size', '8', '--json'], c.io);
    expect(code).toBe(0);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ rows: 30, shards: 4, rejected: 0, resumed_at_row: null });
    expect((await readFile(join(tree, 'labels.csv'), 'utf8')).split('\n')[1]).toBe('img/000/0.png,0,p0,train');
    const set = await readImageSet(`${tree}.arrow`);
    expect([set.height, set.width, set.channels, set.ids.length]).toEqual([8, 8, 3, 30]);
  });
});
