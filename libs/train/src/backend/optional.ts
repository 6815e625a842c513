// Optional accelerated backends. None of these packages is a dependency: each is imported by a computed
// specifier inside try/catch, so a missing package is a skipped candidate, never a crash or a type error.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { requireCjs } from './tf.js';

export interface Attempt {
  backend: string;
  ok: boolean;
  /** Why it was skipped or failed (absent package, no GPU, init error). */
  reason?: string;
}

/** Dynamic import whose specifier TypeScript cannot resolve at build time (the package may be absent). */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

function packageVersion(name: string): string | undefined {
  try {
    return (requireCjs(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function isInstalled(name: string): boolean {
  try {
    requireCjs.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** A CUDA device is visible when the NVIDIA driver exposes one and CUDA_VISIBLE_DEVICES does not hide it. */
export function cudaDeviceVisible(env: NodeJS.ProcessEnv = process.env): boolean {
  const visible = env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
}

export interface OptionalResult {
  attempt: Attempt;
  version?: string;
}

/** tfjs-node / tfjs-node-gpu register the 'tensorflow' backend (libtensorflow, native threads). */
export async function tryTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<OptionalResult> {
  const label = pkg === '@tensorflow/tfjs-node-gpu' ? 'tensorflow-gpu' : 'tensorflow';
  if (!isInstalled(pkg)) return { attempt: { backend: label, ok: false, reason: `${pkg} is not installed` } };
  if (pkg === '@tensorflow/tfjs-node-gpu' && !cudaDeviceVisible()) {
    return { attempt: { backend: label, ok: false, reason: 'no CUDA device visible' } };
  }
  try {
    await importOptional(pkg);
    if (!(await tf.setBackend('tensorflow'))) throw new Error("setBackend('tensorflow') returned false");
    return { attempt: { backend: label, ok: true }, version: packageVersion(pkg) };
  } catch (err) {
    return { attempt: { backend: label, ok: false, reason: `failed to load ${pkg}: ${(err as Error).message}` } };
  }
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** WebGPU through Dawn for Node (`webgpu` package) + @tensorflow/tfjs-backend-webgpu, when an adapter exists. */
export async function tryWebGpu(adapterTimeoutMs = 5000): Promise<OptionalResult> {
  const fail = (reason: string): OptionalResult => ({ attempt: { backend: 'webgpu', ok: false, reason } });
  if (!isInstalled('webgpu')) return fail('webgpu (Dawn for Node) is not installed');
  if (!isInstalled('@tensorflow/tfjs-backend-webgpu')) return fail('@tensorflow/tfjs-backend-webgpu is not installed');
  try {
    // The `webgpu` package exports `create(flags)` returning a GPU object, and `globals` (GPUBufferUsage...).
    const dawn = (await importOptional('webgpu')) as { create(flags: string[]): GpuLike; globals: object };
    const gpu = dawn.create([]);
    let timer: NodeJS.Timeout | undefined;
    const adapter = await Promise.race([
      gpu.requestAdapter(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), adapterTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!adapter) return fail('no WebGPU adapter found');
    Object.assign(globalThis, dawn.globals);
    const g = globalThis as { navigator?: { gpu?: GpuLike } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    await importOptional('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error("setBackend('webgpu') returned false");
    return { attempt: { backend: 'webgpu', ok: true }, version: packageVersion('@tensorflow/tfjs-backend-webgpu') };
  } catch (err) {
    return fail(`WebGPU initialisation failed: ${(err as Error).message}`);
  }
}
