// Optional oneDNN kernels from @transfusion/native, registered when the addon loads over the kernels of two
// backends: 'wasm' (ours and upstream; they work in place on the wasm heap) and 'native' (tfjs's cpu backend
// under another name: tensors live in ordinary typed arrays, so there is no 4 GiB heap limit; see
// native-backend.ts). Anything they do not cover (NCHW, other dtypes, other activations, reductions over
// scattered axes, empty tensors) or an addon error goes to the kernel they replaced, so each backend stays
// complete. TRANSFUSION_NATIVE=0 switches them off at the next resolveBackend; they are checked against the cpu
// backend in test/native-kernels.test.ts.
// Gradients that use them (batch norm, ReLU, Mean/Sum broadcasts) are in native-gradients.ts.
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
// Type-only: erased at run time, so a missing package never breaks loading this module.
import type * as NativeModule from '@transfusion/native';
import { TrainError } from '../errors.js';
import { isPooled } from './buffer-pool.js';
import { type CpuBackendLike, type KernelMemory, memoryOf } from './kernel-memory.js';
import { overrideKernel } from './kernel-override.js';
import {
  ADD_RELU_KERNEL,
  BATCH_NORM_GRAD_KERNEL,
  BATCH_NORM_TRAIN_GRAD_KERNEL,
  BATCH_NORM_TRAIN_KERNEL,
  registerNativeGradients,
  RELU_GRAD_KERNEL,
} from './native-gradients.js';

const ADAM_KERNEL = 'TransfusionAdam';

type Addon = NativeModule.NativeAddon;

/** What BackendInfo records about the native kernels. */
export interface NativeKernelsInfo {
  active: boolean;
  /** oneDNN version when active. */
  version?: string;
  /** OpenMP threads when active (follows the backend's thread setting). */
  threads?: number;
  /** Why not active. */
  reason?: string;
}

export const NATIVE_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'MaxPool',
  'MaxPoolGrad',
  'AvgPool',
  'AvgPoolGrad',
  'Sum',
  'Mean',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'SquaredDifference',
  'Square',
  'Cast',
  'Relu',
  'FusedBatchNorm',
] as const;
type NativeKernelName = (typeof NATIVE_KERNELS)[number];

let addon: Addon | undefined;
let active = false;
const registeredOn = new Set<string>();
let noticeShown = false;
const calls: Record<string, number> = {};
const failureShown = new Set<string>();
const fallbacks: Record<string, number> = {};

/** Per kernel: how often the native path ran / handed the case to the kernel it replaced (tests use these). */
export function nativeKernelCounts(): {
  calls: Readonly<Record<string, number>>;
  fallbacks: Readonly<Record<string, number>>;
} {
  return { calls: { ...calls }, fallbacks: { ...fallbacks } };
}

async function importNative(): Promise<typeof NativeModule | string> {
  try {
    return (await import('@transfusion/native')) as typeof NativeModule;
  } catch (err) {
    return `@transfusion/native cannot be imported: ${(err as Error).message.split('\n')[0]}`;
  }
}

/**
 * Turns the native kernels on (registering them once over `backendName`'s kernels, which must be registered
 * already) or off, per TRANSFUSION_NATIVE ('0' off, '1' required, else if built). For the wasm backend, prints
 * "native kernels unavailable: <reason>" once per process when they were wanted but cannot load; `quiet`
 * (the native backend's attempt, which 'auto' follows with wasm) prints nothing.
 */
export async function enableNativeKernels(
  threads: number,
  env: NodeJS.ProcessEnv,
  backendName: 'wasm' | 'native' = 'wasm',
  quiet = false,
): Promise<NativeKernelsInfo> {
  active = false;
  const mod = await importNative();
  if (typeof mod === 'string')
    return notAvailable(mod, env['TRANSFUSION_NATIVE'] === '1', quiet || env['TRANSFUSION_NATIVE'] === '0');
  let mode: NativeModule.NativeMode;
  try {
    mode = mod.nativeMode(env);
  } catch (err) {
    throw new TrainError('TRAIN_BAD_OPTIONS', (err as Error).message);
  }
  const load = mod.loadNative(env);
  if (!load.available) return notAvailable(load.reason, mode === '1', quiet || mode === '0');
  addon = load.addon;
  registerNativeKernels(backendName);
  addon.setThreads(threads);
  active = true;
  return { active, version: load.dnnlVersion, threads: addon.info().threads };
}

