// Float64 linear algebra of the addon (csrc/linalg.cc, OpenBLAS + LAPACK), for @transfusion/cca. Compiled in only
// when build-native found OpenBLAS: loadLinalg() says whether it is there and, if not, why.
import { z } from 'zod';
import { readBuildStatus, STATUS_PATH } from './build-status.js';
import { NativeError } from './errors.js';
import { loadNative, nativeMode } from './load.js';

/** The raw functions csrc/linalg.cc adds to the addon (row-major float64, written in place; checked in C++). */
export interface LinalgAddon {
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    b: Float64Array,
    beta: number,
    c: Float64Array,
  ): void;
  syrk(trans: boolean, n: number, k: number, alpha: number, a: Float64Array, beta: number, c: Float64Array): void;
  comoments(
    x: Activations,
    rows: number,
    p: number,
    y: Activations | null,
    q: number,
    want: number,
    out: ComomentsOut,
  ): ComomentSums;
  syevd(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array | null): void;
  gesdd(a: Float64Array, m: number, n: number, s: Float64Array, u: Float64Array | null, vt: Float64Array | null): void;
  potrf(a: Float64Array, n: number): number;
  setBlasThreads(threads: number): void;
  blasInfo(): BlasInfo;
}

export type Activations = Float32Array | Float64Array;

export interface BlasInfo {
  /** OpenBLAS version the addon was compiled against, e.g. "0.3.21". */
  version: string;
  /** openblas_get_config(): build options and the CPU kernel chosen at run time. */
  config: string;
  threads: number;
  /** 0 sequential, 1 pthreads, 2 OpenMP. */
  parallel: number;
}

/** Outputs of {@link Linalg.comoments} (see there). */
export interface ComomentsOut {
  meanX: Float64Array<ArrayBuffer>;
  meanY: Float64Array<ArrayBuffer>;
  sxx: Float64Array<ArrayBuffer> | null;
  syy: Float64Array<ArrayBuffer> | null;
  sxy: Float64Array<ArrayBuffer> | null;
  au: Float64Array<ArrayBuffer>;
  bu: Float64Array<ArrayBuffer>;
  av: Float64Array<ArrayBuffer>;
  bv: Float64Array<ArrayBuffer>;
}

export interface ComomentSums {
  sumA: number;
  sumB: number;
  sumAA: number;
  sumBB: number;
  sumAB: number;
}

export const WANT_XX = 1;
export const WANT_YY = 2;
export const WANT_XY = 4;

/** Checked, allocating wrappers over {@link LinalgAddon}. All matrices are row-major Float64Arrays. */
export interface Linalg {
  readonly available: true;
  /** OpenBLAS version, e.g. "0.3.21". */
  readonly version: string;
  /** The unchecked-in-TypeScript functions (still checked in C++), for callers that manage their own buffers. */
  readonly addon: LinalgAddon;
  /** C = op(A)·op(B) (m × n): op(A) is m × k (A stored k × m when transA), op(B) is k × n (B stored n × k when transB). */
  gemm(a: Float64Array, b: Float64Array, shape: GemmShape): Float64Array;
  /** AᵀA (cols × cols) of the rows × cols matrix A, both triangles filled (dsyrk). */
  gram(a: Float64Array, rows: number, cols: number): Float64Array;
  /**
   * Centred co-moments of X (rows × p) and optionally Y (rows × q), float32 or float64, centred at the mean of all
   * rows: S_xx = XcᵀXc, S_yy, S_xy = XcᵀYc per `want` (bit flags WANT_XX | WANT_YY | WANT_XY), and the row-norm
   * sums of debiased CKA (a_i = ‖x_i − m_x‖², b_i = ‖y_i − m_y‖²; au = Σ a_i(x_i − m_x), ...).
   */
  comoments(
    x: Activations,
    rows: number,
    p: number,
    y: Activations | null,
    q: number,
    want: number,
  ): ComomentsOut & ComomentSums;
  /** Symmetric eigendecomposition (dsyevd): values descending, row k of `vectors` the unit eigenvector of values[k]. */
  eigh(a: Float64Array, n: number, wantVectors?: boolean): { values: Float64Array; vectors: Float64Array };
  /** Thin SVD (dgesdd) A = U·diag(s)·Vᵀ: s descending (min(m, n)), u m × k, vt k × n (empty without vectors). */
  svd(
    a: Float64Array,
    m: number,
    n: number,
    wantVectors?: boolean,
  ): { s: Float64Array; u: Float64Array; vt: Float64Array };
  /** Lower Cholesky factor L (A = L·Lᵀ) of a symmetric positive-definite matrix, or null if it is not positive definite. */
  cholesky(a: Float64Array, n: number): Float64Array | null;
  /** OpenBLAS threads for every following call (1..256). */
  setThreads(threads: number): void;
  info(): BlasInfo;
}

