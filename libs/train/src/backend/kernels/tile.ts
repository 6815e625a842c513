import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { memoryOf } from '../kernel-memory.js';

/** Tile by copying contiguous rows: each output row of the last dimension is `reps[last]` copies of an input row (wasm and native backends). */
export function tile(fallback: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = memoryOf(b);
    const { x } = inputs as { x: TensorInfo };
    const reps = (attrs as { reps: number[] }).reps;
    if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) {
      if (fallback) return fallback({ inputs, backend: b, attrs });
      throw new Error(`Tile: unsupported dtype ${x.dtype}`);
    }
    const inShape = x.shape;
    const rank = inShape.length;
    const outShape = inShape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    const size = outShape.reduce((a, d) => a * d, 1);
    if (size === 0) return out;
    const src = backend.values(x);
    const dst = backend.values(out);
    if (src.length === inShape[rank - 1]) {
      // Only the last dimension is non-trivial (batch-norm's gradient tiles a [1,1,1,C] vector over N,H,W):
      // write one output row, then double the filled prefix with memmove.
      const rowOut = outShape[rank - 1]!;
      for (let k = 0; k < rowOut; k += src.length) (dst as Float32Array).set(src as Float32Array, k);
      for (let filled = rowOut; filled < size; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, size - filled));
      return out;
    }
    const rowIn = inShape[rank - 1]!;
    const rowOut = outShape[rank - 1]!;
    const inStrides = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * inShape[i + 1]!;
    const rows = size / rowOut;
    const idx = new Array<number>(Math.max(0, rank - 1)).fill(0); // output index over the leading dims
    for (let r = 0; r < rows; r++) {
      let srcOff = 0;
      for (let d = 0; d < rank - 1; d++) srcOff += (idx[d]! % inShape[d]!) * inStrides[d]!;
      const dstOff = r * rowOut;
      if (rowIn >= 8) {
        const row = src.subarray(srcOff, srcOff + rowIn);
        for (let k = 0; k < rowOut; k += rowIn) (dst as Float32Array).set(row as Float32Array, dstOff + k);
      } else {
        for (let k = 0; k < rowOut; k++) dst[dstOff + k] = src[srcOff + (k % rowIn)]!;
      }
      for (let d = rank - 2; d >= 0; d--) {
        if (++idx[d]! < outShape[d]!) break;
        idx[d] = 0;
      }
    }
    return out;
  };
}