function notAvailable(reason: string, required: boolean, quiet = false): NativeKernelsInfo {
  const message = `native kernels unavailable: ${reason}`;
  if (required) throw new TrainError('TRAIN_BACKEND_UNAVAILABLE', `${message} (TRANSFUSION_NATIVE=1 requires them)`);
  if (!quiet && !noticeShown) {
    noticeShown = true;
    process.stderr.write(`${message}; training uses the wasm kernels\n`);
  }
  return { active: false, reason };
}

/** Wraps the kernel a native one replaces: used when native is off, the case is not covered, or the addon throws. */
function withFallback(
  name: NativeKernelName,
  fallback: KernelFunc,
  native: (args: Parameters<KernelFunc>[0], a: Addon) => TensorInfo | undefined,
): KernelFunc {
  return (args) => {
    if (active && addon) {
      let out: TensorInfo | undefined;
      try {
        out = native(args, addon);
      } catch (err) {
        // Once per kernel: a systematic failure must not flood the log; the fallback keeps training correct.
        if (!failureShown.has(name))
          process.stderr.write(`native ${name} failed, using the kernel it replaced: ${(err as Error).message}\n`);
        failureShown.add(name);
      }
      if (out) {
        calls[name] = (calls[name] ?? 0) + 1;
        return out;
      }
      fallbacks[name] = (fallbacks[name] ?? 0) + 1;
    }
    return fallback(args);
  };
}

/** Wraps `backendName`'s kernels (registered before this call) with the native ones, and adds our own kernels to it. */
function registerNativeKernels(backendName: 'wasm' | 'native'): void {
  if (registeredOn.has(backendName)) return;
  registeredOn.add(backendName);
  const make: Record<NativeKernelName, (args: Parameters<KernelFunc>[0], a: Addon) => TensorInfo | undefined> = {
    Conv2D: (args, a) => convForward(args, a, false),
    FusedConv2D: (args, a) => convForward(args, a, true),
    Conv2DBackpropInput: (args, a) => convGradient(args, a, 'input'),
    Conv2DBackpropFilter: (args, a) => convGradient(args, a, 'filter'),
    MaxPool: maxPool,
    MaxPoolGrad: maxPoolGrad,
    AvgPool: (args, a) => avgPool(args, a, 'forward'),
    AvgPoolGrad: (args, a) => avgPool(args, a, 'gradient'),
    Sum: (args, a) => blockReduce(args, a, 'Sum'),
    Mean: (args, a) => blockReduce(args, a, 'Mean'),
    Add: (args, a) => binary(args, a, 'add'),
    Sub: (args, a) => binary(args, a, 'sub'),
    Multiply: (args, a) => binary(args, a, 'mul'),
    RealDiv: (args, a) => binary(args, a, 'div'),
    SquaredDifference: (args, a) => binary(args, a, 'squaredDifference'),
    Square: square,
    Cast: castToSameType,
    Relu: relu,
    FusedBatchNorm: batchNorm,
  };
  for (const name of NATIVE_KERNELS) {
    overrideKernel(name, backendName, { make: (replaced) => withFallback(name, replaced, make[name]) });
  }
  // Kernels of our own (no tfjs counterpart), called only by the gradients in native-gradients.ts while active.
  const own: [string, (args: Parameters<KernelFunc>[0], a: Addon) => TensorInfo | TensorInfo[]][] = [
    [BATCH_NORM_GRAD_KERNEL, batchNormGrad],
    [RELU_GRAD_KERNEL, reluGrad],
    [ADAM_KERNEL, adam],
    [BATCH_NORM_TRAIN_KERNEL, batchNormTrain],
    [BATCH_NORM_TRAIN_GRAD_KERNEL, batchNormTrainGrad],
    [ADD_RELU_KERNEL, addRelu],
  ];
  for (const [name, f] of own) {
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: (args) => {
        if (!active || !addon) throw new Error(`internal: ${name} called while the native kernels are off`);
        calls[name] = (calls[name] ?? 0) + 1;
        return f(args, addon);
      },
    });
  }
  registerNativeGradients(nativeServesCurrentBackend);
}

// --- the kernels: each returns undefined for a case it does not cover ---