export type LinalgLoad = Linalg | { readonly available: false; readonly reason: string };

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

const dimSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const gemmShapeSchema = z
  .object({
    m: dimSchema,
    n: dimSchema,
    k: dimSchema,
    transA: z.boolean().default(false),
    transB: z.boolean().default(false),
  })
  .strict();
const threadsSchema = z.number().int().min(1).max(256);

function bad(message: string): NativeError {
  return new NativeError('NATIVE_BAD_OPTIONS', message);
}

function dims(values: Record<string, number>, min = 0): void {
  for (const [name, v] of Object.entries(values)) {
    if (!dimSchema.min(min).safeParse(v).success)
      throw bad(`${name}: expected an integer from ${min} to 2^31-1, got ${v}`);
  }
}

function float64(a: unknown, length: number, what: string): asserts a is Float64Array {
  if (!(a instanceof Float64Array)) throw bad(`${what}: expected a Float64Array`);
  if (a.length !== length) throw bad(`${what}: expected ${length} elements, got ${a.length}`);
}

function activations(a: unknown, length: number, what: string): asserts a is Activations {
  if (!(a instanceof Float64Array) && !(a instanceof Float32Array))
    throw bad(`${what}: expected a Float32Array or Float64Array`);
  if (a.length !== length) throw bad(`${what}: expected ${length} elements, got ${a.length}`);
}

