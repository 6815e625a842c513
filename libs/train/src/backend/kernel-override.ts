// The one way this lib puts a kernel of its own over a tfjs kernel (native-kernels.ts, wasm-kernels.ts,
// native-backend.ts): the replaced kernel stays reachable as the fallback for every case ours does not cover,
// and its setup/dispose functions stay with the backend.
import type { KernelConfig, KernelFunc, KernelSetupFunc } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

interface OverrideOptions {
  /** Runs before the replaced kernel's setup, e.g. to set up the wasm heap functions our kernel calls. */
  setup?: KernelSetupFunc;
}

/** Our kernel needs the one it replaces as its fallback: a backend without it is an internal error. */
export interface KernelOverride extends OverrideOptions {
  make: (replaced: KernelFunc) => KernelFunc;
  optional?: false;
}

/** Our kernel also works where the backend has none to replace (e.g. a gradient tfjs lacks upstream). */
export interface OptionalKernelOverride extends OverrideOptions {
  make: (replaced: KernelFunc | undefined) => KernelFunc;
  optional: true;
}

/** Registers `o.make(replaced)` as `backendName`'s kernel `name`, replacing the registered one. */
export function overrideKernel(name: string, backendName: string, o: KernelOverride | OptionalKernelOverride): void {
  const replaced = tf.getKernel(name, backendName);
  let kernelFunc: KernelFunc;
  if (o.optional) kernelFunc = o.make(replaced?.kernelFunc);
  else if (replaced) kernelFunc = o.make(replaced.kernelFunc);
  else throw new Error(`internal: no ${backendName} kernel ${name} to wrap`);
  if (replaced) tf.unregisterKernel(name, backendName);
  const setups = [o.setup, replaced?.setupFunc].filter((f): f is KernelSetupFunc => f !== undefined);
  const config: KernelConfig = {
    kernelName: name,
    backendName,
    kernelFunc,
    ...(setups.length > 0 ? { setupFunc: (backend: object) => setups.forEach((f) => f(backend)) } : {}),
    ...(replaced?.disposeFunc ? { disposeFunc: replaced.disposeFunc } : {}),
  };
  tf.registerKernel(config);
}
