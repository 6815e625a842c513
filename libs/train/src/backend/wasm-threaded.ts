// Registers the tfjs wasm backend built with threads + SIMD for Node.
//
// Upstream disables threads in Node (tfjs#3830): its loader hands Emscripten's pthread glue a Blob URL for
// the worker script, which Node's worker_threads cannot load. We instantiate the threaded build ourselves:
// the worker script is written to a temp file, the main script is given as a file path, and the core count
// Emscripten reports is raised so XNNPACK's pool gets the requested number of threads (upstream caps it at
// logical cores / 2 and at the 8 pre-spawned workers).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MAX_WASM_THREADS } from '../options/backend.js';
import { loadWasmPackage, requireCjs } from './tf.js';

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  PThread?: { terminateAllThreads(): void; runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: unknown;
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type InstantiateCallback = (instance: object, module: object) => void;
// The project's TS lib has no DOM/WebAssembly typings; this is the one call we need.
const WA = (
  globalThis as unknown as {
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }> };
  }
).WebAssembly;

function wasmOutDir(): string {
  return join(dirname(requireCjs.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

let workerScriptPath: string | undefined;
function writeWorkerScript(): string {
  if (workerScriptPath) return workerScriptPath;
  const { wasmWorkerContents } = requireCjs(join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const dir = mkdtempSync(join(tmpdir(), 'transfusion-wasm-'));
  // The contents are a JS template literal whose "\n" escapes became real newlines inside string literals;
  // upstream re-escapes them the same way before making its Blob.
  workerScriptPath = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  writeFileSync(workerScriptPath, wasmWorkerContents.replace(/\n/g, '\\n'));
  return workerScriptPath;
}

/** Emscripten halves the logical core count it sees and caps the pool with it, so report twice the wish. */
function instantiateWithCores(wasmPath: string, threads: number) {
  return (info: { env: Record<string, unknown> }, receive: InstantiateCallback): Record<string, never> => {
    const imports = { ...info, env: { ...info.env, emscripten_num_logical_cores: () => threads * 2 } };
    WA.instantiate(readFileSync(wasmPath), imports).then(
      (out) => receive(out.instance, out.module),
      (err: unknown) => {
        throw err;
      },
    );
    return {};
  };
}

function loadFactory(script: string): Factory {
  const imported = requireCjs(script) as Factory | { default: Factory };
  return typeof imported === 'function' ? imported : imported.default;
}

/** threads > 1: the threaded-SIMD build with a `threads`-wide pool; 1: the single-threaded SIMD build (no workers). */
async function createModule(threads: number): Promise<EmscriptenModule> {
  const out = wasmOutDir();
  let mod: EmscriptenModule;
  if (threads > 1) {
    const mainScript = join(out, 'tfjs-backend-wasm-threaded-simd.js');
    const worker = writeWorkerScript();
    mod = await loadFactory(mainScript)({
      locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : join(out, p)),
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm: instantiateWithCores(join(out, 'tfjs-backend-wasm-threaded-simd.wasm'), threads),
    });
  } else {
    // Upstream's non-threaded glue loads either the plain or the SIMD binary; we always want SIMD.
    mod = await loadFactory(join(out, 'tfjs-backend-wasm.js'))({
      locateFile: (p: string) => join(out, p.endsWith('.wasm') ? 'tfjs-backend-wasm-simd.wasm' : p),
    });
  }
  // Same wrapper object the stock loader attaches (BackendWasm relies on it).
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  return mod;
}

/**
 * (Re)registers the 'wasm' backend factory: the threaded-SIMD build with `threads` threads, or the SIMD build
 * for one thread. Kernels registered for 'wasm' (stock and ours) keep working: they are keyed by backend name.
 */
export function registerWasmBackend(threads: number): void {
  const wasm = loadWasmPackage();
  const n = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(threads)));
  if (tf.engine().registryFactory['wasm']) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const mod = await createModule(n);
      wasm.setThreadsCount(n);
      // BackendWasm's constructor is typed for its own module type; ours is the same object shape.
      const backend = new wasm.BackendWasm(mod as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
      // The constructor started XNNPACK's pool threads. They only ever work while the main thread waits inside a
      // kernel, so they must not keep the event loop alive: unref them and the process exits when its work is
      // done, even if nobody calls releaseBackend().
      for (const w of [...(mod.PThread?.runningWorkers ?? []), ...(mod.PThread?.unusedWorkers ?? [])]) w.unref();
      return backend;
    },
    2,
  );
}

/**
 * Terminates the pthread workers of an initialised wasm backend so the process can exit at once.
 * The backend is removed; `resolveBackend` registers it again when needed.
 */
export function shutdownWasmBackend(): void {
  // `findBackend` would initialise a backend that was only registered, so look in the registry instead.
  if (tf.engine().registry['wasm'] === undefined) return;
  tf.removeBackend('wasm'); // BackendWasm.dispose -> PThread.terminateAllThreads
}
