// Kernels the tfjs wasm backend needs for training CNNs, expressed through its fast XNNPACK Conv2D.
//
// - Conv2DBackpropFilter (missing upstream): dW = conv(x^T, dy^T) where x^T is x with batch and channels
//   swapped ([C,H,W,B]) and dy^T is dy as a filter ([OH,OW,B,CO]); the forward stride becomes the dilation.
// - Conv2DBackpropInput (upstream: scalar loop): dx = conv(dy zero-stuffed by the stride, W flipped in space
//   with in/out channels swapped), with "full" padding.
// - Tile (upstream: per-element loop): row-wise block copies on the wasm heap.
// - MaxPoolGrad (upstream: window recomputed per input pixel): one pass scattering dy to each window's max.
// - Sum / Mean over leading axes (upstream: full transpose first): direct row accumulation.
// - Identity (upstream: a copy): shares the buffer, as the cpu backend does.
// Cases outside these fast paths call the upstream kernel.
// Each is checked against the cpu backend in test/wasm-kernels.test.ts. The kernels live in ./kernels/.
import type { KernelFunc } from '@tensorflow/tfjs';
import { overrideKernel } from './kernel-override.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv-grads.js';
import { identity } from './kernels/identity.js';
import { leadingReduce } from './kernels/leading-reduce.js';
import { maxPoolGrad } from './kernels/max-pool-grad.js';
import { tile } from './kernels/tile.js';
import { setupConv } from './kernels/wasm-heap.js';

const fallbackCounts: Record<string, number> = {};
/** How often each of our kernels handed a case to the upstream kernel (tests assert the fast paths ran). */
export function wasmKernelFallbacks(): Readonly<Record<string, number>> {
  return { ...fallbackCounts };
}
function counted(name: string, fallback: KernelFunc | undefined): KernelFunc | undefined {
  if (!fallback) return undefined;
  return (args) => {
    fallbackCounts[name] = (fallbackCounts[name] ?? 0) + 1;
    return fallback(args);
  };
}

export const OUR_WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Tile',
  'MaxPoolGrad',
  'Sum',
  'Mean',
  'Identity',
] as const;

let registered = false;
/** Registers (once per process) our training kernels for the 'wasm' backend, replacing upstream ones. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const make: Record<(typeof OUR_WASM_KERNELS)[number], (fb: KernelFunc | undefined) => KernelFunc> = {
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    Tile: tile,
    MaxPoolGrad: maxPoolGrad,
    Sum: (fb) => leadingReduce('Sum', fb),
    Mean: (fb) => leadingReduce('Mean', fb),
    Identity: () => identity(),
  };
  for (const name of OUR_WASM_KERNELS) {
    overrideKernel(name, 'wasm', {
      optional: true,
      make: (upstream) => make[name](counted(name, upstream)),
      setup: setupConv,
    });
  }
}
