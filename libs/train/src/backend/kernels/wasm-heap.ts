// Low-level access to the tfjs wasm backend that our kernels share: its heap, kernel table and XNNPACK conv.
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of BackendWasm these kernels use (the class is not exported with these members typed). */
export interface WasmBackendLike {
  incRef(dataId: object): void;
  wasm: { cwrap(name: string, ret: null, args: string[]): (...args: number[]) => void };
  dataIdMap: { get(dataId: object): { id: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): TypedArray;
  disposeData(dataId: object): boolean;
}

type WasmConv2d = (...args: number[]) => void;

let wasmConv2d: WasmConv2d | undefined;

export function setupConv(backend: unknown): void {
  wasmConv2d = (backend as WasmBackendLike).wasm.cwrap('Conv2D', null, new Array<string>(19).fill('number'));
}

export interface ConvCall {
  x: TensorInfo; // NHWC
  filter: TensorInfo; // HWIO
  pad: [top: number, right: number, bottom: number, left: number];
  dilation: [number, number];
  stride: [number, number];
}

/** Runs XNNPACK's convolution with explicit (non-negative) padding; returns a new NHWC tensor. */
export function rawConv(backend: WasmBackendLike, c: ConvCall): TensorInfo {
  if (!wasmConv2d) throw new Error('wasm Conv2D entry point not set up');
  const [n, h, w, cin] = c.x.shape as [number, number, number, number];
  const [fh, fw, fin, cout] = c.filter.shape as [number, number, number, number];
  if (fin !== cin) throw new Error(`internal: conv channels ${cin} vs filter ${fin}`);
  const [pt, pr, pb, pl] = c.pad;
  const effH = (fh - 1) * c.dilation[0] + 1;
  const effW = (fw - 1) * c.dilation[1] + 1;
  const oh = Math.floor((h + pt + pb - effH) / c.stride[0]) + 1;
  const ow = Math.floor((w + pl + pr - effW) / c.stride[1]) + 1;
  const out = backend.makeOutput([n, oh, ow, cout], 'float32');
  const id = (t: TensorInfo) => backend.dataIdMap.get(t.dataId).id;
  wasmConv2d(
    id(c.x),
    n,
    h,
    w,
    id(c.filter),
    fh,
    fw,
    pt,
    pr,
    pb,
    pl,
    0,
    c.dilation[0],
    c.dilation[1],
    c.stride[0],
    c.stride[1],
    cin,
    cout,
    id(out),
  );
  return out;
}

export function runKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return k.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

export function transpose(backend: WasmBackendLike, x: TensorInfo, perm: number[]): TensorInfo {
  return runKernel('Transpose', backend, { x }, { perm });
}

export function slice(backend: WasmBackendLike, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runKernel('Slice', backend, { x }, { begin, size });
}
export function disposeAll(backend: WasmBackendLike, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}
