// Loads the oneDNN addon if it was built (Nx target build-native) and TRANSFUSION_NATIVE allows it.
// Never throws for a missing addon: the caller gets the reason and stays on the wasm path.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { NativeAddon } from './addon.js';
import { readBuildStatus } from './build-status.js';
import { NativeError } from './errors.js';

export const ADDON_PATH = fileURLToPath(new URL('../build/Release/transfusion_native.node', import.meta.url));

/** TRANSFUSION_NATIVE: '0' never load, '1' required (callers turn unavailability into an error), 'auto'/unset: if built. */
export const nativeModeSchema = z.enum(['0', '1', 'auto']);
export type NativeMode = z.infer<typeof nativeModeSchema>;

export type NativeLoad =
  | {
      available: true;
      addon: NativeAddon;
      dnnlVersion: string;
      path: string;
      /** sha256 of the sources the addon was built from (build-native records it), or 'unknown'. */
      sources: string;
    }
  | { available: false; reason: string };

export function nativeMode(env: NodeJS.ProcessEnv = process.env): NativeMode {
  const raw = env['TRANSFUSION_NATIVE'];
  if (raw === undefined || raw === '') return 'auto';
  const parsed = nativeModeSchema.safeParse(raw);
  if (!parsed.success) throw new NativeError('NATIVE_BAD_OPTIONS', `TRANSFUSION_NATIVE=${raw}: expected 0, 1 or auto`);
  return parsed.data;
}

/** The sources hash build-native recorded next to the addon. */
function builtFrom(): string {
  const status = readBuildStatus();
  return typeof status === 'object' && 'ok' in status ? (status.sources ?? 'unknown') : 'unknown';
}

/** Why build-native produced no addon, from its status file. */
function buildReason(): string {
  const status = readBuildStatus();
  if (status === 'missing')
    return `addon not built (run: npx nx run @transfusion/native:build-native; expected ${ADDON_PATH})`;
  if ('unreadable' in status) return status.unreadable;
  return status.reason ?? `addon missing at ${ADDON_PATH}`;
}

let loaded: NativeLoad | undefined;

function loadAddon(): NativeLoad {
  if (!existsSync(ADDON_PATH)) return { available: false, reason: buildReason() };
  // OpenMP threads that spin while idle steal the CPU from the wasm workers and other jobs (20-30% measured):
  // libgomp reads this once, when it is loaded with the addon.
  process.env['OMP_WAIT_POLICY'] ??= 'passive';
  // Likewise OpenBLAS's idle threads (the CCA's linear algebra, same addon), which spin for 2^28 cycles (~0.1 s)
  // after every call (measured: scripts/linalg-threads.mjs); 2^4 makes them sleep at once, at no measurable cost
  // for CCA's few large calls. libopenblas reads it once, when the addon is loaded.
  process.env['OPENBLAS_THREAD_TIMEOUT'] ??= '4';
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    return { available: true, addon, dnnlVersion: addon.info().dnnlVersion, path: ADDON_PATH, sources: builtFrom() };
  } catch (err) {
    return { available: false, reason: `cannot load ${ADDON_PATH}: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** The addon, or why not. The addon is loaded once per process; TRANSFUSION_NATIVE=0 wins on every call. */
export function loadNative(env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (nativeMode(env) === '0') return { available: false, reason: 'disabled by TRANSFUSION_NATIVE=0' };
  loaded ??= loadAddon();
  return loaded;
}

/** The one-line notice for logs. */
export function unavailableMessage(reason: string): string {
  return `native kernels unavailable: ${reason}`;
}

/** Like loadNative, but an error (NATIVE_UNAVAILABLE) when the addon cannot be used. */
export function requireNative(env: NodeJS.ProcessEnv = process.env): NativeAddon {
  const r = loadNative(env);
  if (!r.available) throw new NativeError('NATIVE_UNAVAILABLE', unavailableMessage(r.reason));
  return r.addon;
}
