// `transfusion bench stream`: flags, help and the printed report of the streamed-training benchmark (tools/bench).
import { benchStream, type BenchStreamOptions } from '@transfusion/bench';
import { MODEL_NAMES } from '@transfusion/models';
import type { CommandIo } from '../../command.js';
import { benchArgs } from './options.js';

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

const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);

/** `transfusion bench stream ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const args = benchArgs(
    argv,
    {
      images: { type: 'string' },
      size: { type: 'string' },
      channels: { type: 'string' },
      model: { type: 'string' },
      width: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      workers: { type: 'string' },
      prefetch: { type: 'string' },
      file: { type: 'string' },
      keep: { type: 'boolean' },
      'generate-only': { type: 'boolean' },
      backend: { type: 'string' },
    },
    HELP,
    io,
  );
  if (!args) return 0;
  const { json } = args;
  // the flags are strings; the benchmark's schema coerces and checks them (errors name the flag)
  const r = await benchStream(args.options as BenchStreamOptions, (line) => io.stderr(`${line}\n`));
  if (r.generateOnly) {
    const { generateOnly: _, ...out } = r;
    io.stdout(json ? `${JSON.stringify(out)}\n` : `wrote ${out.file} in ${out.generate_seconds.toFixed(1)} s\n`);
    return 0;
  }
  const { generateOnly: _, ...out } = r;
  if (json) io.stdout(`${JSON.stringify(out)}\n`);
  else
    io.stdout(
      `${[
        `${out.model} (width ${out.width}) on ${out.train_images} streamed ${out.size}x${out.size}x${out.channels} images, batch ${out.batch}, ${out.steps} steps on ${out.backend}`,
        `throughput: ${out.images_per_s.toFixed(1)} images/s (steps 2..${out.steps}); first step ${out.first_step_seconds?.toFixed(1)} s`,
        `memory: peak RSS ${mib(out.peak_rss_bytes)} (VmHWM ${mib(out.vmhwm_bytes)}) for a ${mib(out.dataset_bytes)} data set; ${out.workers} reader threads, ${out.prefetch} batches ahead`,
      ].join('\n')}\n`,
    );
  return 0;
}
