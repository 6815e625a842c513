/**
 * Facts about the compute path that change a training stage's numbers in their last bits: whether the native
 * oneDNN kernels serve the backend. Part of the cache key, so results from both paths never mix in one store.
 */
export async function computeFacts(): Promise<Record<string, string>> {
  const { loadNative } = await import('@transfusion/native');
  const native = loadNative();
  return { nativeKernels: native.available ? `oneDNN ${native.dnnlVersion}` : 'none' };
}
