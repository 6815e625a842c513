import { describe, expect, test, vi } from 'vitest';

// A machine whose addon was built without OpenBLAS: the loader reports why, as @transfusion/native would.
vi.mock('@transfusion/native', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@transfusion/native')>()),
  loadLinalg: () => ({
    available: false,
    reason: 'OpenBLAS headers not found (cblas.h, openblas_config.h; apt-get install libopenblas-dev)',
  }),
}));

const { CcaError, compare, pairMoments, resolveLinalg, similarityFromMoments } = await import('../src/index.js');
const { uniform } = await import('./helpers.js');

describe('without native linear algebra', () => {
  test("'auto' falls back to TypeScript and says why once; results are unaffected", async () => {
    vi.stubEnv('TRANSFUSION_NATIVE', 'auto'); // whatever the suite runs under
    const writes = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const [x, y] = [uniform(1, 200, 6), uniform(2, 200, 5)];
    expect(resolveLinalg('auto').kind).toBe('typescript');
    const auto = await compare(x, y, 'mean,cka');
    const ts = similarityFromMoments(pairMoments(x, y, 'A', 'B', 'typescript'), ['mean', 'cka'], {
      linalg: 'typescript',
    });
    auto.forEach((r, i) => expect(r.value).toBeCloseTo(ts[i]!.value, 12));
    const notices = writes.mock.calls
      .map((c) => String(c[0]))
      .filter((s) => s.startsWith('native linear algebra unavailable'));
    expect(notices).toEqual([
      'native linear algebra unavailable: OpenBLAS headers not found (cblas.h, openblas_config.h; apt-get install libopenblas-dev); using the TypeScript path\n',
    ]);
    writes.mockRestore();
    vi.unstubAllEnvs();
  });

  test("'native' and TRANSFUSION_NATIVE=1 turn the missing library into an error naming the reason", () => {
    vi.stubEnv('TRANSFUSION_NATIVE', 'auto');
    expect(() => resolveLinalg('native')).toThrow(CcaError);
    expect(() => resolveLinalg('native')).toThrow('native linear algebra unavailable: OpenBLAS headers not found');
    expect(() => resolveLinalg('auto', 2, { TRANSFUSION_NATIVE: '1' })).toThrow('(TRANSFUSION_NATIVE=1 requires it)');
    const [x, y] = [uniform(1, 50, 3), uniform(2, 50, 3)];
    expect(() => pairMoments(x, y, 'A', 'B', 'native')).toThrow(
      expect.objectContaining({ code: 'CCA_LINALG_UNAVAILABLE' }) as Error,
    );
    vi.unstubAllEnvs();
  });
});
