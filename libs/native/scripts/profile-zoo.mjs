// Per-kernel wall and CPU time of zoo-model training steps (resnet50, inception-v3, cbr-*) on the native
// backend (BK=wasm for wasm + oneDNN). Usage: node libs/native/scripts/profile-zoo.mjs MODEL [size] [channels]
// [batch] [steps] [--by-shape] (after the build). Computed specifiers: a static import would make Nx see a cycle.
const { resolveBackend, tf, trainModel } = await import(['@transfusion', 'train'].join('/'));
const { buildModel } = await import(['@transfusion', 'models'].join('/'));
const argv = process.argv.slice(2);
const byShape = argv.includes('--by-shape');
const [name, size = 224, channels = 3, batch = 2, steps = 1] = argv
  .filter((a) => a !== '--by-shape')
  .map((a, i) => (i === 0 ? a : Number(a)));
const info = await resolveBackend({
  backend: process.env.BK ?? 'native',
  threads: Number(process.env.TRANSFUSION_THREADS ?? 2),
});
const cpu = {},
  wall = {},
  count = {};
for (const k of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const t0 = process.cpuUsage();
      const w0 = performance.now();
      const out = inner(args);
      const d = process.cpuUsage(t0);
      const key = byShape
        ? `${k.kernelName} ${Object.values(args.inputs)
            .filter(Boolean)
            .map((t) => `[${t.shape}]`)
            .join(' ')} ${JSON.stringify(args.attrs ?? {}).slice(0, 80)}`
        : k.kernelName;
      cpu[key] = (cpu[key] ?? 0) + (d.user + d.system) / 1e6;
      wall[key] = (wall[key] ?? 0) + (performance.now() - w0) / 1000;
      count[key] = (count[key] ?? 0) + 1;
      return out;
    },
  });
}
const n = batch * steps;
const images = new Float32Array(n * size * size * channels).map(() => Math.random());
const labels = new Float32Array(n).map(() => Math.floor(Math.random() * 5));
const zm = buildModel({ name, inputSize: size, channels, classes: 5 });
const opts = {
  task: { type: 'multiclass', numClasses: 5 },
  epochs: 1,
  batchSize: batch,
  optimizer: { type: 'adam', lr: 1e-3 },
  seed: 1,
  progress: false,
  evalEvery: 1e9,
};
const t0 = process.cpuUsage();
const w0 = performance.now();
await trainModel(zm.model, { train: { height: size, width: size, channels, images, labels } }, opts, {
  onStep: (s) => console.error(`step ${s} ${((performance.now() - w0) / 1000).toFixed(1)}s`),
});
const total = process.cpuUsage(t0);
const totalCpu = (total.user + total.system) / 1e6 / steps;
console.log(
  `${info.name}; ${name} ${size}x${size}x${channels} batch ${batch}; per step: ${totalCpu.toFixed(3)} CPU-s, ${((performance.now() - w0) / 1000 / steps).toFixed(3)} s wall`,
);
const rows = Object.entries(wall).sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows.slice(0, byShape ? 40 : 25))
  console.log(
    `${k.padEnd(byShape ? 90 : 24)} wall ${(v / steps).toFixed(3)} cpu ${(cpu[k] / steps).toFixed(3)}  (${(count[k] / steps).toFixed(0)} calls)`,
  );
