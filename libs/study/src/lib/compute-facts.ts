/**
 * Facts about the compute path that change a training stage's numbers in their last bits: whether the native
 * oneDNN kernels serve the backend, and which build of them (the hash of the addon's C++ sources, so a kernel
 * change reruns training even when no JavaScript changed). Part of the cache key, so results from both paths —
 * or from two versions of the kernels — never mix in one store.
 */
export async function computeFacts(): Promise<Record<string, string>> {
  const { loadNative } = await import('@transfusion/native');
  const native = loadNative();
  return { nativeKernels: native.available ? `oneDNN ${native.dnnlVersion}, sources ${native.sources.slice(0, 16)}` : 'none' };
}

/** The same for the CCA analyses: OpenBLAS/LAPACK or the TypeScript kernels (equal to ~1e-12, not bit for bit). */
export async function linalgFacts(): Promise<Record<string, string>> {
  const { loadLinalg, loadNative } = await import('@transfusion/native');
  const la = loadLinalg();
  const native = loadNative();
  return { linalg: la.available ? `OpenBLAS ${la.version}, sources ${native.available ? native.sources.slice(0, 16) : 'unknown'}` : 'typescript' };
}
