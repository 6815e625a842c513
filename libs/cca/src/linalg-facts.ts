import { loadLinalg, loadNative } from '@transfusion/native';

/**
 * Facts about the linear-algebra path that change the analyses' numbers in their last bits: OpenBLAS/LAPACK (and
 * which build of the addon: the hash of its C++ sources) or the TypeScript kernels, which agree to ~1e-12 but not
 * bit for bit. A pipeline stage puts them in its cache key, so results of both paths never mix in one store.
 */
export function linalgFacts(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const la = loadLinalg(env);
  const native = loadNative(env);
  return {
    linalg: la.available
      ? `OpenBLAS ${la.version}, sources ${native.available ? native.sources.slice(0, 16) : 'unknown'}`
      : 'typescript',
  };
}
