// The training benchmark behind `transfusion bench train`: trains a model on random data with the real
// training loop (trainModel) and reports images/s, GFLOP/s and peak memory of the timed steps, next to PyTorch
// training the same architecture when it is installed. bench-cbr is built here; the zoo's full-width models
// (resnet50, inception-v3) are built by the caller (@transfusion/models) and passed in.
import { loadavg } from 'node:os';
import { z } from 'zod';
import { describeBackend, resolveBackend } from '../backend/resolve.js';
import { type BackendName, BACKEND_NAMES, MAX_WASM_THREADS } from '../options/backend.js';
import { describeZodIssues, TrainError } from '../errors.js';
import { buildBenchCbr } from '../models/bench-cbr.js';
import { trainingFlopsPerImage } from '@transfusion/models';
import { mulberry32 } from '@transfusion/random';
import { trainModel } from '../training/train-model.js';
import { runTorchPeer, TORCH_MODELS, type TorchResult } from './torch-peer.js';
import type { LayersModel } from '@tensorflow/tfjs';

export const BENCH_MODELS = TORCH_MODELS;

export const trainBenchOptionsSchema = z
  .object({
    model: z.enum(BENCH_MODELS).default('bench-cbr'),
    size: z.number().int().min(8).max(1024).default(64),
    channels: z.number().int().min(1).max(16).default(1),
    batch: z.number().int().min(1).max(4096).default(32),
    classes: z.number().int().min(2).default(5),
    /** Timed steps, after `warmup` untimed ones (kernel setup, XNNPACK operator creation). */
    steps: z.number().int().min(1).default(5),
    warmup: z.number().int().min(0).default(2),
    backend: z.enum(BACKEND_NAMES).optional(),
    threads: z.number().int().min(1).max(MAX_WASM_THREADS).optional(),
    /** Also run the PyTorch peer when Python with torch is importable. */
    torch: z.boolean().default(true),
  })
  .strict();
export type TrainBenchOptions = z.input<typeof trainBenchOptionsSchema>;

export interface TrainBenchResult {
  model: string;
  size: number;
  channels: number;
  batch: number;
  backend: string;
  backend_description: string;
  backend_version: string;
  threads: number;
  images_per_s: number;
  gflops_per_s: number;
  /** Training FLOPs per image and step (conv + dense multiply-adds x 2; forward + both gradients). */
  gflop_per_image: number;
  step_seconds: number[];
  steps: number;
  warmup: number;
  /** CPU seconds (all threads) the process used during the timed steps; wall time suffers on a busy machine, this less so. */
  cpu_seconds: number;
  /** Images per CPU-second of the timed steps. */
  images_per_cpu_s: number;
  /** Peak resident memory of this process so far (MiB; includes building the model). */
  peak_rss_mib: number;
  /** Trainable parameters of the model trained. */
  parameters: number;
  /** 1-minute load average when the benchmark finished (the machine may be shared). */
  load_average_1m: number;
  torch: TorchResult | null;
  /** images_per_s / torch.images_per_s */
  ratio_vs_torch: number | null;
  /** images_per_cpu_s / torch.images_per_cpu_s (less sensitive to other load on the machine) */
  cpu_ratio_vs_torch: number | null;
}

/** Builds a zoo model for the benchmark: `size` x `size` x `channels` input, `classes` linear outputs. */
export type BenchModelBuilder = (o: {
  model: BenchModel;
  size: number;
  channels: number;
  classes: number;
}) => LayersModel;
export type BenchModel = (typeof BENCH_MODELS)[number];

