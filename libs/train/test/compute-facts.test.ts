import { fileURLToPath } from 'node:url';
import { loadNative } from '@transfusion/native';
import { describe, expect, it } from 'vitest';
import { computeFacts } from '../src/index.js';
import { loadedModules as loadedFrom } from '../../../tools/testing/loaded-modules.js';

describe('computeFacts', () => {
  it('names oneDNN and the addon build when the native kernels can serve training, else none', async () => {
    const load = loadNative();
    const facts = await computeFacts();
    expect(Object.keys(facts)).toEqual(['nativeKernels']);
    if (load.available)
      expect(facts['nativeKernels']).toBe(`oneDNN ${load.dnnlVersion}, sources ${load.sources.slice(0, 16)}`);
    else expect(facts['nativeKernels']).toBe('none');
    expect(await computeFacts({ ...process.env, TRANSFUSION_NATIVE: '0' })).toEqual({ nativeKernels: 'none' });
  });
});

describe("'@transfusion/train/compute-facts' (built entry)", () => {
  it('loads the addon at most, never tfjs: the engine asks it while planning', async () => {
    const urls = loadedFrom('@transfusion/train/compute-facts', fileURLToPath(new URL('..', import.meta.url)));
    expect(urls.some((u) => u.includes('/libs/train/dist/compute-facts.js'))).toBe(true);
    expect(urls.filter((u) => u.includes('/@tensorflow/') || u.includes('apache-arrow'))).toEqual([]);
    const { computeFacts: fromEntry } = await import('@transfusion/train/compute-facts');
    expect(await fromEntry()).toEqual(await computeFacts());
  });
});
