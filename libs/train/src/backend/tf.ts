// Shared handles to TensorFlow.js. The ESM import and `require` resolve to the same CommonJS build,
// so every module (and the wasm backend package) shares one engine.
import { createRequire } from 'node:module';
import type * as WasmNamespace from '@tensorflow/tfjs-backend-wasm';

export const requireCjs = createRequire(import.meta.url);

let wasmPackage: typeof WasmNamespace | undefined;
/** Loads (once) the wasm backend package, which registers the stock 'wasm' backend and kernels. */
export function loadWasmPackage(): typeof WasmNamespace {
  wasmPackage ??= requireCjs('@tensorflow/tfjs-backend-wasm') as typeof WasmNamespace;
  return wasmPackage;
}
