// The 'native' backend: tfjs's cpu backend under its own name, with the oneDNN kernels of @transfusion/native
// over its kernels. Tensors are ordinary typed arrays, so a step may hold more than the wasm backend's 4 GiB
// heap (ResNet50 at 224 x 224 and batch 16 does not fit there); what the native kernels do not cover runs on
// the cpu backend's JavaScript kernels. Registered once per process; the kernels are shared with 'cpu' by
// copying their configs, so 'cpu' itself stays the pure-JS reference the tests compare against.
import type { BackendValues, DataId } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { isPooled, recycleBuffer } from './buffer-pool.js';
import type { CpuBackendLike } from './kernel-memory.js';
import { overrideKernel } from './kernel-override.js';
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
  const faster: Record<string, (fallback: tf.KernelFunc) => tf.KernelFunc> = {
    Slice: slice,
    PadV2: padV2,
    SplitV: splitV,
    Concat: concat,
    Tile: tile,
  };
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
  for (const [name, make] of Object.entries(faster)) overrideKernel(name, NATIVE_BACKEND, { make });
  // Priority below the others: only chosen by name (resolveBackend does), never by tfjs on its own.
  tf.registerBackend(NATIVE_BACKEND, cpuFactory, -1);
  registered = true;
}

/** The cpu backend methods the buffer pool hooks into. */
interface Disposing extends CpuBackendLike {
  disposeData(dataId: DataId, force?: boolean): boolean;
  readSync(dataId: DataId): BackendValues;
  read(dataId: DataId): Promise<BackendValues>;
}

const pooled = new WeakSet<object>();

/**
 * Hooks the active native backend instance into the buffer pool (once per instance): a disposed tensor's
 * pooled buffer goes back to the pool, and reads of pooled buffers return copies.
 */
export function poolNativeBuffers(): void {
  const b = tf.findBackend(NATIVE_BACKEND) as unknown as Disposing | null;
  if (!b || pooled.has(b)) return;
  pooled.add(b);
  const dispose = b.disposeData.bind(b);
  const readSync = b.readSync.bind(b);
  b.disposeData = (dataId, force) => {
    const values = b.data.get(dataId)?.values;
    const gone = dispose(dataId, force);
    if (gone && values !== undefined && !b.data.has(dataId)) recycleBuffer(values);
    return gone;
  };
  b.readSync = (dataId) => {
    const v = readSync(dataId);
    return isPooled(v) ? v.slice() : v;
  };
  b.read = async (dataId) => b.readSync(dataId);
}
