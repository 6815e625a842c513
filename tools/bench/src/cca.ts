import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseBenchOptions } from './errors.js';
import {
  compareActivationFiles,
  matrix,
  pairMomentsParallel,
  PairSimilarity,
  similarityFromMomentsParallel,
  writeNpy,
  type Matrix,
  type Method,
  type PairMoments,
} from '@transfusion/cca';
import { sampleSorted, XorShift32 } from '@transfusion/random';

export const benchCcaOptionsSchema = z
  .object({
    /** [N, D] pairs: datapoints and neurons per layer (default: the sizes of issue 6). */
    sizes: z
      .array(z.tuple([z.number().int().min(8), z.number().int().min(1)]))
      .min(1)
      .default([
        [10000, 512],
        [50000, 2048],
      ]),
    /** Subsample rows (seeded, the same rows for both layers) when N is larger. */
    maxDatapoints: z.number().int().positive().default(20000),
    /** Worker threads for the statistics (default: available cores). */
    threads: z.number().int().positive().optional(),
    /** Python with numpy (default: /usr/bin/python3 if present, else python3). */
    python: z.string().min(1).optional(),
    /** Run the same computation in numpy and compare. */
    numpy: z.boolean().default(true),
    seed: z.number().int().min(0).default(1),
  })
  .strict();

export type BenchCcaOptions = z.input<typeof benchCcaOptionsSchema>;

const FOUR: Method[] = ['mean', 'svcca', 'pwcca', 'cka'];

/** Two layers of N datapoints: relu(L·W + noise) with a shared latent L, float32 in shared memory. */
function syntheticPair(n: number, d: number, seed: number): { a: Matrix; b: Matrix } {
  const k = 64;
  const rng = new XorShift32(seed);
  const latent = new Float64Array(n * k);
  for (let i = 0; i < latent.length; i++) latent[i] = rng.next() - 0.5;
  const layer = (): Matrix => {
    const w = new Float64Array(k * d);
    for (let i = 0; i < w.length; i++) w[i] = rng.next() - 0.5;
    const out = new Float32Array(new SharedArrayBuffer(n * d * 4));
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      row.fill(0);
      for (let l = 0; l < k; l++) {
        const v = latent[i * k + l]!;
        const o = l * d;
        for (let j = 0; j < d; j++) row[j]! += v * w[o + j]!;
      }
      for (let j = 0; j < d; j++) out[i * d + j] = Math.max(0, row[j]! + 0.6 * (rng.next() - 0.5) + 0.1);
    }
    return matrix(n, d, out);
  };
  return { a: layer(), b: layer() };
}

