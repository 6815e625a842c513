import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackendLike } from './wasm-heap.js';

/**
 * Identity without a copy (upstream copies the buffer; the cpu backend shares it). customGrad, used by every
 * fused conv and by tfjs-layers, wraps each output in an Identity, so this saves a full copy per layer.
 */
export function identity(): KernelFunc {
  return ({ inputs, backend: b }) => {
    const { x } = inputs as { x: TensorInfo };
    (b as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
