// Measures how OpenBLAS's threads behave next to the oneDNN/OpenMP kernels in one process (README "Linear
// algebra"): wall and CPU time of float64 products and eigendecompositions per BLAS thread count, the CPU the
// process burns while idle right after a BLAS call (OpenBLAS threads spin before they sleep), and a oneDNN
// convolution run right after BLAS work. Usage: node scripts/linalg-threads.mjs [d=512] [repeats=5]
import { loadLinalg, loadNative } from '../dist/index.js';

const d = Number(process.argv[2] ?? 512);
const repeats = Number(process.argv[3] ?? 5);
const la = loadLinalg();
const nat = loadNative();
if (!la.available || !nat.available) {
  console.error(
    `needs the addon with linear algebra: ${la.available ? '' : la.reason} ${nat.available ? '' : nat.reason}`,
  );
  process.exit(1);
}

function measure(label, f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(`${label.padEnd(58)} wall ${wall.toFixed(3)} s  cpu ${cpu.toFixed(3)} s`);
  return { wall, cpu };
}

function idleCpu(ms) {
  const c0 = process.cpuUsage();
  const until = Date.now() + ms;
  // Sleep without spinning the JS thread: Atomics.wait blocks it.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, until - Date.now()));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const rows = 10000;
const x = Float64Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.618) + (i % 7));
const sym = la.gram(x.subarray(0, 2000 * d), 2000, d);
const conv = [32, 32, 32, 16, 3, 3, 32, 32, 32, 1, 1, 1, 1, 1, 1, 1, 1];
const cx = new Float32Array(32 * 32 * 32 * 16).fill(0.5);
const cf = new Float32Array(3 * 3 * 16 * 32).fill(0.1);
const cy = new Float32Array(32 * 32 * 32 * 32);
console.log(
  `OpenBLAS ${la.info().config}; OMP_WAIT_POLICY=${process.env['OMP_WAIT_POLICY']}; OPENBLAS_THREAD_TIMEOUT=${process.env['OPENBLAS_THREAD_TIMEOUT'] ?? '(default)'}`,
);
for (const threads of [1, 2]) {
  la.setThreads(threads);
  nat.addon.setThreads(threads);
  measure(`${threads} BLAS thread(s): comoments ${rows}x${d} (x${repeats})`, () => {
    for (let r = 0; r < repeats; r++) la.comoments(x, rows, d, null, 0, 1);
  });
  measure(`${threads} BLAS thread(s): eigh ${d}x${d} with vectors (x${repeats})`, () => {
    for (let r = 0; r < repeats; r++) la.eigh(sym, d);
  });
  la.gram(x, rows, d);
  console.log(
    `${threads} BLAS thread(s): process CPU during 200 ms idle right after a BLAS call: ${idleCpu(200).toFixed(3)} s`,
  );
  la.gram(x, rows, d);
  measure(`${threads} thread(s): oneDNN conv 32x32x32x16 -> 32 right after a BLAS call (x20)`, () => {
    for (let r = 0; r < 20; r++) nat.addon.conv2dForward(conv, cx, cf, null, 0, cy);
  });
  idleCpu(500);
  measure(`${threads} thread(s): the same conv after 500 ms idle (x20)`, () => {
    for (let r = 0; r < 20; r++) nat.addon.conv2dForward(conv, cx, cf, null, 0, cy);
  });
}
