// Picks the compute backend: the fastest one that works here, unless the caller or TRANSFUSION_BACKEND says otherwise.
import { availableParallelism } from 'node:os';
import { describeZodIssues, TrainError } from '../errors.js';
import { type Attempt, tryTfjsNode, tryWebGpu } from './optional.js';
import * as tf from '@tensorflow/tfjs';
import { loadWasmPackage } from './tf.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { enableNativeKernels, type NativeKernelsInfo } from './native-kernels.js';
import { registerWasmBackend, shutdownWasmBackend } from './wasm-threaded.js';
import { NATIVE_BACKEND, poolNativeBuffers, registerNativeBackend } from './native-backend.js';
import { clearBufferPool } from './buffer-pool.js';
import {
  BACKEND_NAMES,
  type BackendName,
  type BackendOptions,
  backendOptionsSchema,
  MAX_WASM_THREADS,
} from '../options/backend.js';

/** Resolution order for 'auto'. */
export const AUTO_ORDER = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;

export interface BackendInfo {
  /** Our name for it: one of AUTO_ORDER. */
  name: Exclude<BackendName, 'auto'>;
  /** The tfjs backend name (`tf.getBackend()`). */
  tfBackend: string;
  /** Compute threads (native: oneDNN's OpenMP threads; wasm: XNNPACK pool size; cpu: 1; tfjs-node/GPU: as the runtime decides, reported 0). */
  threads: number;
  /** Version of the package providing the backend. */
  version: string;
  /** For wasm: whether the threaded-SIMD build is in use. */
  simd?: boolean;
  /** Every candidate tried, in order, with the reason it was skipped. */
  attempts: Attempt[];
  /** For native and wasm: whether the optional oneDNN kernels (@transfusion/native, TRANSFUSION_NATIVE) serve it, or why not. */
  native?: NativeKernelsInfo;
}

let current: BackendInfo | undefined;
/** TRANSFUSION_NATIVE as seen when `current` was set up (a change re-initialises). */
let currentNative = '';

function fromEnv(env: NodeJS.ProcessEnv): BackendOptions {
  const out: { backend?: BackendName; threads?: number } = {};
  const b = env['TRANSFUSION_BACKEND'];
  if (b !== undefined && b !== '') {
    if (!(BACKEND_NAMES as readonly string[]).includes(b)) {
      throw new TrainError(
        'TRAIN_BAD_OPTIONS',
        `TRANSFUSION_BACKEND=${b}: expected one of ${BACKEND_NAMES.join(', ')}`,
      );
    }
    out.backend = b as BackendName;
  }
  const t = env['TRANSFUSION_THREADS'];
  if (t !== undefined && t !== '') {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
      throw new TrainError(
        'TRAIN_BAD_OPTIONS',
        `TRANSFUSION_THREADS=${t}: expected an integer from 1 to ${MAX_WASM_THREADS}`,
      );
    }
    out.threads = n;
  }
  return out;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism()));
}

async function startWasm(threads: number, env: NodeJS.ProcessEnv): Promise<BackendInfo> {
  const wasm = loadWasmPackage();
  registerWasmTrainingKernels();
  const native = await enableNativeKernels(threads, env); // after ours: the native kernels wrap them
  registerWasmBackend(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error("setBackend('wasm') returned false");
  const actual = wasm.getThreadsCount();
  return {
    name: 'wasm',
    tfBackend: 'wasm',
    threads: actual,
    version: wasm.version_wasm,
    simd: true,
    attempts: [],
    native,
  };
}

async function startNative(threads: number, env: NodeJS.ProcessEnv): Promise<BackendInfo | Attempt> {
  registerNativeBackend();
  const native = await enableNativeKernels(threads, env, 'native', true);
  if (!native.active) return { backend: 'native', ok: false, reason: native.reason ?? 'the native kernels are off' };
  if (!(await tf.setBackend(NATIVE_BACKEND))) throw new Error(`setBackend('${NATIVE_BACKEND}') returned false`);
  poolNativeBuffers();
  return {
    name: 'native',
    tfBackend: NATIVE_BACKEND,
    threads: native.threads ?? threads,
    version: native.version ?? 'unknown',
    attempts: [],
    native,
  };
}

async function attempt(
  name: Exclude<BackendName, 'auto'>,
  threads: number,
  env: NodeJS.ProcessEnv,
): Promise<BackendInfo | Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const r = await tryTfjsNode(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!r.attempt.ok) return r.attempt;
      return { name, tfBackend: tf.getBackend(), threads: 0, version: r.version ?? 'unknown', attempts: [] };
    }
    case 'webgpu': {
      const r = await tryWebGpu();
      if (!r.attempt.ok) return r.attempt;
      return { name, tfBackend: 'webgpu', threads: 0, version: r.version ?? 'unknown', attempts: [] };
    }
    case 'native':
      return await startNative(threads, env);
    case 'wasm':
      try {
        return await startWasm(threads, env);
      } catch (err) {
        if (err instanceof TrainError) throw err; // TRANSFUSION_NATIVE invalid, or =1 without the addon
        return { backend: 'wasm', ok: false, reason: (err as Error).message };
      }
    case 'cpu':
      await tf.setBackend('cpu');
      return { name, tfBackend: 'cpu', threads: 1, version: tf.version_core, attempts: [] };
  }
}

