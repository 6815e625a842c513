// `transfusion bench cca`: flags, help and the printed report of the CCA benchmark (tools/bench).
import { loadavg } from 'node:os';
import { benchCca, type BenchCcaSize } from '@transfusion/bench';
import { UsageError } from '@transfusion/pipeline';
import { z } from 'zod';
import { parseCheckedFlags } from '../../args.js';
import { EXIT, type CommandIo } from '../../command.js';

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

/** `--sizes 10000x512,50000x2048` as [N, D] pairs. */
function parseSizes(spec: string): [number, number][] {
  return spec.split(',').map((s) => {
    const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
    if (m === null || Number(m[1]) < 8 || Number(m[2]) < 1)
      throw new UsageError(`bad size "${s}" in --sizes; expected NxD such as 10000x512`);
    return [Number(m[1]), Number(m[2])];
  });
}

function line(e: BenchCcaSize): string {
  const numpy = e.numpy;
  return (
    `N=${e.n} d=${e.d} (datapoints ${e.datapoints}, ${e.threads} threads): statistics ${e.seconds.statistics} s; alone ${Object.entries(
      e.seconds.alone,
    )
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')}; ` +
    `all four from statistics ${e.seconds.allFourFromStatistics} s; end-to-end CLI ${e.seconds.endToEnd} s (CPU ${e.cpuSeconds.endToEnd} s); load ${loadavg()[0]!.toFixed(1)}` +
    (numpy === null
      ? ''
      : 'error' in numpy
        ? `; numpy: ${numpy.error}`
        : `; numpy ${numpy.numpy}: ${numpy.all.toFixed(2)} s (CPU ${numpy.cpu.toFixed(2)} s; statistics ${numpy.statistics.toFixed(2)} s), max |Δvalue| ${numpy.maxAbsDiff.toExponential(1)}`) +
    '\n'
  );
}

/** `transfusion bench cca ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const { flags: f } = parseCheckedFlags(
    argv,
    {
      sizes: { type: 'string' },
      'max-datapoints': { type: 'string' },
      threads: { type: 'string' },
      python: { type: 'string' },
      'no-numpy': { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    flagsSchema,
    { prefix: 'invalid ' },
  );
  if (f.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const options = {
    sizes: parseSizes(f.sizes),
    maxDatapoints: f['max-datapoints'],
    numpy: !f['no-numpy'],
    seed: f.seed,
    ...(f.threads === undefined ? {} : { threads: f.threads }),
    ...(f.python === undefined ? {} : { python: f.python }),
  };
  const result = await benchCca(
    options,
    (s) => io.stderr(`bench cca: ${s}\n`),
    (e) => {
      if (!f.json) io.stdout(line(e));
    },
  );
  if (f.json) io.stdout(`${JSON.stringify(result)}\n`);
  return EXIT.ok;
}
