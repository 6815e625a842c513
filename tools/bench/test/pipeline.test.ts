import { describe, expect, test, vi } from 'vitest';
import { main } from '../src/pipeline.js';

describe('bench pipeline', () => {
  test('cold run runs everything, the rerun is fully cached, a one-param change reruns only its dependents', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--stages', '16', '--json'])).toBe(0);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
    const result = JSON.parse(out.join('')) as { stages: number; runs: { run: string; ran: number; cached: number; seconds: number }[] };
    expect(result.stages).toBe(16);
    expect(result.runs.map((r) => [r.run, r.ran, r.cached])).toEqual([
      ['cold', 16, 0],
      ['cached', 0, 16],
      // s7 (layer 1), s12 (layer 2, reads s7), and the fan-in stage (reads s10..s14)
      ['one-param', 3, 13],
    ]);
  });
});
