import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './wasm-heap.js';

/**
 * MaxPoolGrad (upstream: recomputes each window per input pixel): one pass over the windows, tracking the
 * first maximum per channel (the cpu backend's strict '>' tie rule) and adding dy there.
 */
export function maxPoolGrad(fallback: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: 'same' | 'valid' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (input.dtype !== 'float32' || input.shape.length !== 4) {
      if (fallback) return fallback({ inputs, backend: b, attrs });
      throw new Error('MaxPoolGrad on wasm: expected a float32 NHWC input');
    }
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const {
      batchSize: n,
      inHeight: h,
      inWidth: w,
      inChannels: c,
      outHeight: oh,
      outWidth: ow,
      strideHeight: sh,
      strideWidth: sw,
    } = info;
    const fh = info.effectiveFilterHeight;
    const fw = info.effectiveFilterWidth;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const out = backend.makeOutput(input.shape, 'float32');
    const x = backend.typedArrayFromHeap(input) as Float32Array;
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    const dx = backend.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    const best = new Float32Array(c);
    const where = new Int32Array(c);
    for (let bi = 0; bi < n; bi++) {
      for (let i = 0; i < oh; i++) {
        const r0 = i * sh - top;
        for (let j = 0; j < ow; j++) {
          const c0 = j * sw - left;
          best.fill(-Infinity);
          where.fill(-1);
          for (let r = Math.max(0, r0); r < Math.min(h, r0 + fh); r++) {
            for (let q = Math.max(0, c0); q < Math.min(w, c0 + fw); q++) {
              const off = ((bi * h + r) * w + q) * c;
              for (let k = 0; k < c; k++) {
                const v = x[off + k]!;
                if (v > best[k]!) {
                  best[k] = v;
                  where[k] = off + k;
                }
              }
            }
          }
          const go = ((bi * oh + i) * ow + j) * c;
          for (let k = 0; k < c; k++) if (where[k]! >= 0) dx[where[k]!]! += g[go + k]!;
        }
      }
    }
    return out;
  };
}
