// `transfusion bench stream`: peak memory and throughput of training streamed from an Arrow image set much larger
// than the batch. Generates the set (written shard by shard, never held in memory) unless --file exists, then
// trains a zoo model (or bench-cbr) on it with the real training loop, reading batches through the streamed
// dataset (worker threads, bounded prefetch), and reports images/s and the process's peak RSS.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createImageSetWriter, type ImageSet } from '@transfusion/data';
import { buildModel, isModelName, MODEL_NAMES } from '@transfusion/models';
import {
  type BackendOptions, buildBenchCbr, describeBackend, openStreamedImages, releaseBackend, resolveBackend, trainModel, type tf,
} from '@transfusion/train';
import { z } from 'zod';
import { noise32 } from '@transfusion/random';

export const summary = 'peak RSS and images/s of training streamed from a generated N-image Arrow set';

const HELP = `Usage: transfusion bench stream [options]

Generates an Arrow image set of N random H×W×C images (5 classes; written shard by shard, so generating it
needs no more memory than one shard) unless --file already holds one, then trains a model on it for K steps,
streaming the batches from disk (reader threads convert uint8 to float32 ahead of the compute), and reports
images/s and the peak resident memory (getrusage maxRSS and /proc/self/status VmHWM) next to the set's size.

Options:
  --images N        images in the generated set (default 50000)
  --size S          image height and width (default 224)
  --channels C      image channels (default 3)
  --model NAME      bench-cbr | ${MODEL_NAMES.join(' | ')} (default resnet50)
  --width W         zoo model width multiplier (default 1)
  --batch B         batch size (default 16)
  --steps K         training steps (default 20)
  --workers T       reader threads (default 2; 0 = on the main thread)
  --prefetch Q      batches read ahead (default 4)
  --file PATH       the image set (default: a temporary file, removed afterwards); generated if missing
  --keep            keep a generated --file
  --generate-only   write the set and stop
  --backend NAME    compute backend (default: $TRANSFUSION_BACKEND or auto)
  --json            one JSON object on stdout
  -h, --help        show this help

Progress goes to stderr. Memory is what the whole process holds at its peak (model, optimiser state, backend
heap, the prefetch queue), not the data set: compare peak_rss_bytes with dataset_bytes.
`;

const flagsSchema = z.object({
  images: z.coerce.number().int().min(1).default(50_000),
  size: z.coerce.number().int().min(8).max(1024).default(224),
  channels: z.coerce.number().int().min(1).max(4).default(3),
  model: z.string().default('resnet50'),
  width: z.coerce.number().positive().max(16).default(1),
  batch: z.coerce.number().int().min(1).default(16),
  steps: z.coerce.number().int().min(1).default(20),
  workers: z.coerce.number().int().min(0).max(32).default(2),
  prefetch: z.coerce.number().int().min(1).max(64).default(4),
  file: z.string().min(1).optional(),
  keep: z.boolean().default(false),
  'generate-only': z.boolean().default(false),
  backend: z.string().optional(),
  json: z.boolean().default(false),
});

export interface BenchIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
const processIo: BenchIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Peak resident set of this process: getrusage (kB on Linux) and /proc/self/status VmHWM (null elsewhere). */
export function peakMemory(): { maxrss_bytes: number; vmhwm_bytes: number | null; rss_bytes: number } {
  let vmhwm: number | null = null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) vmhwm = Number(m[1]) * 1024;
  } catch {
    // not Linux: only getrusage
  }
  return { maxrss_bytes: process.resourceUsage().maxRSS * 1024, vmhwm_bytes: vmhwm, rss_bytes: process.memoryUsage.rss() };
}

