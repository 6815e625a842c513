// Optional oneDNN kernels from @transfusion/native, registered over the wasm backend's kernels (ours and
// upstream) when the addon loads. They work in place on the wasm heap. Anything they do not cover (NCHW,
// other dtypes, other activations, non-leading reductions, empty tensors) or an addon error goes to the
// kernel they replaced, so the wasm path stays complete. TRANSFUSION_NATIVE=0 switches them off at the next
// resolveBackend; they are checked against the cpu backend in test/native-kernels.test.ts.
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
// Type-only: erased at run time, so a missing package never breaks loading this module.
import type * as NativeModule from '@transfusion/native';
import { TrainError } from '../errors.js';
import type { WasmBackendLike } from './kernels/wasm-heap.js';

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
  'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', 'Mean',
  'Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'FusedBatchNorm',
] as const;
type NativeKernelName = (typeof NATIVE_KERNELS)[number];

let addon: Addon | undefined;
let active = false;
let noticeShown = false;
const calls: Record<string, number> = {};
const failureShown = new Set<string>();
const fallbacks: Record<string, number> = {};

/** Per kernel: how often the native path ran / handed the case to the kernel it replaced (tests use these). */
export function nativeKernelCounts(): { calls: Readonly<Record<string, number>>; fallbacks: Readonly<Record<string, number>> } {
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
 * Turns the native kernels on (registering them once) or off for the wasm backend, per TRANSFUSION_NATIVE
 * ('0' off, '1' required, else if built). Prints "native kernels unavailable: <reason>" once per process
 * when they were wanted but cannot load.
 */
export async function enableNativeKernels(threads: number, env: NodeJS.ProcessEnv): Promise<NativeKernelsInfo> {
  active = false;
  const mod = await importNative();
  if (typeof mod === 'string') return notAvailable(mod, env['TRANSFUSION_NATIVE'] === '1', env['TRANSFUSION_NATIVE'] === '0');
  let mode: NativeModule.NativeMode;
  try {
    mode = mod.nativeMode(env);
  } catch (err) {
    throw new TrainError('TRAIN_BAD_OPTIONS', (err as Error).message);
  }
  const load = mod.loadNative(env);
  if (!load.available) return notAvailable(load.reason, mode === '1', mode === '0');
  if (!addon) {
    addon = load.addon;
    registerNativeKernels();
  }
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
function withFallback(name: NativeKernelName, fallback: KernelFunc, native: (args: Parameters<KernelFunc>[0], a: Addon) => TensorInfo | undefined): KernelFunc {
  return (args) => {
    if (active && addon) {
      let out: TensorInfo | undefined;
      try {
        out = native(args, addon);
      } catch (err) {
        // Once per kernel: a systematic failure must not flood the log; the fallback keeps training correct.
        if (!failureShown.has(name)) process.stderr.write(`native ${name} failed, using the wasm kernel: ${(err as Error).message}\n`);
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

function registerNativeKernels(): void {
  const make: Record<NativeKernelName, (args: Parameters<KernelFunc>[0], a: Addon) => TensorInfo | undefined> = {
    Conv2D: (args, a) => convForward(args, a, false),
    FusedConv2D: (args, a) => convForward(args, a, true),
    Conv2DBackpropInput: (args, a) => convGradient(args, a, 'input'),
    Conv2DBackpropFilter: (args, a) => convGradient(args, a, 'filter'),
    MaxPoolGrad: maxPoolGrad,
    Sum: (args, a) => leadingReduce(args, a, 'Sum'),
    Mean: (args, a) => leadingReduce(args, a, 'Mean'),
    Add: (args, a) => binary(args, a, 'add'),
    Sub: (args, a) => binary(args, a, 'sub'),
    Multiply: (args, a) => binary(args, a, 'mul'),
    RealDiv: (args, a) => binary(args, a, 'div'),
    SquaredDifference: (args, a) => binary(args, a, 'squaredDifference'),
    FusedBatchNorm: batchNorm,
  };
  for (const name of NATIVE_KERNELS) {
    const replaced = tf.getKernel(name, 'wasm');
    if (!replaced) throw new Error(`internal: no wasm kernel ${name} to wrap`);
    tf.unregisterKernel(name, 'wasm');
    const config: KernelConfig = {
      kernelName: name, backendName: 'wasm',
      kernelFunc: withFallback(name, replaced.kernelFunc, make[name]),
      ...(replaced.setupFunc ? { setupFunc: replaced.setupFunc } : {}),
      ...(replaced.disposeFunc ? { disposeFunc: replaced.disposeFunc } : {}),
    };
    tf.registerKernel(config);
  }
}

// --- the kernels: each returns undefined for a case it does not cover ---

type ConvAttrs = {
  strides: [number, number] | number; pad: 'same' | 'valid' | number | number[][];
  dataFormat?: 'NHWC' | 'NCHW'; dilations?: [number, number] | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): number[] | undefined {
  if (attrs.dataFormat === 'NCHW' || xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if ([...xShape, ...filterShape].some((d) => d === 0)) return undefined;
  const i = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad as never, attrs.dimRoundingMode, false, 'channelsLast');
  const p = i.padInfo;
  if (i.outHeight < 1 || i.outWidth < 1 || p.top < 0 || p.left < 0 || p.bottom < 0 || p.right < 0) return undefined;
  return [i.batchSize, i.inHeight, i.inWidth, i.inChannels, i.filterHeight, i.filterWidth, i.outChannels, i.outHeight, i.outWidth,
    i.strideHeight, i.strideWidth, i.dilationHeight, i.dilationWidth, p.top, p.left, p.bottom, p.right];
}

const f32 = (backend: WasmBackendLike, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

function convForward({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon, fused: boolean): TensorInfo | undefined {
  const backend = b as unknown as WasmBackendLike;
  const { x, filter, bias, preluActivationWeights } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const activation = fused ? (attrs as { activation?: string }).activation ?? 'linear' : 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  if (preluActivationWeights || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const g = geometry(x.shape, filter.shape, attrs as unknown as ConvAttrs);
  if (!g) return undefined;
  const co = g[6]!;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) return undefined;
  const out = backend.makeOutput([g[0]!, g[7]!, g[8]!, co], 'float32');
  // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
  a.conv2dForward(g, f32(backend, x), f32(backend, filter), bias ? f32(backend, bias) : null, activation === 'relu' ? 1 : 0, f32(backend, out));
  return out;
}

/** Conv2DBackpropInput (dy, filter -> dx of attrs.inputShape) and Conv2DBackpropFilter (x, dy -> dW of attrs.filterShape). */
function convGradient({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon, wrt: 'input' | 'filter'): TensorInfo | undefined {
  const backend = b as unknown as WasmBackendLike;
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

function maxPoolGrad({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon): TensorInfo | undefined {
  const backend = b as unknown as WasmBackendLike;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number; strides: [number, number] | number; pad: 'same' | 'valid' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4 || input.shape.some((d) => d === 0)) return undefined;
  const i = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (i.padInfo.top < 0 || i.padInfo.left < 0 || i.outHeight < 1 || i.outWidth < 1) return undefined;
  const out = backend.makeOutput(input.shape, 'float32');
  a.maxPoolGrad([i.batchSize, i.inHeight, i.inWidth, i.inChannels, i.outHeight, i.outWidth, i.effectiveFilterHeight, i.effectiveFilterWidth,
    i.strideHeight, i.strideWidth, i.padInfo.top, i.padInfo.left], f32(backend, input), f32(backend, dy), f32(backend, out));
  return out;
}

function leadingReduce({ inputs, backend: b, attrs }: Parameters<KernelFunc>[0], a: Addon, kind: 'Sum' | 'Mean'): TensorInfo | undefined {
  const backend = b as unknown as WasmBackendLike;
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((v, k) => v === k);
  if (x.dtype !== 'float32' || !leading || x.shape.some((d) => d === 0)) return undefined;
  const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(axes.length);
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...inner] : inner, 'float32');
  a.leadingSum(f32(backend, x), rows, inner.reduce((p, d) => p * d, 1), kind === 'Mean' ? 1 / rows : 1, f32(backend, out));
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

function binary({ inputs, backend: b }: Parameters<KernelFunc>[0], a: Addon, op: keyof typeof BINARY_CODES): TensorInfo | undefined {
  const backend = b as unknown as WasmBackendLike;
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
  const backend = b as unknown as WasmBackendLike;
  const { x, mean, variance, offset, scale } = inputs as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
  const epsilon = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const c = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || c === undefined || c === 0 || x.shape.some((d) => d === 0)) return undefined;
  const perChannel = (t: TensorInfo | undefined) =>
    t === undefined || (t.dtype === 'float32' && broadcastPeriod(t.shape, x.shape) === c && t.shape.reduce((p, d) => p * d, 1) === c);
  if (![mean, variance, offset, scale].every(perChannel)) return undefined;
  const out = backend.makeOutput(x.shape, 'float32');
  a.batchNorm(f32(backend, x), c, f32(backend, mean), f32(backend, variance), offset ? f32(backend, offset) : null,
    scale ? f32(backend, scale) : null, epsilon, f32(backend, out));
  return out;
}

/** Whether the native kernels currently serve the wasm backend. */
export function nativeKernelsActive(): boolean {
  return active;
}