/**
 * Chooses and initialises the backend. Options win over TRANSFUSION_BACKEND / TRANSFUSION_THREADS, which win
 * over the defaults ('auto', all cores). Calling again with the same request returns the active backend.
 */
export async function resolveBackend(
  options: BackendOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<BackendInfo> {
  const parsed = backendOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TrainError('TRAIN_BAD_OPTIONS', `backend options: ${describeZodIssues(parsed.error.issues)}`);
  }
  const envOpts = fromEnv(env);
  const wanted = parsed.data.backend ?? envOpts.backend ?? 'auto';
  const threads = parsed.data.threads ?? envOpts.threads ?? defaultThreads();
  const nativeSetting = env['TRANSFUSION_NATIVE'] ?? '';
  if (
    current &&
    (wanted === 'auto' || wanted === current.name) &&
    ((current.name !== 'wasm' && current.name !== 'native') ||
      (current.threads === threads && currentNative === nativeSetting))
  ) {
    if (tf.getBackend() === current.tfBackend) return current;
  }
  if (current?.name === 'wasm') shutdownWasmBackend();
  const candidates = wanted === 'auto' ? AUTO_ORDER : [wanted];
  const attempts: Attempt[] = [];
  for (const name of candidates) {
    const r = await attempt(name, threads, env);
    if ('ok' in r) {
      attempts.push(r);
      continue;
    }
    attempts.push({ backend: name, ok: true });
    current = { ...r, attempts };
    currentNative = nativeSetting;
    return current;
  }
  throw new TrainError(
    'TRAIN_BACKEND_UNAVAILABLE',
    `backend '${wanted}' could not start: ${attempts.map((a) => `${a.backend}: ${a.reason ?? 'failed'}`).join('; ')}`,
    { attempts },
  );
}

/** The backend chosen by the last `resolveBackend`, if any. */
export function activeBackend(): BackendInfo | undefined {
  return current;
}

/** One line for logs and run records, e.g. "wasm 4.22.0 (threaded SIMD, 2 threads)". */
export function describeBackend(info: BackendInfo): string {
  if (info.name === 'wasm') {
    const native = info.native?.active ? ` + oneDNN ${info.native.version} kernels` : '';
    return `wasm ${info.version} (${info.threads > 1 ? 'threaded ' : ''}SIMD, ${info.threads} thread${info.threads === 1 ? '' : 's'})${native}`;
  }
  if (info.name === 'cpu') return `cpu ${info.version} (pure JS, 1 thread)`;
  if (info.name === 'native')
    return `native: oneDNN ${info.version} kernels (${info.threads} thread${info.threads === 1 ? '' : 's'}), tfjs cpu ${tf.version_core} for the rest`;
  return `${info.name} ${info.version}`;
}

/** Releases worker threads (wasm) so the process can exit promptly. Safe to call more than once. */
export function releaseBackend(): void {
  if (current?.name === 'wasm') shutdownWasmBackend();
  clearBufferPool();
  current = undefined;
}
