import type * as NativeModule from '@transfusion/native';

/**
 * Facts about the compute path that change a training run's numbers in their last bits: whether the native oneDNN
 * kernels serve the backend, and which build of them (the hash of the addon's C++ sources, so a kernel change
 * reruns training even when no JavaScript changed). A pipeline stage puts them in its cache key, so results from
 * both paths — or from two versions of the kernels — never mix in one store. The backend itself
 * (TRANSFUSION_BACKEND) and TRANSFUSION_NATIVE belong in the stage's `env`. Loads the addon, not a backend.
 */
export async function computeFacts(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  // dynamic, like the kernels themselves (backend/native-kernels.ts): a missing addon package only means 'none'
  let native: typeof NativeModule;
  try {
    native = (await import('@transfusion/native')) as typeof NativeModule;
  } catch {
    return { nativeKernels: 'none' };
  }
  const load = native.loadNative(env);
  return {
    nativeKernels: load.available ? `oneDNN ${load.dnnlVersion}, sources ${load.sources.slice(0, 16)}` : 'none',
  };
}
