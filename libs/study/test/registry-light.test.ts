import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../tools/testing/loaded-modules.js';

describe("'@transfusion/study/registry' (built entry)", () => {
  it('loads the stage definitions without tfjs, sharp, DICOM codecs or the native addon (every CLI run loads it)', () => {
    const urls = loadedModules('@transfusion/study/registry', fileURLToPath(new URL('..', import.meta.url)));
    expect(urls.some((u) => u.includes('/libs/study/dist/registry.js'))).toBe(true);
    const heavy = urls.filter((u) => /\/(@tensorflow|sharp|@img|dicom-parser)\/|\/libs\/native\//.test(u));
    expect(heavy).toEqual([]);
  });
});
