// Slice, PadV2, SplitV and Concat for the native backend by copying contiguous runs of the innermost
// dimensions. The cpu backend's kernels index element by element: slicing ResNet50's padded 224 x 224 stem
// took seconds, and SplitV (the gradient of Inception's channel concatenations) half a minute a step.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { memoryOf } from '../kernel-memory.js';

const numeric = (t: TensorInfo) => t.dtype !== 'string' && t.dtype !== 'complex64';

/**
 * Copies the box `size` starting at `srcStart` of a row-major `srcShape` array into the box starting at
 * `dstStart` of `dstShape`, one contiguous innermost run at a time.
 */
function copyBox(
  src: ArrayLike<number> & { subarray(a: number, b: number): unknown },
  srcShape: number[],
  srcStart: number[],
  dst: { set(a: never, offset: number): void },
  dstShape: number[],
  dstStart: number[],
  size: number[],
): void {
  const rank = size.length;
  if (size.some((d) => d === 0)) return;
  const strides = (shape: number[]) => {
    const s = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
    return s;
  };
  const ss = strides(srcShape);
  const ds = strides(dstShape);
  const run = size[rank - 1]!;
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  const rows = size.slice(0, rank - 1).reduce((p, d) => p * d, 1);
  for (let r = 0; r < rows; r++) {
    let so = srcStart[rank - 1]!;
    let dOff = dstStart[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) {
      so += (srcStart[d]! + idx[d]!) * ss[d]!;
      dOff += (dstStart[d]! + idx[d]!) * ds[d]!;
    }
    dst.set(src.subarray(so, so + run) as never, dOff);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
}

export function slice(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend: b, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    if (!numeric(x) || x.shape.length === 0) return fallback(args);
    const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [$begin, $size] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    tf.slice_util.assertParamsValid(x as tf.Tensor, $begin, $size);
    const memory = memoryOf(b);
    const out = memory.makeOutput($size, x.dtype);
    copyBox(
      memory.values(x),
      x.shape,
      $begin,
      memory.values(out),
      $size,
      $size.map(() => 0),
      $size,
    );
    return out;
  };
}

export function padV2(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend: b, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    if (!numeric(x) || x.shape.length === 0) return fallback(args);
    const { paddings, constantValue } = attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const memory = memoryOf(b);
    const out = memory.makeOutput(outShape, x.dtype);
    const dst = memory.values(out);
    dst.fill(constantValue);
    copyBox(
      memory.values(x),
      x.shape,
      x.shape.map(() => 0),
      dst,
      outShape,
      paddings.map((p) => p[0]),
      x.shape,
    );
    return out;
  };
}

/** SplitV: each output is the box of its share of `axis`. */
export function splitV(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend: b, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    if (!numeric(x) || x.shape.length === 0) return fallback(args);
    const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const memory = memoryOf(b);
    const begin = x.shape.map(() => 0);
    return sizes.map((size) => {
      const shape = x.shape.slice();
      shape[$axis] = size;
      const out = memory.makeOutput(shape, x.dtype);
      copyBox(
        memory.values(x),
        x.shape,
        begin,
        memory.values(out),
        shape,
        shape.map(() => 0),
        shape,
      );
      begin[$axis]! += size;
      return out;
    });
  };
}

/** Concat: each input is copied into its box along `axis`. */
export function concat(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend: b, attrs } = args;
    const xs = Object.values(inputs as Record<string, TensorInfo>);
    const first = xs[0];
    if (!first || first.shape.length === 0 || xs.some((t) => !numeric(t) || t.dtype !== first.dtype))
      return fallback(args);
    const $axis = tf.util.parseAxisParam((attrs as unknown as { axis: number }).axis, first.shape)[0]!;
    const outShape = tf.backend_util.computeOutShape(
      xs.map((t) => t.shape),
      $axis,
    );
    const memory = memoryOf(b);
    const out = memory.makeOutput(outShape, first.dtype);
    const dst = memory.values(out);
    const start = outShape.map(() => 0);
    for (const t of xs) {
      copyBox(
        memory.values(t),
        t.shape,
        t.shape.map(() => 0),
        dst,
        outShape,
        start,
        t.shape,
      );
      start[$axis]! += t.shape[$axis]!;
    }
    return out;
  };
}
