import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { eigh, rotateRows, tql2, tred2, type Eigen } from './eigh.js';
import { CcaError } from './errors.js';
import { addTile4x4, gramPanel, matmulT, PANEL_ROWS, partialMoments, type RawMoments } from './kernels.js';
import { typescriptBackend, type LinalgBackend } from './linalg.js';
import type { Matrix } from './matrix.js';

type Floats = Float64Array | Float32Array;

/**
 * The worker runs the kernels from their own source text, so the same code path works from compiled dist/
 * and under a TypeScript test runner, with no separate worker file to locate.
 */
const WORKER_SOURCE = `
${addTile4x4.toString()}
${gramPanel.toString()}
${partialMoments.toString()}
${eigh.toString()}
${tred2.toString()}
${tql2.toString()}
${rotateRows.toString()}
${matmulT.toString()}
const { parentPort, workerData } = require('node:worker_threads');
const w = workerData;
const out = w.kind === 'eigh'
  ? eigh(w.a, w.n, w.wantVectors)
  : w.kind === 'matmulT'
    ? matmulT(w.a, w.b, w.r, w.k, w.c)
    : partialMoments(w.x, w.p, w.y, w.q, w.r0, w.r1, w.want, w.blockRows);
parentPort.postMessage(out);
`;

/** Copies an array into shared memory unless it already lives there (workers then read it without copies). */
export function toShared(a: Floats): Floats {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const out = a instanceof Float32Array ? new Float32Array(sab) : new Float64Array(sab);
  out.set(a);
  return out;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

function runWorker<T>(data: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    worker.once('message', (m: T) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (e) => reject(new CcaError('CCA_WORKER', `${String(data.kind)} worker failed: ${e.message}`)));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new CcaError('CCA_WORKER', `${String(data.kind)} worker exited with code ${code}`));
    });
  });
}

/**
 * partialMoments over all rows, split into `threads` contiguous row ranges computed by worker threads; the
 * caller merges the partial results (Chan). Small inputs stay on the calling thread. The native backend does
 * all rows in one call (its BLAS has its own threads).
 */
export async function partialMomentsParallel(
  x: Matrix,
  y: Matrix | null,
  want: number,
  threads: number,
  backend: LinalgBackend = typescriptBackend,
): Promise<RawMoments[]> {
  if (backend.moments !== null) {
    backend.setThreads(threads);
    return [backend.moments(x.data, x.cols, y?.data ?? null, y?.cols ?? 0, want)];
  }
  const n = x.rows;
  const t = Math.max(1, Math.min(threads, Math.floor(n / (4 * PANEL_ROWS))));
  if (t <= 1) return [partialMoments(x.data, x.cols, y?.data ?? null, y?.cols ?? 0, 0, n, want, PANEL_ROWS)];
  const xs = toShared(x.data);
  const ys = y === null ? null : toShared(y.data);
  const jobs: Promise<RawMoments>[] = [];
  for (let i = 0; i < t; i++) {
    const r0 = Math.floor((i * n) / t);
    const r1 = Math.floor(((i + 1) * n) / t);
    jobs.push(
      runWorker<RawMoments>({
        kind: 'moments',
        x: xs,
        p: x.cols,
        y: ys,
        q: y?.cols ?? 0,
        r0,
        r1,
        want,
        blockRows: PANEL_ROWS,
      }),
    );
  }
  return Promise.all(jobs);
}

export interface EighJob {
  readonly a: Float64Array;
  readonly n: number;
  readonly wantVectors: boolean;
}

/**
 * Several independent eigendecompositions (the O(d³) stage: both layers' bases, or the SVD of the cross matrix
 * and an SVCCA block) at once, one worker each, at most `threads` at a time. Small ones stay on this thread,
 * where starting a worker would cost more than it saves.
 */
export async function eighMany(
  jobs: readonly EighJob[],
  threads: number,
  backend: LinalgBackend = typescriptBackend,
): Promise<Eigen[]> {
  if (backend.kind === 'native') {
    // LAPACK runs each one on all BLAS threads: one after the other.
    backend.setThreads(threads);
    return jobs.map((j) => backend.eigh(j.a, j.n, j.wantVectors));
  }
  const big = (j: EighJob) => j.n >= 128;
  if (threads <= 1 || jobs.filter(big).length < 2) return jobs.map((j) => eigh(j.a, j.n, j.wantVectors));
  const out: Eigen[] = new Array<Eigen>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      const j = jobs[i]!;
      out[i] = big(j)
        ? await runWorker<Eigen>({ kind: 'eigh', a: j.a, n: j.n, wantVectors: j.wantVectors })
        : eigh(j.a, j.n, j.wantVectors);
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, lane));
  return out;
}

/**
 * A·Bᵀ (A r × k, B c × k) with the rows of A split across worker threads; below ~10⁸ multiply-adds the
 * transfer and start-up cost more than they save, so small products stay on this thread.
 */
export async function matmulTParallel(
  a: Float64Array,
  b: Float64Array,
  r: number,
  k: number,
  c: number,
  threads: number,
  backend: LinalgBackend = typescriptBackend,
): Promise<Float64Array> {
  if (backend.kind === 'native') {
    backend.setThreads(threads);
    return backend.matmulT(a, b, r, k, c);
  }
  const t = Math.min(threads, r);
  if (t <= 1 || r * k * c < 1e8) return matmulT(a, b, r, k, c);
  const parts = await Promise.all(
    Array.from({ length: t }, (_, i) => {
      const r0 = Math.floor((i * r) / t);
      const r1 = Math.floor(((i + 1) * r) / t);
      return runWorker<Float64Array>({ kind: 'matmulT', a: a.slice(r0 * k, r1 * k), b, r: r1 - r0, k, c });
    }),
  );
  const out = new Float64Array(r * c);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}
