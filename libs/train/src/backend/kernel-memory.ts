// Where a kernel's tensors live, for the native kernels that serve two tfjs backends: the wasm backend keeps
// every tensor on its heap (one 4 GiB WebAssembly memory), the native backend (tfjs's cpu backend) in ordinary
// typed arrays. The kernels only need to allocate an output and see a tensor's float32 values in place.
import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { takeBuffer } from './buffer-pool.js';
import type { TypedArray, WasmBackendLike } from './kernels/wasm-heap.js';

export interface KernelMemory {
  /** A new tensor owned by the backend, contents undefined (every kernel writes all of its outputs). */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** The tensor's values, in place (valid until the next allocation on wasm, which may grow the heap). */
  values(t: TensorInfo): TypedArray;
  f32(t: TensorInfo): Float32Array;
  incRef(dataId: DataId): void;
}

/** The parts of tfjs's MathBackendCPU used here (its class is not exported from @tensorflow/tfjs). */
export interface CpuBackendLike {
  data: { get(dataId: DataId): { values?: unknown; refCount?: number } | undefined; has(dataId: DataId): boolean };
  makeTensorInfo(shape: number[], dtype: DataType, values?: TypedArray): TensorInfo;
  incRef(dataId: DataId): void;
}

function isWasm(b: object): b is WasmBackendLike {
  return typeof (b as Partial<WasmBackendLike>).typedArrayFromHeap === 'function';
}

export function memoryOf(backend: unknown): KernelMemory {
  const b = backend as object;
  if (isWasm(b)) {
    return {
      makeOutput: (shape, dtype) => b.makeOutput(shape, dtype),
      values: (t) => b.typedArrayFromHeap(t),
      f32: (t) => b.typedArrayFromHeap(t) as Float32Array,
      incRef: (id) => b.incRef(id),
    };
  }
  const cpu = b as CpuBackendLike;
  const values = (t: TensorInfo): TypedArray => {
    const v = cpu.data.get(t.dataId)?.values;
    if (!(v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array))
      throw new Error(`internal: a ${t.dtype} tensor holds no numeric values`);
    return v;
  };
  return {
    makeOutput: (shape, dtype) => {
      const size = tf.util.sizeFromShape(shape);
      return cpu.makeTensorInfo(
        shape,
        dtype,
        dtype === 'float32' ? takeBuffer(size) : tf.util.getTypedArrayFromDType(dtype as 'int32', size),
      );
    },
    values,
    f32: (t) => {
      const v = values(t);
      if (!(v instanceof Float32Array)) throw new Error(`internal: a ${t.dtype} tensor where float32 was expected`);
      return v;
    },
    incRef: (id) => cpu.incRef(id),
  };
}
