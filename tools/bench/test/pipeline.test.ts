import { describe, expect, test } from 'vitest';
import { benchPipeline } from '../src/pipeline.js';

describe('bench pipeline', () => {
  test('cold run runs everything, the rerun is fully cached, a one-param change reruns only its dependents', async () => {
    const log: string[] = [];
    const result = await benchPipeline({ stages: 16 }, (l) => log.push(l));
    expect(result.stages).toBe(16);
    expect(result.runs.map((r) => [r.run, r.ran, r.cached])).toEqual([
      ['cold', 16, 0],
      ['cached', 0, 16],
      // s7 (layer 1), s12 (layer 2, reads s7), and the fan-in stage (reads s10..s14)
      ['one-param', 3, 13],
    ]);
    expect(log).toEqual(['cold...', 'cached...', 'one-param...']);
  });

  test('options are checked by the schema, naming the option', async () => {
    await expect(benchPipeline({ stages: 1 }, () => undefined)).rejects.toThrow(/^stages: /);
  });
});
