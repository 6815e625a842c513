/**
 * The compiled addon's functions (csrc/addon.cc). All tensors are float32, NHWC (filters HWIO), used in place:
 * outputs are written into the arrays passed in. Lengths are checked against the geometry (RangeError).
 */
export interface NativeAddon {
  /** geometry: see `convGeometryArray`; activation 0 = none, 1 = relu. */
  conv2dForward(
    geometry: number[],
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    activation: 0 | 1,
    y: Float32Array,
  ): void;
  /** With at most 4 input channels (a first layer) a direct loop, elsewhere oneDNN backward-data. */
  conv2dBackwardData(geometry: number[], dy: Float32Array, filter: Float32Array, dx: Float32Array): void;
  conv2dBackwardWeights(geometry: number[], x: Float32Array, dy: Float32Array, dfilter: Float32Array): void;
  /** Max pooling (geometry as maxPoolGrad): the cpu backend's rule (strictly greater wins, NaN ignored, -inf for a window of padding only). */
  maxPool(geometry: number[], x: Float32Array, y: Float32Array): void;
  /** geometry: [n,h,w,c, oh,ow, fh,fw, sh,sw, padTop,padLeft] (`poolGeometryArray`); dx is overwritten. */
  maxPoolGrad(geometry: number[], x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** out[k] = scale * sum over rows of x[r * width + k] (float64 accumulation). */
  leadingSum(x: Float32Array, rows: number, width: number, scale: number, out: Float32Array): void;
  /** out[o * width + k] = scale * sum over rows of x[(o * rows + r) * width + k] (axes in the middle, e.g. H, W of NHWC). */
  middleSum(x: Float32Array, outer: number, rows: number, width: number, scale: number, out: Float32Array): void;
  /** Average pooling (geometry as maxPoolGrad); the average counts in-bounds pixels only, like tfjs. */
  avgPool(geometry: number[], x: Float32Array, y: Float32Array): void;
  /** Its gradient as tfjs defines it: each window pixel gets dy / (filterHeight * filterWidth); dx is overwritten. */
  avgPoolGrad(geometry: number[], dy: Float32Array, dx: Float32Array): void;
  /**
   * Batch-norm gradient, per-channel statistics (x's innermost axis): dx = dy * rsqrt(variance + epsilon) * scale,
   * sums = [sum(dy) per channel..., sum((x - mean) * dy) per channel...] (float64 accumulation, 2 * channels values).
   */
  batchNormGrad(
    x: Float32Array,
    dy: Float32Array,
    channels: number,
    mean: Float32Array,
    variance: Float32Array,
    scale: Float32Array | null,
    epsilon: number,
    dx: Float32Array,
    sums: Float32Array,
  ): void;
  /**
   * Batch norm in training mode, per-channel over x's innermost axis: writes the batch mean and biased
   * variance (float64 accumulation) and y = (x - mean) * rsqrt(variance + epsilon) * scale + offset, then
   * max(0, y) when `relu`.
   */
  batchNormTrain(
    x: Float32Array,
    channels: number,
    scale: Float32Array | null,
    offset: Float32Array | null,
    epsilon: number,
    relu: boolean,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
  ): void;
  /**
   * Its exact gradient (mean and variance as functions of x): dx, dScale, dOffset; dMean/dVariance are incoming
   * gradients of the mean and variance outputs (null: none). `y` (the forward output) when ReLU was fused.
   */
  batchNormTrainGrad(
    x: Float32Array,
    dy: Float32Array,
    y: Float32Array | null,
    channels: number,
    mean: Float32Array,
    variance: Float32Array,
    scale: Float32Array | null,
    dMean: Float32Array | null,
    dVariance: Float32Array | null,
    epsilon: number,
    dx: Float32Array,
    dScale: Float32Array,
    dOffset: Float32Array,
  ): void;
  /** out = max(0, a + b): a residual add and its ReLU in one pass (equal lengths). */
  addRelu(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = max(0, x), NaN kept (tfjs's relu). */
  relu(x: Float32Array, out: Float32Array): void;
  /** out = dy * step(x) (ReLU's gradient; NaN in x gives NaN). */
  reluGrad(dy: Float32Array, x: Float32Array, out: Float32Array): void;
  /**
   * One Adam step, element by element in float32 without fused multiply-adds:
   * m' = m*b1 + g*(1-b1); v' = v*b2 + g*g*(1-b2); w' = w - (m'/c1) / (sqrt(v'/c2) + epsilon) * lr - w * decay.
   * constants = [b1, 1-b1, b2, 1-b2, c1 = 1-b1^t, c2 = 1-b2^t, epsilon, lr, decay = lr*weightDecay or 0].
   */
  adam(
    constants: number[],
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    wOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
  ): void;
  /**
   * The same Adam step for many parameters in one call, in place: each entry's w, m, v are overwritten (g is
   * read); `decay` says whether constants[8] (decoupled weight decay) applies to that parameter.
   */
  adamInPlace(
    constants: number[],
    params: [w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, decay: boolean][],
  ): void;
  /**
   * out[i] = a[i mod a.length] op b[i mod b.length]; op 0 add, 1 sub, 2 mul, 3 div, 4 squared difference.
   * One of a, b has out's length, the other equal length or a period dividing it (a broadcast trailing block).
   */
  binary(op: BinaryOpCode, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = (x - mean) / sqrt(variance + epsilon) * scale + offset, per channel (x's innermost axis). */
  batchNorm(
    x: Float32Array,
    channels: number,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    epsilon: number,
    out: Float32Array,
  ): void;
  /** OpenMP threads for every kernel (1..256). */
  setThreads(threads: number): void;
  info(): { dnnlVersion: string; threads: number; cachedPrimitives: number };
}

export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, squaredDifference: 4 } as const;
export type BinaryOpCode = (typeof BINARY_OPS)[keyof typeof BINARY_OPS];

/** A convolution's geometry; dilations count like tfjs (1 = none), pads are explicit amounts. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export function convGeometryArray(g: ConvGeometry): number[] {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.filterHeight,
    g.filterWidth,
    g.outChannels,
    g.outHeight,
    g.outWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
    g.padBottom,
    g.padRight,
  ];
}

export interface PoolGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export function poolGeometryArray(g: PoolGeometry): number[] {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.channels,
    g.outHeight,
    g.outWidth,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  ];
}
