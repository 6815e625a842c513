import { describe, expect, it } from 'vitest';
import { main } from '../src/commands/bench.js';
import { summary } from '../src/commands/bench/train.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) }, out, err };
}

/** `bench train` of one timed step (no warm-up, one thread, no PyTorch peer) printing JSON: a smoke run. */
function oneStep(model: string, size: number, channels: number, batch: number): string[] {
  const numbers = { size, channels, batch, steps: 1, warmup: 0, threads: 1 };
  return [
    'train',
    '--model',
    model,
    ...Object.entries(numbers).flatMap(([flag, n]) => [`--${flag}`, String(n)]),
    '--no-torch',
    '--json',
  ];
}

// A tiny smoke run: checks the JSON contract of `transfusion bench train --json`, never the timings.
describe('transfusion bench train', () => {
  it('prints one JSON object with the contract fields', async () => {
    const c = capture();
    const code = await main([...oneStep('bench-cbr', 16, 1, 4), '--backend', 'wasm'], c.io);
    expect(code).toBe(0);
    expect(c.out).toHaveLength(1);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({
      model: 'bench-cbr',
      size: 16,
      channels: 1,
      batch: 4,
      backend: 'wasm',
      threads: 1,
      torch: null,
      ratio_vs_torch: null,
      cpu_ratio_vs_torch: null,
    });
    for (const k of ['images_per_s', 'gflops_per_s', 'gflop_per_image', 'images_per_cpu_s', 'load_average_1m'])
      expect(typeof r[k]).toBe('number');
    expect(r['images_per_s']).toBeGreaterThan(0);
    // conv/dense forward FLOPs at 16 px are 20,072,960; training = 3x forward minus conv1's input gradient.
    expect(r['gflop_per_image']).toBeCloseTo((3 * 20_072_960 - 2 * 16 * 16 * 25 * 32) / 1e9, 9);
    expect(c.err.join('')).toMatch(/backend: wasm 4\.22\.0/);
  });

  it("trains the zoo's full-width ResNet50 (Keras's parameter count with a 5-way head) and reports its memory", async () => {
    const c = capture();
    const code = await main(oneStep('resnet50', 32, 3, 2), c.io);
    expect(code).toBe(0);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ model: 'resnet50', size: 32, channels: 3, batch: 2, parameters: 23_544_837 });
    expect(r['peak_rss_mib']).toBeGreaterThan(100);
  });

  it('has --help and a one-line summary', async () => {
    const c = capture();
    expect(await main(['train', '--help'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/Usage: transfusion bench train/);
    expect(summary).not.toMatch(/\n/);
  });

  it('returns 2 with a message for bad flags', async () => {
    const a = capture();
    expect(await main(['train', '--size', 'big'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/--size: expected an integer, got 'big'/);
    const b = capture();
    expect(await main(['train', '--model', 'vgg16'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/model/);
    const c = capture();
    expect(await main(['train', '--frobnicate'], c.io)).toBe(2);
  });
});

describe('transfusion bench cca, stream, import-tree, pipeline', () => {
  it('bench cca --json at a tiny size prints one JSON document; bad sizes exit 2', async () => {
    const c = capture();
    expect(
      await main(
        ['cca', '--sizes', '600x8', '--max-datapoints', '500', '--threads', '1', '--no-numpy', '--json'],
        c.io,
      ),
    ).toBe(0);
    const report = JSON.parse(c.out.join('')) as { machine: { cpus: number }; sizes: Record<string, unknown>[] };
    expect(report.sizes[0]).toMatchObject({ n: 600, d: 8, datapoints: 500, threads: 1, numpy: null });
    expect(c.err.join('')).toMatch(/bench cca: end-to-end/);
    const h = capture();
    expect(await main(['cca', '--help'], h.io)).toBe(0);
    expect(h.out.join('')).toMatch(/Usage: transfusion bench cca/);
    const bad = capture();
    expect(await main(['cca', '--sizes', '10000by512'], bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/bad size "10000by512"/);
  });

  it('bench stream: an unknown model exits 2 naming the flag; --help', async () => {
    const c = capture();
    expect(await main(['stream', '--model', 'vgg'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/--model: expected bench-cbr or one of/);
    expect(await main(['stream', '--help'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/Usage: transfusion bench stream/);
    const k = capture();
    expect(await main(['import-tree', '--tree', 'x', '--shard-size', '0'], k.io)).toBe(2);
    expect(k.err.join('')).toMatch(/--shard-size: /);
  });

  it('bench import-tree --json prints the import result', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'cli-bench-tree-'));
    try {
      const c = capture();
      expect(
        await main(
          ['import-tree', '--tree', join(dir, 'tree'), '--files', '12', '--size', '8', '--shard-size', '8', '--json'],
          c.io,
        ),
      ).toBe(0);
      expect(JSON.parse(c.out[0]!)).toMatchObject({ rows: 12, shards: 2, rejected: 0, resumed_at_row: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('unknown benchmarks and no benchmark exit 2; bench pipeline rejects --stages 1', async () => {
    expect(await main(['frobnicate'], capture().io)).toBe(2);
    expect(await main([], capture().io)).toBe(2);
    const p = capture();
    await expect(main(['pipeline', '--stages', '1'], p.io)).resolves.toBe(2);
    expect(p.err.join('')).toMatch(/--stages 1: expected a whole number ≥ 2/);
  });
});
