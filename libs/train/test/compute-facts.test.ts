import { loadNative } from '@transfusion/native';
import { describe, expect, it } from 'vitest';
import { computeFacts } from '../src/index.js';

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
