// `transfusion bench train`: flags, help and the printed report of the training benchmark (tools/bench).
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchTrain } from '@transfusion/bench';
import {
  BACKEND_NAMES,
  BENCH_MODELS,
  MAX_WASM_THREADS,
  TrainError,
  type TrainBenchOptions,
  type TrainBenchResult,
} from '@transfusion/train';
import type { CommandIo } from '../../command.js';

export const summary =
  'training images/s, GFLOP/s and memory of bench-cbr, ResNet50 or Inception-v3 (optionally vs PyTorch)';

const cpuCount = () => availableParallelism();

const HELP = `Usage: transfusion bench train [options]

Trains a model with the real training loop (trainModel, Adam, batch-norm in training mode) on random data
and reports the throughput and peak memory of the timed steps. 'bench-cbr' is 4 x [5x5 conv (no bias) ->
batch norm -> ReLU -> 3x3/2 max pool] with 32/64/128/256 filters, global average pool, dense 5; 'resnet50'
and 'inception-v3' are the zoo's full-width Keras-layout models (libs/models) with a 5-way linear head.
If a python3 with PyTorch is importable (Debian: python3-torch; or set TRANSFUSION_PYTHON), the same
architecture is trained there with the same batch and thread count (its parameter count must equal ours)
and the ratio is printed.

Options:
  --model NAME       ${BENCH_MODELS.join(' | ')} (default bench-cbr)
  --size S           image height and width (default 64)
  --channels C       image channels (default 1)
  --batch B          batch size (default 32)
  --steps N          timed steps (default 5)
  --warmup N         untimed steps first (default 2)
  --backend NAME     ${BACKEND_NAMES.join(' | ')} (default: $TRANSFUSION_BACKEND or auto)
  --threads T        wasm threads, 1..${MAX_WASM_THREADS} (default: $TRANSFUSION_THREADS or all cores)
  --no-torch         skip the PyTorch peer
  --json             print one JSON object on stdout (images_per_s, gflops_per_s, backend, threads, ...)
  -h, --help         show this help

GFLOP/s counts conv and dense multiply-adds (2 FLOPs each) of the forward pass and both gradients.
Progress goes to stderr; results to stdout.
`;

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new TrainError('TRAIN_BAD_OPTIONS', `--${name}: expected an integer, got '${v}'`);
  return n;
}

function report(r: TrainBenchResult): string {
  const lines = [
    `${r.model} ${r.size}x${r.size}x${r.channels}, batch ${r.batch}, Adam on ${r.backend_description}`,
    `training: ${r.images_per_s.toFixed(2)} images/s, ${r.gflops_per_s.toFixed(1)} GFLOP/s ` +
      `(${r.gflop_per_image.toFixed(3)} GFLOP per image-step; ${r.steps} timed steps after ${r.warmup} warm-up)`,
    `cpu: ${r.images_per_cpu_s.toFixed(1)} images per CPU-second over ${r.cpu_seconds.toFixed(1)} s; 1-min load average ${r.load_average_1m.toFixed(2)} on ${cpuCount()} cores`,
    `memory: ${r.peak_rss_mib.toFixed(0)} MiB peak resident; ${r.parameters} trainable parameters`,
  ];
  if (r.torch) {
    lines.push(
      `pytorch ${r.torch.version} (${r.torch.threads} thread${r.torch.threads === 1 ? '' : 's'}): ${r.torch.images_per_s.toFixed(2)} images/s, ` +
        `${r.torch.images_per_cpu_s.toFixed(1)} images per CPU-second, ${r.torch.peak_rss_mib.toFixed(0)} MiB peak; ratio ${r.backend}/pytorch = ${r.ratio_vs_torch!.toFixed(2)} (wall), ${r.cpu_ratio_vs_torch!.toFixed(2)} (CPU)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        size: { type: 'string' },
        channels: { type: 'string' },
        batch: { type: 'string' },
        steps: { type: 'string' },
        warmup: { type: 'string' },
        backend: { type: 'string' },
        threads: { type: 'string' },
        'no-torch': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`bench train: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values['help']) {
    io.stdout(HELP);
    return 0;
  }
  try {
    const s = (k: string) => values[k] as string | undefined;
    const options: Record<string, unknown> = {
      model: s('model'),
      size: intFlag('size', s('size')),
      channels: intFlag('channels', s('channels')),
      batch: intFlag('batch', s('batch')),
      steps: intFlag('steps', s('steps')),
      warmup: intFlag('warmup', s('warmup')),
      backend: s('backend'),
      threads: intFlag('threads', s('threads')),
      torch: !values['no-torch'],
    };
    for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
    // Values are validated (and typed) by the schema inside runTrainBenchmark.
    const result = await benchTrain(options as TrainBenchOptions, (line) => io.stderr(`${line}\n`));
    io.stdout(values['json'] ? `${JSON.stringify(result)}\n` : report(result));
    return 0;
  } catch (err) {
    if (err instanceof TrainError && err.code === 'TRAIN_BAD_OPTIONS') {
      io.stderr(
        `bench train: ${err.message.replace(/^benchmark options: /, '')}\nRun 'transfusion bench train --help' for usage.\n`,
      );
      return 2;
    }
    io.stderr(`bench train: ${(err as Error).message}\n`);
    return 1;
  }
}
