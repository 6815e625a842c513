import { loadLinalg, nativeMode, noticeLinalgUnavailable, type Linalg } from '@transfusion/native';
import { matmul } from './dense.js';
import { eigh, type Eigen } from './eigh.js';
import { CcaError } from './errors.js';
import { matmulT, type RawMoments } from './kernels.js';
import { LINALG_MODES, type LinalgMode, linalgModeSchema } from './linalg-mode.js';

// The mode schema lives in linalg-mode.ts (zod only) for the light '@transfusion/cca/schemas' entry.
export { LINALG_MODES, type LinalgMode, linalgModeSchema };

/** The operations the CCA code delegates; both implementations agree to rounding. */
export interface LinalgBackend {
  readonly kind: 'native' | 'typescript';
  /** For logs: "OpenBLAS 0.3.21" or "TypeScript". */
  readonly description: string;
  /** Symmetric eigendecomposition, values descending, row k of vectors for values[k] (see eigh.ts). */
  eigh(a: Float64Array, n: number, wantVectors?: boolean): Eigen;
  /** A·B, A r × k, B k × c. */
  matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array;
  /** A·Bᵀ, A r × k, B c × k. */
  matmulT(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array;
  /**
   * partialMoments over all rows in one call (threads inside BLAS), or null: the TypeScript kernels run by row
   * ranges on worker threads instead (parallel.ts).
   */
  readonly moments:
    | ((
        x: Float64Array | Float32Array,
        p: number,
        y: Float64Array | Float32Array | null,
        q: number,
        want: number,
      ) => RawMoments)
    | null;
  /** Threads for the following calls (OpenBLAS's pool; the TypeScript path takes them per call). */
  setThreads(threads: number): void;
}

export const typescriptBackend: LinalgBackend = {
  kind: 'typescript',
  description: 'TypeScript',
  eigh,
  matmul,
  matmulT,
  moments: null,
  setThreads: () => undefined,
};

export function nativeBackend(la: Linalg): LinalgBackend {
  return {
    kind: 'native',
    description: `OpenBLAS ${la.version}`,
    eigh: (a, n, wantVectors = true) => la.eigh(a, n, wantVectors),
    matmul: (a, b, r, k, c) => la.gemm(a, b, { m: r, n: c, k }),
    matmulT: (a, b, r, k, c) => la.gemm(a, b, { m: r, n: c, k, transB: true }),
    moments: (x, p, y, q, want) => {
      const n = x.length / p;
      return { n, p, q: y === null ? 0 : q, ...la.comoments(x, n, p, y, q, want) };
    },
    setThreads: (threads) => la.setThreads(Math.min(threads, 256)),
  };
}

/** Validates a `linalg` option (CLI flag or options object). */
export function parseLinalgMode(v: unknown, where = 'linalg'): LinalgMode {
  const r = linalgModeSchema.safeParse(v ?? 'auto');
  if (!r.success)
    throw new CcaError(
      'CCA_BAD_OPTIONS',
      `invalid option ${where}: expected one of ${LINALG_MODES.join(', ')}, got ${JSON.stringify(v)}`,
    );
  return r.data;
}

/**
 * The backend for `mode` with `threads` BLAS threads. Throws CCA_LINALG_UNAVAILABLE when native is required
 * ('native', or TRANSFUSION_NATIVE=1) but cannot load; in 'auto' mode prints the reason once and uses TypeScript.
 */
export function resolveLinalg(
  mode: LinalgMode = 'auto',
  threads?: number,
  env: NodeJS.ProcessEnv = process.env,
): LinalgBackend {
  if (mode === 'typescript') return typescriptBackend;
  let envMode: string;
  try {
    envMode = nativeMode(env);
  } catch (err) {
    throw new CcaError('CCA_BAD_OPTIONS', (err as Error).message);
  }
  const load = loadLinalg(env);
  if (!load.available) {
    if (mode === 'native' || envMode === '1') {
      const why = mode === 'native' ? 'linalg: native' : 'TRANSFUSION_NATIVE=1';
      throw new CcaError(
        'CCA_LINALG_UNAVAILABLE',
        `native linear algebra unavailable: ${load.reason} (${why} requires it)`,
      );
    }
    if (envMode !== '0') noticeLinalgUnavailable(load.reason);
    return typescriptBackend;
  }
  const backend = nativeBackend(load);
  if (threads !== undefined) backend.setThreads(threads);
  return backend;
}
