// Peak memory and throughput of training streamed from an Arrow image set much larger
// than the batch. Generates the set (written shard by shard, never held in memory) unless `file` exists, then
// trains a zoo model (or bench-cbr) on it with the real training loop, reading batches through the streamed
// dataset (worker threads, bounded prefetch), and reports images/s and the process's peak RSS.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createImageSetWriter, type ImageSet } from '@transfusion/data';
import { buildModel, isModelName, MODEL_NAMES } from '@transfusion/models';
import {
  type BackendOptions,
  buildBenchCbr,
  describeBackend,
  openStreamedImages,
  releaseBackend,
  resolveBackend,
  trainModel,
  type tf,
} from '@transfusion/train';
import { z } from 'zod';
import { parseBenchOptions } from './errors.js';
import { noise32 } from '@transfusion/random';

export const benchStreamOptionsSchema = z
  .object({
    images: z.coerce.number().int().min(1).default(50_000),
    size: z.coerce.number().int().min(8).max(1024).default(224),
    channels: z.coerce.number().int().min(1).max(4).default(3),
    /** bench-cbr or a zoo model. */
    model: z
      .string()
      .refine((m) => m === 'bench-cbr' || isModelName(m), {
        error: `expected bench-cbr or one of ${MODEL_NAMES.join(', ')}`,
      })
      .default('resnet50'),
    width: z.coerce.number().positive().max(16).default(1),
    batch: z.coerce.number().int().min(1).default(16),
    steps: z.coerce.number().int().min(1).default(20),
    workers: z.coerce.number().int().min(0).max(32).default(2),
    prefetch: z.coerce.number().int().min(1).max(64).default(4),
    file: z.string().min(1).optional(),
    keep: z.boolean().default(false),
    /** Write the set and stop. */
    generateOnly: z.boolean().default(false),
    backend: z.string().optional(),
  })
  .strict();

export type BenchStreamOptions = z.input<typeof benchStreamOptionsSchema>;

/** Peak resident set of this process: getrusage (kB on Linux) and /proc/self/status VmHWM (null elsewhere). */
export function peakMemory(): { maxrss_bytes: number; vmhwm_bytes: number | null; rss_bytes: number } {
  let vmhwm: number | null = null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) vmhwm = Number(m[1]) * 1024;
  } catch {
    // not Linux: only getrusage
  }
  return {
    maxrss_bytes: process.resourceUsage().maxRSS * 1024,
    vmhwm_bytes: vmhwm,
    rss_bytes: process.memoryUsage.rss(),
  };
}

