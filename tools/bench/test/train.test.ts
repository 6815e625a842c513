import { describe, expect, it } from 'vitest';
import { main, summary } from '../src/train.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

// A tiny smoke run: checks the JSON contract of `transfusion bench train --json`, never the timings.
describe('bench train', () => {
  it('prints one JSON object with the contract fields', async () => {
    const c = capture();
    const code = await main(['--model', 'bench-cbr', '--size', '16', '--channels', '1', '--batch', '4', '--steps', '1', '--warmup', '0',
      '--backend', 'wasm', '--threads', '1', '--no-torch', '--json'], c.io);
    expect(code).toBe(0);
    expect(c.out).toHaveLength(1);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ model: 'bench-cbr', size: 16, channels: 1, batch: 4, backend: 'wasm', threads: 1, torch: null, ratio_vs_torch: null, cpu_ratio_vs_torch: null });
    for (const k of ['images_per_s', 'gflops_per_s', 'gflop_per_image', 'images_per_cpu_s', 'load_average_1m']) expect(typeof r[k]).toBe('number');
    expect(r['images_per_s']).toBeGreaterThan(0);
    // conv/dense forward FLOPs at 16 px are 20,072,960; training = 3x forward minus conv1's input gradient.
    expect(r['gflop_per_image']).toBeCloseTo((3 * 20_072_960 - 2 * 16 * 16 * 25 * 32) / 1e9, 9);
    expect(c.err.join('')).toMatch(/backend: wasm 4\.22\.0/);
  });

  it("trains the zoo's full-width ResNet50 (Keras's parameter count with a 5-way head) and reports its memory", async () => {
    const c = capture();
    const code = await main(['--model', 'resnet50', '--size', '32', '--channels', '3', '--batch', '2', '--steps', '1', '--warmup', '0',
      '--threads', '1', '--no-torch', '--json'], c.io);
    expect(code).toBe(0);
    const r = JSON.parse(c.out[0]!) as Record<string, unknown>;
    expect(r).toMatchObject({ model: 'resnet50', size: 32, channels: 3, batch: 2, parameters: 23_544_837 });
    expect(r['peak_rss_mib']).toBeGreaterThan(100);
  });

  it('has --help and a one-line summary', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/Usage: transfusion bench train/);
    expect(summary).not.toMatch(/\n/);
  });

  it('returns 2 with a message for bad flags', async () => {
    const a = capture();
    expect(await main(['--size', 'big'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/--size: expected an integer, got 'big'/);
    const b = capture();
    expect(await main(['--model', 'vgg16'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/model/);
    const c = capture();
    expect(await main(['--frobnicate'], c.io)).toBe(2);
  });
});