/** `build`: required for resnet50 and inception-v3 (e.g. with @transfusion/models' buildModel); bench-cbr is built here. */
export async function runTrainBenchmark(
  options: TrainBenchOptions,
  log: (line: string) => void = () => {},
  build?: BenchModelBuilder,
): Promise<TrainBenchResult> {
  const parsed = trainBenchOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new TrainError('TRAIN_BAD_OPTIONS', `benchmark options: ${describeZodIssues(parsed.error.issues)}`);
  const o = parsed.data;
  if (!build && o.model !== 'bench-cbr') {
    throw new TrainError(
      'TRAIN_BAD_OPTIONS',
      `benchmark model '${o.model}' needs a model builder (e.g. buildModel from @transfusion/models)`,
    );
  }
  const backendOpts: { backend?: BackendName; threads?: number } = {};
  if (o.backend) backendOpts.backend = o.backend;
  if (o.threads) backendOpts.threads = o.threads;
  const backend = await resolveBackend(backendOpts);
  log(`backend: ${describeBackend(backend)}`);
  const net =
    build && o.model !== 'bench-cbr'
      ? build({ model: o.model, size: o.size, channels: o.channels, classes: o.classes })
      : buildBenchCbr({ size: o.size, channels: o.channels, classes: o.classes, filters: [32, 64, 128, 256] });
  const flops = trainingFlopsPerImage(net);
  const parameters = net.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
  const n = o.batch;
  const rnd = mulberry32(1);
  const images = new Float32Array(n * o.size * o.size * o.channels).map(() => rnd() * 2 - 1);
  const labels = new Float32Array(n).map(() => Math.floor(rnd() * o.classes));
  const stamps: number[] = [];
  let cpuStart = process.cpuUsage();
  let cpuTimed = 0;
  let t0 = performance.now();
  await trainModel(
    net,
    { train: { height: o.size, width: o.size, channels: o.channels, images, labels } },
    {
      task: { type: 'multiclass', numClasses: o.classes },
      batchSize: n,
      epochs: o.warmup + o.steps,
      progress: false,
      optimizer: { type: 'adam', lr: 1e-3 },
      backend: backendOpts,
    },
    {
      onStep: (step) => {
        const now = performance.now();
        stamps.push((now - t0) / 1000);
        t0 = now;
        if (step === o.warmup) cpuStart = process.cpuUsage();
        if (step === o.warmup + o.steps) {
          const d = process.cpuUsage(cpuStart);
          cpuTimed = (d.user + d.system) / 1e6;
        }
        log(
          `step ${step}/${o.warmup + o.steps}${step <= o.warmup ? ' (warm-up)' : ''}: ${stamps[stamps.length - 1]!.toFixed(2)} s`,
        );
      },
    },
  );
  const timed = stamps.slice(o.warmup);
  const seconds = timed.reduce((a, b) => a + b, 0);
  const imagesPerS = (n * timed.length) / seconds;
  let torch: TorchResult | undefined;
  if (o.torch) {
    log('PyTorch peer: looking for python3 with torch...');
    torch = runTorchPeer({
      model: o.model,
      size: o.size,
      channels: o.channels,
      batch: n,
      classes: o.classes,
      steps: o.steps,
      warmup: o.warmup,
      threads: backend.threads || 1,
    });
    log(
      torch
        ? `PyTorch ${torch.version}: ${torch.images_per_s.toFixed(2)} images/s`
        : 'PyTorch peer skipped: no python3 with torch',
    );
    if (torch && torch.parameters !== parameters) {
      throw new TrainError(
        'TRAIN_BAD_MODEL',
        `the PyTorch peer's ${o.model} has ${torch.parameters} trainable parameters, ours ${parameters}: not the same architecture`,
      );
    }
  }
  return {
    model: o.model,
    size: o.size,
    channels: o.channels,
    batch: n,
    backend: backend.name,
    backend_description: describeBackend(backend),
    backend_version: backend.version,
    threads: backend.threads,
    images_per_s: imagesPerS,
    gflops_per_s: (imagesPerS * flops) / 1e9,
    gflop_per_image: flops / 1e9,
    step_seconds: timed,
    cpu_seconds: cpuTimed,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    parameters,
    images_per_cpu_s: (n * timed.length) / cpuTimed,
    steps: o.steps,
    warmup: o.warmup,
    load_average_1m: loadavg()[0]!,
    torch: torch ?? null,
    ratio_vs_torch: torch ? imagesPerS / torch.images_per_s : null,
    cpu_ratio_vs_torch: torch ? (n * timed.length) / cpuTimed / torch.images_per_cpu_s : null,
  };
}