type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): number[] | undefined {
  if (attrs.dataFormat === 'NCHW' || xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if ([...xShape, ...filterShape].some((d) => d === 0)) return undefined;
  const i = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as never,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const p = i.padInfo;
  if (i.outHeight < 1 || i.outWidth < 1 || p.top < 0 || p.left < 0 || p.bottom < 0 || p.right < 0) return undefined;
  return [
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.filterHeight,
    i.filterWidth,
    i.outChannels,
    i.outHeight,
    i.outWidth,
    i.strideHeight,
    i.strideWidth,
    i.dilationHeight,
    i.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ];
}

const f32 = (backend: KernelMemory, t: TensorInfo) => backend.f32(t);

function convForward(
  { inputs, backend: b, attrs }: Parameters<KernelFunc>[0],
  a: Addon,
  fused: boolean,
): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x, filter, bias, preluActivationWeights } = inputs as {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const activation = fused ? ((attrs as { activation?: string }).activation ?? 'linear') : 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  if (preluActivationWeights || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const g = geometry(x.shape, filter.shape, attrs as unknown as ConvAttrs);
  if (!g) return undefined;
  const co = g[6]!;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) return undefined;
  const out = backend.makeOutput([g[0]!, g[7]!, g[8]!, co], 'float32');
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  a.conv2dForward(
    g,
    f32(backend, x),
    f32(backend, filter),
    bias ? f32(backend, bias) : null,
    activation === 'relu' ? 1 : 0,
    f32(backend, out),
  );
  return out;
}

/** Conv2DBackpropInput (dy, filter -> dx of attrs.inputShape) and Conv2DBackpropFilter (x, dy -> dW of attrs.filterShape). */
function convGradient(
  { inputs, backend: b, attrs }: Parameters<KernelFunc>[0],
  a: Addon,
  wrt: 'input' | 'filter',
): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x, dy, filter } = inputs as { x?: TensorInfo; dy: TensorInfo; filter?: TensorInfo };
  const other = wrt === 'input' ? filter : x; // the forward operand that is not being differentiated
  const { inputShape, filterShape } = attrs as unknown as { inputShape?: number[]; filterShape?: number[] };
  const xShape = wrt === 'input' ? inputShape : x?.shape;
  const wShape = wrt === 'input' ? filter?.shape : filterShape;
  if (!other || !xShape || !wShape || dy.dtype !== 'float32' || other.dtype !== 'float32') return undefined;
  const g = geometry(xShape, wShape, attrs as unknown as ConvAttrs);
  if (!g) return undefined;
  const out = backend.makeOutput(wrt === 'input' ? xShape : wShape, 'float32');
  if (wrt === 'input') a.conv2dBackwardData(g, f32(backend, dy), f32(backend, other), f32(backend, out));
  else a.conv2dBackwardWeights(g, f32(backend, other), f32(backend, dy), f32(backend, out));
  return out;
}

type PoolAttrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * The addon's pooling geometry ([N, H, W, C, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft]) and
 * the pooled shape for an NHWC float32 `source`, or undefined for a case the addon does not cover. tfjs's pooling
 * kernels have no dilations, so the effective filter size is the filter size.
 */
function poolGeometry(
  source: TensorInfo | undefined,
  attrs: Parameters<KernelFunc>[0]['attrs'],
): { g: number[]; outShape: number[] } | undefined {
  if (source?.dtype !== 'float32' || source.shape.length !== 4 || source.shape.some((d) => d === 0)) return undefined;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
  const i = tf.backend_util.computePool2DInfo(
    source.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (i.padInfo.top < 0 || i.padInfo.left < 0 || i.outHeight < 1 || i.outWidth < 1) return undefined;
  const g = [
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.outHeight,
    i.outWidth,
    i.filterHeight,
    i.filterWidth,
    i.strideHeight,
    i.strideWidth,
    i.padInfo.top,
    i.padInfo.left,
  ];
  return { g, outShape: [i.batchSize, i.outHeight, i.outWidth, i.inChannels] };
}

function maxPool({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x } = inputs as { x: TensorInfo };
  const pool = poolGeometry(x, attrs);
  if (!pool) return undefined;
  const out = backend.makeOutput(pool.outShape, 'float32');
  a.maxPool(pool.g, f32(backend, x), f32(backend, out));
  return out;
}

function maxPoolGrad({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  if (dy.dtype !== 'float32') return undefined;
  const pool = poolGeometry(input, attrs);
  if (!pool) return undefined;
  const out = backend.makeOutput(input.shape, 'float32');
  a.maxPoolGrad(pool.g, f32(backend, input), f32(backend, dy), f32(backend, out));
  return out;
}

/** Sum/Mean over one contiguous block of axes: leading (batch-norm statistics) or middle (H, W: global average pooling). */
function blockReduce(
  { inputs, backend: b, attrs }: Parameters<KernelFunc>[0],
  a: Addon,
  kind: 'Sum' | 'Mean',
): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const contiguous = axes.length > 0 && axes.every((v, k) => v === axes[0]! + k);
  if (x.dtype !== 'float32' || !contiguous || x.shape.some((d) => d === 0)) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  const outer = size(x.shape.slice(0, first));
  const rows = size(x.shape.slice(first, last + 1));
  const width = size(x.shape.slice(last + 1));
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const out = backend.makeOutput(outShape, 'float32');
  const scale = kind === 'Mean' ? 1 / rows : 1;
  if (outer === 1) a.leadingSum(f32(backend, x), rows, width, scale, f32(backend, out));
  else a.middleSum(f32(backend, x), outer, rows, width, scale, f32(backend, out));
  return out;
}

const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3, squaredDifference: 4 } as const;

