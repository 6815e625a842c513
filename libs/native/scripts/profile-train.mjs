// Per-kernel CPU profile of bench-cbr training steps on the wasm backend (+ native kernels unless
// TRANSFUSION_NATIVE=0). Usage: node libs/native/scripts/profile-train.mjs [size] [channels] [batch] [steps] [--by-shape]
// (after `npx nx run @transfusion/train:build`). CPU time per kernel via process.cpuUsage (all threads);
// --by-shape lists kernel + input shapes separately (which layer's convolution, which batch-norm op).
// Computed specifier: @transfusion/train depends on this package, so a static import would make Nx see a cycle.
const trainPackage = ['@transfusion', 'train'].join('/');
const { buildBenchCbr, resolveBackend, tf, trainModel } = await import(trainPackage);

const argv = process.argv.slice(2);
const byShape = argv.includes('--by-shape');
const [size = 64, channels = 1, batch = 32, steps = 4] = argv.filter((a) => a !== '--by-shape').map(Number);
const info = await resolveBackend({ backend: 'wasm', threads: Number(process.env.TRANSFUSION_THREADS ?? 2) });
const cpu = {};
const count = {};
for (const k of tf.getKernelsForBackend('wasm')) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const t0 = process.cpuUsage();
      const out = inner(args);
      const d = process.cpuUsage(t0);
      const key = byShape
        ? `${k.kernelName} ${Object.values(args.inputs)
            .filter(Boolean)
            .map((t) => `[${t.shape}]`)
            .join(' ')}`
        : k.kernelName;
      cpu[key] = (cpu[key] ?? 0) + (d.user + d.system) / 1e6;
      count[key] = (count[key] ?? 0) + 1;
      return out;
    },
  });
}
const n = batch * (steps + 1);
const images = new Float32Array(n * size * size * channels).map(() => Math.random());
const labels = new Float32Array(n * 5).map(() => (Math.random() < 0.5 ? 1 : 0));
const data = { height: size, width: size, channels, images, labels };
const model = buildBenchCbr({ size, channels, classes: 5, seed: 1 });
const opts = {
  task: { type: 'multilabel' },
  epochs: 1,
  batchSize: batch,
  optimizer: { type: 'adam', lr: 1e-3 },
  seed: 1,
  progress: false,
  evalEvery: 1e9,
};
await trainModel(
  model,
  {
    train: {
      ...data,
      images: images.subarray(0, batch * size * size * channels),
      labels: labels.subarray(0, batch * 5),
    },
  },
  opts,
); // warm-up
for (const k of Object.keys(cpu)) {
  cpu[k] = 0;
  count[k] = 0;
}
const t0 = process.cpuUsage();
const w0 = performance.now();
await trainModel(model, { train: data }, opts);
const total = process.cpuUsage(t0);
const stepsRun = steps + 1;
const totalCpu = (total.user + total.system) / 1e6 / stepsRun;
console.log(
  `backend ${info.native?.active ? 'wasm + oneDNN' : 'wasm'}; ${size}x${size}x${channels} batch ${batch}; per step: ${totalCpu.toFixed(3)} CPU-s, ${((performance.now() - w0) / 1000 / stepsRun).toFixed(3)} s wall`,
);
const rows = Object.entries(cpu)
  .filter(([, v]) => v > 0)
  .sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows.slice(0, byShape ? 40 : 18))
  console.log(
    `${k.padEnd(byShape ? 60 : 24)} ${(v / stepsRun).toFixed(3)} CPU-s/step  ${((100 * v) / stepsRun / totalCpu).toFixed(1)}%  (${(count[k] / stepsRun).toFixed(0)} calls)`,
  );
