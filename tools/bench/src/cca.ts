import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
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
import { main as ccaMain } from '@transfusion/cca/cli';

export const summary = 'time mean CCA, SVCCA, PWCCA and CKA at the issue sizes (optionally next to numpy)';

const HELP = `Usage: transfusion bench cca [options]

Times @transfusion/cca on synthetic ReLU-like activations (two correlated layers sharing a 64-dimensional latent):
statistics accumulation, each method alone, all four together (mean,svcca,pwcca,cka), and the end-to-end CLI call
'transfusion cca A.npy B.npy --method mean,svcca,pwcca,cka --json' on float32 .npy files. With numpy available it
runs the same computation (covariance route, LAPACK) on the same files and reports both times and the largest
difference between the values.

Options:
  --sizes LIST            NxD pairs (default: 10000x512,50000x2048, the sizes of issue 6)
  --max-datapoints K      subsample rows (seeded, the same rows for both layers) when N > K (default 20000)
  --threads T             worker threads for the statistics (default: available cores)
  --python PATH           python with numpy (default: /usr/bin/python3 if present, else python3)
  --no-numpy              skip the numpy comparison
  --seed S                data seed (default 1)
  --json                  print one JSON document on stdout
  -h, --help              show this help
`;

const flagsSchema = z
  .object({
    sizes: z.string().default('10000x512,50000x2048'),
    'max-datapoints': z.coerce.number().int().positive().default(20000),
    threads: z.coerce.number().int().positive().optional(),
    python: z.string().optional(),
    'no-numpy': z.boolean().default(false),
    seed: z.coerce.number().int().min(0).default(1),
    json: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();

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

interface NumpyResult {
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

/** `transfusion bench cca ...`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        sizes: { type: 'string' },
        'max-datapoints': { type: 'string' },
        threads: { type: 'string' },
        python: { type: 'string' },
        'no-numpy': { type: 'boolean' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`bench cca: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    process.stderr.write(`bench cca: invalid --${issue.path.join('.')}: ${issue.message}\n`);
    return 2;
  }
  const f = parsed.data;
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sizes: [number, number][] = [];
  for (const s of f.sizes.split(',')) {
    const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
    if (m === null || Number(m[1]) < 8 || Number(m[2]) < 1) {
      process.stderr.write(`bench cca: bad size "${s}" in --sizes; expected NxD such as 10000x512\n`);
      return 2;
    }
    sizes.push([Number(m[1]), Number(m[2])]);
  }
  const threads = f.threads ?? availableParallelism();
  const python = f.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const log = (s: string) => process.stderr.write(`bench cca: ${s}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'bench-cca-'));
  const report = [];
  try {
    for (const [n, d] of sizes) {
      log(`N=${n} d=${d}: generating data…`);
      let t = performance.now();
      let { a, b } = syntheticPair(n, d, f.seed);
      const generate = seconds(t);
      const datapoints = Math.min(n, f['max-datapoints']);
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
      const valueOf: Record<string, number> = {};
      // Shallow copies are new cache keys, so every timing includes its own layer decompositions.
      const fresh = (): PairMoments => ({ x: { ...m.x }, y: { ...m.y }, xy: m.xy });
      for (const method of FOUR) {
        log(`${method} alone…`);
        t = performance.now();
        const s = new PairSimilarity(fresh());
        await s.prepare([method], threads);
        valueOf[method] = s.run(method).value;
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
      const silent = { stdout: () => undefined, stderr: () => undefined };
      const e2e = await timed(() => ccaMain([fileA, fileB, '--method', FOUR.join(','), '--json', '--threads', String(threads)], silent));
      const code = e2e.value;
      const endToEnd = e2e.wall;
      if (code !== 0) throw new Error(`cca CLI exited with ${code}`);
      let numpy: (NumpyResult & { maxAbsDiff: number }) | { error: string } | null = null;
      if (!f['no-numpy']) {
        log(`numpy (${python})…`);
        const r = await runNumpy(python, fileA, fileB);
        numpy = 'error' in r ? r : { ...r, maxAbsDiff: Math.max(...FOUR.map((k) => Math.abs((r.values[k] ?? NaN) - valueOf[k]!))) };
      }
      await rm(fileA);
      await rm(fileB);
      const entry = {
        n, d, datapoints, threads,
        seconds: { generate, statistics, alone, allFourFromStatistics: together, statisticsPlusAllFour: round(statistics + together), endToEnd },
        cpuSeconds: { statistics: stats.cpu, allFourFromStatistics: four.cpu, endToEnd: e2e.cpu },
        loadAverage: loadavg().map(round),
        values: valueOf,
        numpy,
      };
      report.push(entry);
      if (!f.json) {
        process.stdout.write(
          `N=${n} d=${d} (datapoints ${datapoints}, ${threads} threads): statistics ${statistics} s; alone ${FOUR.map((k) => `${k} ${alone[k]} s`).join(', ')}; ` +
            `all four from statistics ${together} s; end-to-end CLI ${endToEnd} s (CPU ${e2e.cpu} s); load ${loadavg()[0]!.toFixed(1)}` +
            (numpy === null
              ? ''
              : 'error' in numpy
                ? `; numpy: ${numpy.error}`
                : `; numpy ${numpy.numpy}: ${numpy.all.toFixed(2)} s (CPU ${numpy.cpu.toFixed(2)} s; statistics ${numpy.statistics.toFixed(2)} s), max |Δvalue| ${numpy.maxAbsDiff.toExponential(1)}`) +
            '\n',
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (f.json) {
    process.stdout.write(`${JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version }, sizes: report })}\n`);
  }
  return 0;
}