/**
 * How `shape` broadcasts to `out`: 'full' (same elements), a period (a trailing block repeated: the shape,
 * left-padded with 1s, is 1 up to some axis and equals `out` from there; a scalar has period 1), or undefined.
 */
function broadcastPeriod(shape: number[], out: number[]): 'full' | number | undefined {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size === out.reduce((p, d) => p * d, 1)) return 'full';
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  let k = 0;
  while (k < padded.length && padded[k] === 1) k++;
  for (let j = k; j < padded.length; j++) if (padded[j] !== out[j]) return undefined;
  return size;
}

function binary(
  { inputs, backend: b }: Parameters<KernelFunc>[0],
  a: Addon,
  op: keyof typeof BINARY_CODES,
): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { a: x, b: y } = inputs as { a: TensorInfo; b: TensorInfo };
  if (x.dtype !== 'float32' || y.dtype !== 'float32') return undefined;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(x.shape, y.shape);
  if (outShape.some((d) => d === 0)) return undefined;
  const px = broadcastPeriod(x.shape, outShape);
  const py = broadcastPeriod(y.shape, outShape);
  if (px === undefined || py === undefined || (px !== 'full' && py !== 'full')) return undefined;
  const out = backend.makeOutput(outShape, 'float32');
  a.binary(BINARY_CODES[op], f32(backend, x), f32(backend, y), f32(backend, out));
  return out;
}

/** tf.batchNorm with per-channel (innermost axis) mean, variance, offset and scale. */
function batchNorm({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x, mean, variance, offset, scale } = inputs as {
    x: TensorInfo;
    mean: TensorInfo;
    variance: TensorInfo;
    offset?: TensorInfo;
    scale?: TensorInfo;
  };
  const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const c = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || c === undefined || c === 0 || x.shape.some((d) => d === 0)) return undefined;
  const perChannel = (t: TensorInfo | undefined) =>
    t === undefined ||
    (t.dtype === 'float32' && broadcastPeriod(t.shape, x.shape) === c && t.shape.reduce((p, d) => p * d, 1) === c);
  if (![mean, variance, offset, scale].every(perChannel)) return undefined;
  const out = backend.makeOutput(x.shape, 'float32');
  a.batchNorm(
    f32(backend, x),
    c,
    f32(backend, mean),
    f32(backend, variance),
    offset ? f32(backend, offset) : null,
    scale ? f32(backend, scale) : null,
    epsilon,
    f32(backend, out),
  );
  return out;
}

/** AvgPool (x -> y) and AvgPoolGrad (dy, input -> dx), NHWC float32. */
function avgPool(
  { inputs, backend: b, attrs }: Parameters<KernelFunc>[0],
  a: Addon,
  kind: 'forward' | 'gradient',
): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x, dy, input } = inputs as { x?: TensorInfo; dy?: TensorInfo; input?: TensorInfo };
  if (kind === 'gradient' && dy?.dtype !== 'float32') return undefined;
  const source = kind === 'forward' ? x : input;
  const pool = poolGeometry(source, attrs);
  if (!source || !pool) return undefined;
  if (kind === 'forward') {
    const out = backend.makeOutput(pool.outShape, 'float32');
    a.avgPool(pool.g, f32(backend, source), f32(backend, out));
    return out;
  }
  const out = backend.makeOutput(source.shape, 'float32');
  a.avgPoolGrad(pool.g, f32(backend, dy!), f32(backend, out));
  return out;
}

