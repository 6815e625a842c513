import { expect, test } from 'vitest';
import { benchCca, type BenchCcaSize } from '../src/cca.js';

test('benchCca at a tiny size reports timings and values for all four methods', async () => {
  const log: string[] = [];
  const sizes: BenchCcaSize[] = [];
  const report = await benchCca(
    { sizes: [[600, 8]], maxDatapoints: 500, threads: 1, numpy: false },
    (l) => log.push(l),
    (s) => sizes.push(s),
  );
  expect(report.machine.cpus).toBeGreaterThan(0);
  expect(report.sizes).toHaveLength(1);
  expect(sizes).toEqual(report.sizes); // each size is reported as soon as it is measured
  const s = report.sizes[0]!;
  expect(s).toMatchObject({ n: 600, d: 8, datapoints: 500, threads: 1, numpy: null });
  for (const k of ['generate', 'statistics', 'allFourFromStatistics', 'statisticsPlusAllFour', 'endToEnd'] as const)
    expect(typeof s.seconds[k]).toBe('number');
  expect(Object.keys(s.seconds.alone)).toEqual(['mean', 'svcca', 'pwcca', 'cka']);
  for (const k of ['mean', 'svcca', 'pwcca', 'cka']) {
    expect(s.values[k]).toBeGreaterThan(0);
    expect(s.values[k]).toBeLessThanOrEqual(1);
  }
  expect(log.join('\n')).toMatch(/end-to-end/);
});

test('bad sizes are rejected naming the option', async () => {
  await expect(benchCca({ sizes: [[4, 8]] }, () => undefined)).rejects.toThrow(/^sizes\.0\.0: /);
});
