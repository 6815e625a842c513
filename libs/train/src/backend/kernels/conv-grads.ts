// Convolution gradients through XNNPACK's forward Conv2D (see ../wasm-kernels.ts for the formulas).
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { disposeAll, rawConv, slice, transpose, type WasmBackendLike } from './wasm-heap.js';

interface ConvGeometry {
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  outHeight: number;
  outWidth: number;
  inHeight: number;
  inWidth: number;
  filterHeight: number;
  filterWidth: number;
}

function geometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap): ConvGeometry | undefined {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as {
    strides: [number, number] | number;
    pad: 'same' | 'valid' | number | number[][];
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (dataFormat === 'NCHW') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad as never,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
  };
}
/** dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[b,oh,ow,co] */
export function conv2dBackpropFilter(fallback: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = (attrs as { filterShape: number[] }).filterShape;
    const g = geometry(x.shape, filterShape, attrs as NamedAttrMap);
    if (!g) {
      if (fallback) return fallback({ inputs, backend: b, attrs });
      throw new Error("Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only");
    }
    const [kh, kw] = filterShape as [number, number];
    // Rows/cols of x the forward pass never read (stride remainder) would make the output too tall:
    // trim the bottom/right padding first, then crop whatever is still extra.
    const spanH = (g.outHeight - 1) * g.strideH + 1;
    const spanW = (g.outWidth - 1) * g.strideW + 1;
    const padBottom = Math.max(0, kh - 1 + spanH - g.inHeight - g.padTop);
    const padRight = Math.max(0, kw - 1 + spanW - g.inWidth - g.padLeft);
    const xT = transpose(backend, x, [3, 1, 2, 0]); // [ci, H, W, B]
    const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, co]
    const conv = rawConv(backend, {
      x: xT,
      filter: dyT,
      pad: [g.padTop, padRight, padBottom, g.padLeft],
      dilation: [g.strideH, g.strideW],
      stride: [1, 1],
    }); // [ci, >=kh, >=kw, co]
    disposeAll(backend, xT, dyT);
    let cropped = conv;
    if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
      cropped = slice(backend, conv, [0, 0, 0, 0], [conv.shape[0]!, kh, kw, conv.shape[3]!]);
      disposeAll(backend, conv);
    }
    const out = transpose(backend, cropped, [1, 2, 0, 3]); // [kh, kw, ci, co]
    disposeAll(backend, cropped);
    return out;
  };
}

/** Inserts (stride-1) zeros between rows/cols of dy: [B,OH,OW,C] -> [B,(OH-1)sh+1,(OW-1)sw+1,C]. */
function zeroStuff(backend: WasmBackendLike, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const hd = (oh - 1) * sh + 1;
  const wd = (ow - 1) * sw + 1;
  const out = backend.makeOutput([n, hd, wd, c], 'float32');
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const s = ((b * oh + i) * ow + j) * c;
        dst.set(src.subarray(s, s + c), ((b * hd + i * sh) * wd + j * sw) * c);
      }
    }
  }
  return out;
}

/** W[kh,kw,ci,co] -> W'[KH-1-kh, KW-1-kw, co, ci] */
function flipSwapFilter(backend: WasmBackendLike, filter: TensorInfo): TensorInfo {
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let a = 0; a < fh; a++) {
    for (let bb = 0; bb < fw; bb++) {
      const so = (a * fw + bb) * ci * co;
      const dOff = ((fh - 1 - a) * fw + (fw - 1 - bb)) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[dOff + o * ci + i] = src[so + i * co + o]!;
    }
  }
  return out;
}

export function conv2dBackpropInput(fallback: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = (attrs as { inputShape: number[] }).inputShape;
    const g = geometry(inputShape, filter.shape, attrs as NamedAttrMap);
    const [kh, kw] = filter.shape as [number, number];
    if (!g) {
      if (fallback) return fallback({ inputs, backend: b, attrs });
      throw new Error("Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only");
    }
    // "Full" padding of the zero-stuffed dy. It is negative when the forward padding exceeded kernel - 1
    // (explicit padding only): then pad 0 and crop the surplus rows/cols from the result instead.
    const padTop = kh - 1 - g.padTop;
    const padLeft = kw - 1 - g.padLeft;
    const padBottom = g.inHeight + g.padTop - (g.outHeight - 1) * g.strideH - 1;
    const padRight = g.inWidth + g.padLeft - (g.outWidth - 1) * g.strideW - 1;
    const hd = (g.outHeight - 1) * g.strideH + 1;
    const wd = (g.outWidth - 1) * g.strideW + 1;
    const clamp = (v: number) => Math.max(0, v);
    if (hd + clamp(padTop) + clamp(padBottom) < kh || wd + clamp(padLeft) + clamp(padRight) < kw) {
      if (fallback) return fallback({ inputs, backend: b, attrs });
      throw new Error('Conv2DBackpropInput: unsupported configuration on wasm');
    }
    const stuffed = g.strideH > 1 || g.strideW > 1 ? zeroStuff(backend, dy, g.strideH, g.strideW) : dy;
    const w = flipSwapFilter(backend, filter);
    const full = rawConv(backend, {
      x: stuffed,
      filter: w,
      pad: [clamp(padTop), clamp(padRight), clamp(padBottom), clamp(padLeft)],
      dilation: [1, 1],
      stride: [1, 1],
    });
    disposeAll(backend, w);
    if (stuffed !== dy) disposeAll(backend, stuffed);
    if (full.shape[1] === g.inHeight && full.shape[2] === g.inWidth) return full;
    const out = slice(
      backend,
      full,
      [0, clamp(-padTop), clamp(-padLeft), 0],
      [full.shape[0]!, g.inHeight, g.inWidth, full.shape[3]!],
    );
    disposeAll(backend, full);
    return out;
  };
}
