import { afterEach, expect, test, vi } from 'vitest';
import { main, summary } from '../src/cca.js';

afterEach(() => vi.restoreAllMocks());

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  return { out: () => out, err: () => err };
}

test('bench cca --json at a tiny size reports timings and values for all four methods', async () => {
  const io = capture();
  const code = await main(['--sizes', '600x8', '--max-datapoints', '500', '--threads', '1', '--no-numpy', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(io.out()) as { machine: { cpus: number }; sizes: Record<string, unknown>[] };
  expect(report.machine.cpus).toBeGreaterThan(0);
  expect(report.sizes).toHaveLength(1);
  const s = report.sizes[0]!;
  expect(s).toMatchObject({ n: 600, d: 8, datapoints: 500, threads: 1, numpy: null });
  const seconds = s.seconds as Record<string, unknown>;
  for (const k of ['generate', 'statistics', 'allFourFromStatistics', 'statisticsPlusAllFour', 'endToEnd']) expect(typeof seconds[k]).toBe('number');
  expect(Object.keys(seconds.alone as object)).toEqual(['mean', 'svcca', 'pwcca', 'cka']);
  const values = s.values as Record<string, number>;
  for (const k of ['mean', 'svcca', 'pwcca', 'cka']) {
    expect(values[k]).toBeGreaterThan(0);
    expect(values[k]).toBeLessThanOrEqual(1);
  }
  expect(io.err()).toMatch(/end-to-end/);
});

test('bench cca --help and bad sizes', async () => {
  const io = capture();
  expect(await main(['--help'])).toBe(0);
  expect(io.out()).toMatch(/Usage: transfusion bench cca/);
  expect(await main(['--sizes', '10000by512'])).toBe(2);
  expect(io.err()).toMatch(/bad size "10000by512"/);
  expect(summary).toMatch(/CCA/);
});