/** Writes N seeded random images with labels 0..4 and splits 80/10/10, one shard at a time. */
export async function generateImageSet(
  file: string, o: { images: number; size: number; channels: number; shardSize?: number }, log: (s: string) => void,
): Promise<void> {
  const shard = o.shardSize ?? 256;
  const per = o.size * o.size * o.channels;
  const w = await createImageSetWriter(file, {
    name: 'bench-stream', height: o.size, width: o.size, channels: o.channels, dtype: 'uint8',
    task: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'] }, meta: { generator: 'transfusion bench stream', images: String(o.images) },
  }, shard);
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
        name: 'bench-stream', height: o.size, width: o.size, channels: o.channels, images, task: { kind: 'multiclass', names: ['0', '1', '2', '3', '4'] },
        labels, mask: new Uint8Array(n).fill(1), ids: Array.from({ length: n }, (_, i) => `img${a + i}`),
        patients: Array.from({ length: n }, (_, i) => `p${(a + i) >> 1}`),
        splits: Array.from({ length: n }, (_, i) => ((a + i) % 10 === 8 ? 'val' : (a + i) % 10 === 9 ? 'test' : 'train')), meta: {},
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

export async function main(argv: string[], io: BenchIo = processIo): Promise<number> {
  let raw: Record<string, unknown>;
  try {
    ({ values: raw } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        images: { type: 'string' }, size: { type: 'string' }, channels: { type: 'string' }, model: { type: 'string' }, width: { type: 'string' },
        batch: { type: 'string' }, steps: { type: 'string' }, workers: { type: 'string' }, prefetch: { type: 'string' }, file: { type: 'string' },
        keep: { type: 'boolean' }, 'generate-only': { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`bench stream: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (raw['help']) {
    io.stdout(HELP);
    return 0;
  }
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) {
    io.stderr(`bench stream: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\nRun 'transfusion bench stream --help' for usage.\n`);
    return 2;
  }
  const o = parsed.data;
  if (o.model !== 'bench-cbr' && !isModelName(o.model)) {
    io.stderr(`bench stream: --model: expected bench-cbr or one of ${MODEL_NAMES.join(', ')}, got '${o.model}'\n`);
    return 2;
  }
  const temp = o.file === undefined;
  const file = o.file ?? join(tmpdir(), `transfusion-bench-stream-${process.pid}`, 'set.arrow');
  try {
    const t0 = performance.now();
    let generated = false;
    if (!existsSync(file)) {
      await mkdir(dirname(file), { recursive: true });
      await generateImageSet(file, o, (l) => io.stderr(`${l}\n`));
      generated = true;
    }
    const generateSeconds = (performance.now() - t0) / 1000;
    const afterGenerate = peakMemory();
    if (o['generate-only']) {
      io.stdout(o.json ? `${JSON.stringify({ file, images: o.images, generate_seconds: generateSeconds, ...afterGenerate })}\n` : `wrote ${file} in ${generateSeconds.toFixed(1)} s\n`);
      return 0;
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
      else model = buildModel({ name: o.model as (typeof MODEL_NAMES)[number], inputSize: [h, w], channels: c, classes: 5, width: o.width }).model;
      io.stderr(`${o.model} on ${train.size} streamed ${h}x${w}x${c} images from ${file}; ${describeBackend(backend)}\n`);
      const stepTimes: number[] = [];
      let last = performance.now();
      const result = await trainModel(model, { train }, {
        task: { type: 'multiclass', numClasses: 5 }, backend: backendOptions, batchSize: o.batch, epochs: 1_000_000, maxSteps: o.steps, seed: 1,
        progress: false, evalEvery: o.steps + 1,
      }, {
        onStep: (step) => {
          const now = performance.now();
          stepTimes.push((now - last) / 1000);
          last = now;
          io.stderr(`step ${step}/${o.steps}: ${((now - t0) / 1000).toFixed(1)} s, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB\n`);
        },
      });
      // the first step includes building the graph and the first reads: images/s is over the later steps
      const timed = stepTimes.slice(1);
      const seconds = timed.reduce((a, b) => a + b, 0);
      const mem = peakMemory();
      const out = {
        file, generated, images: data.numRows, train_images: train.size, size: h, channels: c, model: o.model, width: o.width, batch: o.batch,
        steps: result.steps, workers: o.workers, prefetch: o.prefetch, backend: describeBackend(backend),
        images_per_s: timed.length ? (timed.length * o.batch) / seconds : result.imagesPerSecond,
        first_step_seconds: stepTimes[0] ?? null, train_seconds: result.seconds, generate_seconds: generated ? generateSeconds : null,
        dataset_bytes: data.numRows * h * w * c,
        batch_bytes_float32: o.batch * h * w * c * 4,
        peak_rss_bytes: mem.maxrss_bytes, vmhwm_bytes: mem.vmhwm_bytes, rss_end_bytes: mem.rss_bytes,
        peak_rss_after_generate_bytes: afterGenerate.maxrss_bytes,
        reader_thread_jobs: data.workerJobs,
      };
      const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
      io.stdout(o.json ? `${JSON.stringify(out)}\n` : [
        `${o.model} (width ${o.width}) on ${out.train_images} streamed ${h}x${w}x${c} images, batch ${o.batch}, ${out.steps} steps on ${out.backend}`,
        `throughput: ${out.images_per_s.toFixed(1)} images/s (steps 2..${out.steps}); first step ${out.first_step_seconds?.toFixed(1)} s`,
        `memory: peak RSS ${mib(out.peak_rss_bytes)} (VmHWM ${mib(out.vmhwm_bytes)}) for a ${mib(out.dataset_bytes)} data set; ${o.workers} reader threads, ${o.prefetch} batches ahead`,
      ].join('\n') + '\n');
      model.dispose();
      return 0;
    } finally {
      await data.close();
    }
  } catch (err) {
    io.stderr(`bench stream: ${(err as Error).message}\n`);
    return 1;
  } finally {
    releaseBackend();
    if (temp && !o.keep) await rm(dirname(file), { recursive: true, force: true });
  }
}