/** Cast to the tensor's own dtype shares the buffer (as the cpu backend does) instead of copying it: tfjs's moments cast every activation. */
function castToSameType({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0]): TensorInfo | undefined {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype !== (attrs as unknown as { dtype: string }).dtype || x.dtype === 'complex64' || x.dtype === 'string')
    return undefined;
  memoryOf(b).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** x * x, multi-threaded (the wasm kernel runs on one thread). */
function square({ inputs, backend: b }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype !== 'float32' || x.shape.some((d) => d === 0)) return undefined;
  const out = backend.makeOutput(x.shape, 'float32');
  const v = f32(backend, x);
  a.binary(BINARY_CODES.mul, v, v, f32(backend, out));
  return out;
}

/** Inputs x, dy, mean, variance, scale? (per-channel [C], checked by the caller) -> [dx, sums [2, C]]. */
function batchNormGrad({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo[] {
  const backend = memoryOf(b);
  const { x, dy, mean, variance, scale } = inputs as {
    x: TensorInfo;
    dy: TensorInfo;
    mean: TensorInfo;
    variance: TensorInfo;
    scale?: TensorInfo;
  };
  const c = x.shape[x.shape.length - 1]!;
  const dx = backend.makeOutput(x.shape, 'float32');
  const sums = backend.makeOutput([2, c], 'float32');
  a.batchNormGrad(
    f32(backend, x),
    f32(backend, dy),
    c,
    f32(backend, mean),
    f32(backend, variance),
    scale ? f32(backend, scale) : null,
    (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon,
    f32(backend, dx),
    f32(backend, sums),
  );
  return [dx, sums];
}

/** Inputs x [.., C], scale? offset? [C]; attrs varianceEpsilon, relu -> [y, mean [C], variance [C]] (batch statistics). */
function batchNormTrain({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo[] {
  const backend = memoryOf(b);
  const { x, scale, offset } = inputs as { x: TensorInfo; scale?: TensorInfo; offset?: TensorInfo };
  const { varianceEpsilon, relu: withRelu } = attrs as unknown as { varianceEpsilon: number; relu: boolean };
  const c = x.shape[x.shape.length - 1]!;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  a.batchNormTrain(
    f32(backend, x),
    c,
    scale ? f32(backend, scale) : null,
    offset ? f32(backend, offset) : null,
    varianceEpsilon,
    withRelu,
    f32(backend, y),
    f32(backend, mean),
    f32(backend, variance),
  );
  return [y, mean, variance];
}

/** Inputs x, dy, y? (ReLU fused), mean, variance, scale?, dMean?, dVariance? -> [dx, dScale, dOffset]. */
function batchNormTrainGrad({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo[] {
  const backend = memoryOf(b);
  const { x, dy, y, mean, variance, scale, dMean, dVariance } = inputs as Record<string, TensorInfo | undefined> as {
    x: TensorInfo;
    dy: TensorInfo;
    y?: TensorInfo;
    mean: TensorInfo;
    variance: TensorInfo;
    scale?: TensorInfo;
    dMean?: TensorInfo;
    dVariance?: TensorInfo;
  };
  const c = x.shape[x.shape.length - 1]!;
  const dx = backend.makeOutput(x.shape, 'float32');
  const dScale = backend.makeOutput([c], 'float32');
  const dOffset = backend.makeOutput([c], 'float32');
  const opt = (t: TensorInfo | undefined) => (t ? f32(backend, t) : null);
  a.batchNormTrainGrad(
    f32(backend, x),
    f32(backend, dy),
    opt(y),
    c,
    f32(backend, mean),
    f32(backend, variance),
    opt(scale),
    opt(dMean),
    opt(dVariance),
    (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon,
    f32(backend, dx),
    f32(backend, dScale),
    f32(backend, dOffset),
  );
  return [dx, dScale, dOffset];
}

/** Inputs a, b (float32, one shape; checked by the caller) -> max(0, a + b). */
function addRelu({ inputs, backend: b }: Parameters<KernelFunc>[0], a: Addon): TensorInfo {
  const backend = memoryOf(b);
  const { a: x, b: y } = inputs as { a: TensorInfo; b: TensorInfo };
  const out = backend.makeOutput(x.shape, 'float32');
  a.addRelu(f32(backend, x), f32(backend, y), f32(backend, out));
  return out;
}

function relu({ inputs, backend: b }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = memoryOf(b);
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype !== 'float32' || x.shape.some((d) => d === 0)) return undefined;
  const out = backend.makeOutput(x.shape, 'float32');
  a.relu(f32(backend, x), f32(backend, out));
  return out;
}

/** Inputs w, g, m, v (float32, one shape), attrs.constants (see NativeAddon.adam) -> [w', m', v']. */
function adam({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo[] {
  const backend = memoryOf(b);
  const { w, g, m, v } = inputs as { w: TensorInfo; g: TensorInfo; m: TensorInfo; v: TensorInfo };
  const outs = [0, 1, 2].map(() => backend.makeOutput(w.shape, 'float32'));
  a.adam(
    (attrs as unknown as { constants: number[] }).constants,
    f32(backend, w),
    f32(backend, g),
    f32(backend, m),
    f32(backend, v),
    ...(outs.map((t) => f32(backend, t)) as [Float32Array, Float32Array, Float32Array]),
  );
  return outs;
}

/**
 * One fused Adam step for a variable when the native kernels serve the current backend, else undefined (the
 * caller then runs the same update op by op). constants: [b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, epsilon, lr,
 * lr*weightDecay or 0], rounded to float32 by the kernel as tfjs rounds scalar operands; results are identical.
 */
export function nativeAdamStep(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  constants: number[],
): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  if (!nativeServesCurrentBackend() || w.size === 0 || !(constants[4]! > 0 && constants[5]! > 0)) return undefined;
  if (![g, m, v].every((t) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, w.shape)) || w.dtype !== 'float32')
    return undefined;
  return tf.engine().runKernel(ADAM_KERNEL, { w, g, m, v }, { constants } as unknown as NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

/** One parameter of nativeAdamInPlace. */
export interface AdamInPlaceParam {
  w: tf.Variable;
  g: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
  decay: boolean;
}

/**
 * Adam for every parameter in one native call, overwriting the variables' buffers, when the native backend
 * is current and each w, m, v buffer is one the backend's kernels allocated (never a caller's array) and used
 * by that variable alone; otherwise false and nothing changed. constants as nativeAdamStep's, constants[8]
 * applying where `decay` is set. Same float32 arithmetic as the per-parameter kernel.
 */
export function nativeAdamInPlace(params: readonly AdamInPlaceParam[], constants: number[]): boolean {
  if (!active || !addon || tf.getBackend() !== 'native' || !(constants[4]! > 0 && constants[5]! > 0)) return false;
  const data = (tf.backend() as unknown as CpuBackendLike).data;
  const own = (t: tf.Tensor) => {
    const entry = data.get(t.dataId);
    return entry?.refCount === 1 && isPooled(entry.values) ? entry.values : undefined;
  };
  const list: [Float32Array, Float32Array, Float32Array, Float32Array, boolean][] = [];
  for (const p of params) {
    const [w, m, v] = [own(p.w), own(p.m), own(p.v)];
    const g = p.g.dtype === 'float32' ? data.get(p.g.dataId)?.values : undefined;
    if (
      !w ||
      !m ||
      !v ||
      !(g instanceof Float32Array) ||
      g.length !== w.length ||
      m.length !== w.length ||
      v.length !== w.length
    )
      return false;
    list.push([w, g, m, v, p.decay]);
  }
  addon.adamInPlace(constants, list);
  calls['AdamInPlace'] = (calls['AdamInPlace'] ?? 0) + 1;
  return true;
}

function reluGrad({ inputs, backend: b }: Parameters<KernelFunc>[0], a: Addon): TensorInfo {
  const backend = memoryOf(b);
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const out = backend.makeOutput(x.shape, 'float32');
  a.reluGrad(f32(backend, dy), f32(backend, x), f32(backend, out));
  return out;
}

/** Whether the current tfjs backend runs the native kernels: 'native', or 'wasm' with them switched on. */
export function nativeServesCurrentBackend(): boolean {
  const b = tf.getBackend();
  return active && (b === 'native' || b === 'wasm');
}
