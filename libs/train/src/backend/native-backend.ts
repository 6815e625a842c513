// The 'native' backend: tfjs's cpu backend under its own name, with the oneDNN kernels of @transfusion/native
// over its kernels. Tensors are ordinary typed arrays, so a step may hold more than the wasm backend's 4 GiB
// heap (ResNet50 at 224 x 224 and batch 16 does not fit there); what the native kernels do not cover runs on
// the cpu backend's JavaScript kernels. Registered once per process; the kernels are shared with 'cpu' by
// copying their configs, so 'cpu' itself stays the pure-JS reference the tests compare against.
import * as tf from '@tensorflow/tfjs';
import { concat, padV2, slice, splitV } from './kernels/slice-pad.js';
import { tile } from './kernels/tile.js';

export const NATIVE_BACKEND = 'native';

let registered = false;

/** Registers the 'native' tfjs backend (cpu kernels only; enableNativeKernels adds the native ones). */
export function registerNativeBackend(): void {
  if (registered) return;
  const cpuFactory = tf.findBackendFactory('cpu');
  if (!cpuFactory) throw new Error("internal: tfjs's cpu backend is not registered");
  // Block copies instead of the cpu backend's element-by-element Slice, PadV2, SplitV, Concat and Tile.
  const faster: Record<string, (fallback: tf.KernelFunc) => tf.KernelFunc> = { Slice: slice, PadV2: padV2, SplitV: splitV, Concat: concat, Tile: tile };
  for (const k of tf.getKernelsForBackend('cpu')) {
    const make = faster[k.kernelName];
    tf.registerKernel({ ...k, backendName: NATIVE_BACKEND, ...(make ? { kernelFunc: make(k.kernelFunc) } : {}) });
  }
  // Priority below the others: only chosen by name (resolveBackend does), never by tfjs on its own.
  tf.registerBackend(NATIVE_BACKEND, cpuFactory, -1);
  registered = true;
}
