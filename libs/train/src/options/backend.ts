import { z } from 'zod';

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The threaded wasm build pre-spawns this many pthread workers; more threads than this cannot run. */
export const MAX_WASM_THREADS = 8;

export const backendOptionsSchema = z
  .object({
    /** 'auto' tries AUTO_ORDER; a name forces that backend (an error if it cannot start). */
    backend: z.enum(BACKEND_NAMES).optional(),
    /** Threads for the native and wasm backends (1..8). Default: all logical cores, at most 8. */
    threads: z.number().int().min(1).max(MAX_WASM_THREADS).optional(),
  })
  .strict();
export type BackendOptions = z.input<typeof backendOptionsSchema>;