/** Writes N seeded random images with labels 0..4 and splits 80/10/10, one shard at a time. */
export async function generateImageSet(
  file: string,
  o: { images: number; size: number; channels: number; shardSize?: number },
  log: (s: string) => void,
): Promise<void> {
  const shard = o.shardSize ?? 256;
  const per = o.size * o.size * o.channels;
  const w = await createImageSetWriter(
    file,
    {
      name: 'bench-stream',
      height: o.size,
      width: o.size,
      channels: o.channels,
      dtype: 'uint8',
      task: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'] },
      meta: { generator: 'transfusion bench stream', images: String(o.images) },
    },
    shard,
  );
  const noise = noise32(0x9e3779b9);
  let lastAt = 0;
  try {
    for (let a = 0; a < o.images; a += shard) {
      const n = Math.min(shard, o.images - a);
      const images = new Uint8Array(n * per);
      const words = new Uint32Array(images.buffer, 0, Math.floor(images.length / 4));
      for (let i = 0; i < words.length; i++) words[i] = noise();
      const labels = Float32Array.from({ length: n }, (_, i) => (a + i) % 5);
      const set: ImageSet = {
        name: 'bench-stream',
        height: o.size,
        width: o.size,
        channels: o.channels,
        images,
        task: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'] },
        labels,
        mask: new Uint8Array(n).fill(1),
        ids: Array.from({ length: n }, (_, i) => `img${a + i}`),
        patients: Array.from({ length: n }, (_, i) => `p${(a + i) >> 1}`),
        splits: Array.from({ length: n }, (_, i) =>
          (a + i) % 10 === 8 ? 'val' : (a + i) % 10 === 9 ? 'test' : 'train',
        ),
        meta: {},
      };
      await w.write(set);
      if (performance.now() - lastAt > 2000 || a + n === o.images) {
        lastAt = performance.now();
        log(`generate: ${a + n}/${o.images} images`);
      }
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.close();
}

/**
 * Generates the set unless `file` exists, then trains on it streamed for `steps` steps and measures images/s and
 * the peak resident memory; `log` receives progress lines. With generateOnly, stops after writing the set.
 */
export async function benchStream(options: BenchStreamOptions, log: (line: string) => void) {
  const o = parseBenchOptions(benchStreamOptionsSchema, options);
  const temp = o.file === undefined;
  const file = o.file ?? join(tmpdir(), `transfusion-bench-stream-${process.pid}`, 'set.arrow');
  try {
    const t0 = performance.now();
    let generated = false;
    if (!existsSync(file)) {
      await mkdir(dirname(file), { recursive: true });
      await generateImageSet(file, o, log);
      generated = true;
    }
    const generateSeconds = (performance.now() - t0) / 1000;
    const afterGenerate = peakMemory();
    if (o.generateOnly) {
      return {
        generateOnly: true as const,
        file,
        images: o.images,
        generate_seconds: generateSeconds,
        ...afterGenerate,
      };
    }
    // validated by the backend schema (an unknown name is a TRAIN_BAD_OPTIONS error naming the choices)
    const backendOptions = (o.backend ? { backend: o.backend } : {}) as BackendOptions;
    const backend = await resolveBackend(backendOptions);
    const data = await openStreamedImages(file, { workers: o.workers, prefetch: o.prefetch });
    try {
      const [h, w, c] = data.imageShape;
      const train = data.dataset(data.rowsOf('train'));
      let model: tf.LayersModel;
      if (o.model === 'bench-cbr') model = buildBenchCbr({ size: h, channels: c, classes: 5 });
      else
        model = buildModel({
          name: o.model as (typeof MODEL_NAMES)[number],
          inputSize: [h, w],
          channels: c,
          classes: 5,
          width: o.width,
        }).model;
      log(`${o.model} on ${train.size} streamed ${h}x${w}x${c} images from ${file}; ${describeBackend(backend)}`);
      const stepTimes: number[] = [];
      let last = performance.now();
      const result = await trainModel(
        model,
        { train },
        {
          task: { type: 'multiclass', numClasses: 5 },
          backend: backendOptions,
          batchSize: o.batch,
          epochs: 1_000_000,
          maxSteps: o.steps,
          seed: 1,
          progress: false,
          evalEvery: o.steps + 1,
        },
        {
          onStep: (step) => {
            const now = performance.now();
            stepTimes.push((now - last) / 1000);
            last = now;
            log(
              `step ${step}/${o.steps}: ${((now - t0) / 1000).toFixed(1)} s, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
            );
          },
        },
      );
      // the first step includes building the graph and the first reads: images/s is over the later steps
      const timed = stepTimes.slice(1);
      const seconds = timed.reduce((a, b) => a + b, 0);
      const mem = peakMemory();
      const out = {
        file,
        generated,
        images: data.numRows,
        train_images: train.size,
        size: h,
        channels: c,
        model: o.model,
        width: o.width,
        batch: o.batch,
        steps: result.steps,
        workers: o.workers,
        prefetch: o.prefetch,
        backend: describeBackend(backend),
        images_per_s: timed.length ? (timed.length * o.batch) / seconds : result.imagesPerSecond,
        first_step_seconds: stepTimes[0] ?? null,
        train_seconds: result.seconds,
        generate_seconds: generated ? generateSeconds : null,
        dataset_bytes: data.numRows * h * w * c,
        batch_bytes_float32: o.batch * h * w * c * 4,
        peak_rss_bytes: mem.maxrss_bytes,
        vmhwm_bytes: mem.vmhwm_bytes,
        rss_end_bytes: mem.rss_bytes,
        peak_rss_after_generate_bytes: afterGenerate.maxrss_bytes,
        reader_thread_jobs: data.workerJobs,
      };
      model.dispose();
      return { generateOnly: false as const, ...out };
    } finally {
      await data.close();
    }
  } finally {
    releaseBackend();
    if (temp && !o.keep) await rm(dirname(file), { recursive: true, force: true });
  }
}