function subsample(m: Matrix, rows: Int32Array): Matrix {
  const out = new Float32Array(new SharedArrayBuffer(rows.length * m.cols * 4));
  rows.forEach((r, i) => out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return matrix(rows.length, m.cols, out);
}

const round = (s: number) => Math.round(s * 100) / 100;
const seconds = (t0: number) => round((performance.now() - t0) / 1000);

/** Wall and CPU (all threads of this process, workers included) seconds of `f`: on a shared, loaded machine the CPU time is the steadier number. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, wall: seconds(t0), cpu: round((c.user + c.system) / 1e6) };
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
a = np.load(sys.argv[1]).astype(np.float64); b = np.load(sys.argv[2]).astype(np.float64)
n = a.shape[0]
c0 = time.process_time()
t0 = time.perf_counter()
x = a - a.mean(0); y = b - b.mean(0)
sxx = x.T @ x; syy = y.T @ y; sxy = x.T @ y
t1 = time.perf_counter()
def basis(s):
    d = np.diag(s); live = np.nonzero(d >= 1e-10 * d.max())[0]
    lam, v = np.linalg.eigh(s[np.ix_(live, live)]); lam, v = lam[::-1], v[:, ::-1]
    r = int(np.sum(lam > lam[0] * max(n, len(d)) * np.finfo(float).eps))
    return live, lam, v, r
lx_live, lx, vx, rx = basis(sxx); ly_live, ly, vy, ry = basis(syy)
wx = vx[:, :rx] / np.sqrt(lx[:rx]); wy = vy[:, :ry] / np.sqrt(ly[:ry])
c = wx.T @ sxy[np.ix_(lx_live, ly_live)] @ wy
u, s, vt = np.linalg.svd(c)
s = np.clip(s, 0, 1); k = min(len(lx_live), len(ly_live)); rho = np.zeros(k); rho[:len(s)] = s[:k]
mean = float(rho.mean())
def keep(lam, r):
    f = np.cumsum(lam[:r]) / np.sum(lam[:r]); return int(np.argmax(f >= 0.99) + 1)
kx, ky = keep(lx, rx), keep(ly, ry)
svcca = float(np.mean(np.clip(np.linalg.svd(c[:kx, :ky], compute_uv=False), 0, 1)))
if len(lx_live) <= len(ly_live):
    p, lam, v, r = u, lx, vx, rx
else:
    p, lam, v, r = vt.T, ly, vy, ry
alpha = np.abs((p.T * np.sqrt(lam[:r])) @ v[:, :r].T).sum(1); alpha /= alpha.sum()
rr = np.zeros(r); rr[:min(r, len(s))] = s[:min(r, len(s))]
pwcca = float(alpha @ rr)
cka = float(np.sum(sxy ** 2) / np.sqrt(np.sum(sxx ** 2) * np.sum(syy ** 2)))
t2 = time.perf_counter()
print(json.dumps({"numpy": np.__version__, "statistics": t1 - t0, "methods": t2 - t1, "all": t2 - t0, "cpu": time.process_time() - c0,
                  "values": {"mean": mean, "svcca": svcca, "pwcca": pwcca, "cka": cka}}))
`;

export interface NumpyResult {
  numpy: string;
  cpu: number;
  statistics: number;
  methods: number;
  all: number;
  values: Record<string, number>;
}

function runNumpy(python: string, a: string, b: string): Promise<NumpyResult | { error: string }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', NUMPY_SCRIPT, a, b], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) resolve({ error: `${python}: ${stderr.trim().split('\n').pop() ?? err.message}` });
      else resolve(JSON.parse(stdout) as NumpyResult);
    });
  });
}

/** One size's measurements (seconds rounded to 0.01). */
export interface BenchCcaSize {
  n: number;
  d: number;
  datapoints: number;
  threads: number;
  seconds: {
    generate: number;
    statistics: number;
    alone: Record<string, number>;
    allFourFromStatistics: number;
    statisticsPlusAllFour: number;
    endToEnd: number;
  };
  cpuSeconds: { statistics: number; allFourFromStatistics: number; endToEnd: number };
  loadAverage: number[];
  values: Record<string, number>;
  numpy: (NumpyResult & { maxAbsDiff: number }) | { error: string } | null;
}

export interface BenchCcaResult {
  machine: { cpus: number; model: string; node: string };
  sizes: BenchCcaSize[];
}

/**
 * Times @transfusion/cca on synthetic ReLU-like activations at each size: statistics, each method alone, all four
 * together, and end to end from .npy files (compareActivationFiles, what `transfusion cca A B` runs); with numpy,
 * the same computation there. `onSize` receives each size's entry as soon as it is measured.
 */
export async function benchCca(
  options: BenchCcaOptions,
  log: (line: string) => void,
  onSize: (entry: BenchCcaSize) => void = () => undefined,
): Promise<BenchCcaResult> {
  const f = parseBenchOptions(benchCcaOptionsSchema, options);
  const threads = f.threads ?? availableParallelism();
  const python = f.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const dir = await mkdtemp(join(tmpdir(), 'bench-cca-'));
  const report: BenchCcaSize[] = [];
  try {
    for (const [n, d] of f.sizes) {
      log(`N=${n} d=${d}: generating data…`);
      let t = performance.now();
      let { a, b } = syntheticPair(n, d, f.seed);
      const generate = seconds(t);
      const datapoints = Math.min(n, f.maxDatapoints);
      if (datapoints < n) {
        const rows = sampleSorted(datapoints, n, f.seed);
        a = subsample(a, rows);
        b = subsample(b, rows);
        log(`subsampled to ${datapoints} datapoints`);
      }
      log('statistics…');
      const stats = await timed(() => pairMomentsParallel(a, b, { threads }));
      const m = stats.value;
      const statistics = stats.wall;
      const alone: Record<string, number> = {};
      const valueByMethod: Record<string, number> = {};
      // Shallow copies are new cache keys, so every timing includes its own layer decompositions.
      const fresh = (): PairMoments => ({ x: { ...m.x }, y: { ...m.y }, xy: m.xy });
      for (const method of FOUR) {
        log(`${method} alone…`);
        t = performance.now();
        const s = new PairSimilarity(fresh());
        await s.prepare([method], threads);
        valueByMethod[method] = s.run(method).value;
        alone[method] = seconds(t);
      }
      log('all four together…');
      const four = await timed(() => similarityFromMomentsParallel(fresh(), FOUR, {}, { threads }));
      const together = four.wall;
      const fileA = join(dir, `a-${n}x${d}.npy`);
      const fileB = join(dir, `b-${n}x${d}.npy`);
      await writeNpy(fileA, a);
      await writeNpy(fileB, b);
      log(`end-to-end: transfusion cca A B --method ${FOUR.join(',')} --json`);
      const e2e = await timed(() => compareActivationFiles(fileA, fileB, { methods: FOUR, threads }));
      const endToEnd = e2e.wall;
      let numpy: (NumpyResult & { maxAbsDiff: number }) | { error: string } | null = null;
      if (f.numpy) {
        log(`numpy (${python})…`);
        const r = await runNumpy(python, fileA, fileB);
        numpy =
          'error' in r
            ? r
            : { ...r, maxAbsDiff: Math.max(...FOUR.map((k) => Math.abs((r.values[k] ?? NaN) - valueByMethod[k]!))) };
      }
      await rm(fileA);
      await rm(fileB);
      const entry: BenchCcaSize = {
        n,
        d,
        datapoints,
        threads,
        seconds: {
          generate,
          statistics,
          alone,
          allFourFromStatistics: together,
          statisticsPlusAllFour: round(statistics + together),
          endToEnd,
        },
        cpuSeconds: { statistics: stats.cpu, allFourFromStatistics: four.cpu, endToEnd: e2e.cpu },
        loadAverage: loadavg().map(round),
        values: valueByMethod,
        numpy,
      };
      report.push(entry);
      onSize(entry);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    sizes: report,
  };
}