function wrap(addon: LinalgAddon): Linalg {
  return {
    available: true,
    version: addon.blasInfo().version,
    addon,
    gemm(a, b, shape) {
      const parsed = gemmShapeSchema.safeParse(shape);
      if (!parsed.success)
        throw bad(
          `gemm shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      const { m, n, k, transA, transB } = parsed.data;
      float64(a, m * k, 'a');
      float64(b, k * n, 'b');
      const c = new Float64Array(m * n);
      addon.gemm(transA, transB, m, n, k, 1, a, b, 0, c);
      return c;
    },
    gram(a, rows, cols) {
      dims({ rows, cols });
      float64(a, rows * cols, 'a');
      const c = new Float64Array(cols * cols);
      addon.syrk(true, cols, rows, 1, a, 0, c);
      return c;
    },
    comoments(x, rows, p, y, q, want) {
      dims({ rows, p }, 1);
      activations(x, rows * p, 'x');
      if (y !== null) {
        dims({ q }, 1);
        activations(y, rows * q, 'y');
      }
      const qq = y === null ? 0 : q;
      if (!Number.isInteger(want) || want < 0 || want > 7) throw bad(`want: expected bit flags 1 | 2 | 4, got ${want}`);
      if (y === null && (want & (WANT_YY | WANT_XY)) !== 0) throw bad('want: YᵀY or XᵀY requested without y');
      const out: ComomentsOut = {
        meanX: new Float64Array(p),
        meanY: new Float64Array(qq),
        sxx: (want & WANT_XX) !== 0 ? new Float64Array(p * p) : null,
        syy: (want & WANT_YY) !== 0 ? new Float64Array(qq * qq) : null,
        sxy: (want & WANT_XY) !== 0 ? new Float64Array(p * qq) : null,
        au: new Float64Array(p),
        bu: new Float64Array(p),
        av: new Float64Array(qq),
        bv: new Float64Array(qq),
      };
      return { ...out, ...addon.comoments(x, rows, p, y, qq, want, out) };
    },
    eigh(a, n, wantVectors = true) {
      dims({ n });
      float64(a, n * n, 'a');
      const values = new Float64Array(n);
      const vectors = new Float64Array(wantVectors ? n * n : 0);
      addon.syevd(a, n, values, wantVectors ? vectors : null);
      return { values, vectors };
    },
    svd(a, m, n, wantVectors = true) {
      dims({ m, n });
      float64(a, m * n, 'a');
      const k = Math.min(m, n);
      const s = new Float64Array(k);
      const u = new Float64Array(wantVectors ? m * k : 0);
      const vt = new Float64Array(wantVectors ? k * n : 0);
      addon.gesdd(a, m, n, s, wantVectors ? u : null, wantVectors ? vt : null);
      return { s, u, vt };
    },
    cholesky(a, n) {
      dims({ n });
      float64(a, n * n, 'a');
      const l = Float64Array.from(a);
      return addon.potrf(l, n) === 0 ? l : null;
    },
    setThreads(threads) {
      if (!threadsSchema.safeParse(threads).success)
        throw bad(`threads: expected an integer from 1 to 256, got ${threads}`);
      addon.setBlasThreads(threads);
    },
    info: () => addon.blasInfo(),
  };
}

/** Why the built addon has no linear algebra, from build-native's status file. */
function blasReason(statusPath: string): string {
  const fallback =
    'the addon was built without OpenBLAS (apt-get install libopenblas-dev, then npx nx run @transfusion/native:build-native)';
  const status = readBuildStatus(statusPath);
  if (status === 'missing') return fallback;
  if ('unreadable' in status) return status.unreadable;
  return status.blas?.reason ?? fallback;
}

function hasLinalg(addon: object): addon is LinalgAddon {
  return ['gemm', 'syrk', 'comoments', 'syevd', 'gesdd', 'potrf', 'setBlasThreads', 'blasInfo'].every(
    (name) => typeof (addon as Record<string, unknown>)[name] === 'function',
  );
}

/** Exported for tests: the load decision given an addon object (or the reason there is none) and the status file. */
export function linalgFrom(
  load: { available: true; addon: object } | { available: false; reason: string },
  statusPath = STATUS_PATH,
): LinalgLoad {
  if (!load.available) return { available: false, reason: load.reason };
  if (!hasLinalg(load.addon)) return { available: false, reason: blasReason(statusPath) };
  return wrap(load.addon);
}

let cached: Linalg | undefined;

/**
 * The float64 linear algebra, or why not: TRANSFUSION_NATIVE=0 (checked on every call), no addon, or an addon
 * built without OpenBLAS (the reason build-native recorded). Never throws for a missing library.
 */
export function loadLinalg(env: NodeJS.ProcessEnv = process.env): LinalgLoad {
  if (nativeMode(env) === '0') return { available: false, reason: 'disabled by TRANSFUSION_NATIVE=0' };
  if (cached !== undefined) return cached;
  const r = linalgFrom(loadNative(env));
  if (r.available) cached = r;
  return r;
}

/** The one-line notice for logs. */
export function linalgUnavailableMessage(reason: string): string {
  return `native linear algebra unavailable: ${reason}`;
}

let noticeShown = false;

/**
 * Prints {@link linalgUnavailableMessage} to stderr the first time it is called in this process (callers call it
 * when they wanted the native path and fall back); returns whether it printed.
 */
export function noticeLinalgUnavailable(
  reason: string,
  write: (s: string) => void = (s) => process.stderr.write(s),
): boolean {
  if (noticeShown) return false;
  noticeShown = true;
  write(`${linalgUnavailableMessage(reason)}; using the TypeScript path\n`);
  return true;
}
