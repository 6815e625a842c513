import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './wasm-heap.js';

/**
 * Sum / Mean over leading axes (batch-norm statistics and their gradients reduce NHWC over N, H, W):
 * upstream transposes the whole tensor first; here rows are accumulated straight into a float64 vector.
 */
export function leadingReduce(kind: 'Sum' | 'Mean', fallback: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) {
      if (!fallback) throw new Error(`${kind} on wasm: no kernel for this case`);
      return fallback({ inputs, backend: b, attrs });
    }
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const inner = x.shape.slice(axes.length);
    const width = inner.reduce((p, d) => p * d, 1);
    const outShape = keepDims ? [...axes.map(() => 1), ...inner] : inner;
    const out = backend.makeOutput(outShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      for (let k = 0; k < width; k++) acc[k]! += src[o + k]!;
    }
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const scale = kind === 'Mean' ? 1 / rows : 1;
    for (let k = 0; k < width; k++) dst[k] = acc[k]! * scale;
    return out;
  };
}
