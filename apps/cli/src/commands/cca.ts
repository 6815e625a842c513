import { z } from 'zod';
import type { LinalgMode, SimilarityResult } from '@transfusion/cca';
import { isUsageError, parseCheckedFlags } from '../args.js';
import { EXIT, guarded, processIo, type CommandIo } from '../command.js';

export const summary = 'representational similarity of two activation matrices (mean CCA, SVCCA, PWCCA, CKA)';

const HELP = `Usage: transfusion cca A B [--method M[,M...]] [options]

Similarity of two layers' activations. A and B are N × d matrices (rows = the same datapoints in the same
order, columns = neurons) stored as .npy (float32/float64, 2-D, any byte order, C or Fortran) or Arrow tensor
files. Conv activations must be reshaped first: (N·H·W, C) for spatial positions as datapoints, or pooled.

Methods (comma-separated; shared statistics are computed once):
  mean           mean of all min(p′,q′) canonical correlations (also reports google/svcca's 98%-threshold "mean")
  svcca          SVCCA: top principal directions covering --svcca-keep of the variance, then mean CCA
  pwcca          projection-weighted CCA as defined by Morcos et al. 2018
  pwcca-google   google/svcca compute_pwcca (differs from pwcca by up to ±0.05 on real layers)
  cka            linear CKA (Kornblith et al. 2019)
  cka-debiased   linear CKA with the unbiased HSIC estimator

Options:
  --method LIST              methods to compute (default: mean)
  --json                     one JSON object per method per line: {"method","value","n","d1","d2",...}
  --neuron-eps X             drop neurons with variance < X · max variance (default 1e-10)
  --google-neuron-eps X      google/svcca epsilon for pwcca-google (default 0: constant neurons kept)
  --svcca-keep F             SVCCA variance fraction (default 0.99)
  --svcca-criterion C        variance (Σσ², default) or singular (Σσ)
  --svcca-dims K             SVCCA with exactly K directions per layer instead
  --allow-underdetermined    compute CCA-type values even when N ≤ neurons (they are then meaningless)
  --threads T                threads for the statistics and decompositions (default: available cores)
  --linalg MODE              auto (default: OpenBLAS/LAPACK if the native addon has it, else TypeScript),
                             native (required) or typescript; TRANSFUSION_NATIVE=0 forces typescript
  -h, --help                 show this help

Exit codes: 0 ok, 1 failure, 2 bad input or usage.
`;

const flagsSchema = z
  .object({
    method: z.string().default('mean'),
    json: z.boolean().default(false),
    'neuron-eps': z.coerce.number().optional(),
    'google-neuron-eps': z.coerce.number().optional(),
    'svcca-keep': z.coerce.number().optional(),
    'svcca-criterion': z.enum(['variance', 'singular']).optional(),
    'svcca-dims': z.coerce.number().int().optional(),
    'allow-underdetermined': z.boolean().default(false),
    threads: z.coerce.number().int().positive().optional(),
    linalg: z.enum(['auto', 'native', 'typescript'] as const satisfies readonly LinalgMode[]).default('auto'),
    help: z.boolean().default(false),
  })
  .strict();

function human(r: SimilarityResult): string {
  const head = `${r.method.padEnd(13)} ${r.value.toFixed(10)}`;
  switch (r.method) {
    case 'mean':
      return `${head}  (k=${r.rho.length}, mean ρ²=${r.meanSq.toFixed(6)}, google 98% mean=${r.googleMean.toFixed(6)})`;
    case 'svcca':
      return `${head}  (kept ${r.kept1} of ${r.live1} and ${r.kept2} of ${r.live2} directions)`;
    case 'pwcca':
    case 'pwcca-google':
      return `${head}  (weights on ${r.side})`;
    default:
      return head;
  }
}

/** `transfusion cca A B --method ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  // the lib is loaded here, not at the top: `transfusion --help` must not pay for it
  const { ActivationFileError, CcaError, NpyError, compareActivationFiles, parseMethods } = await import(
    '@transfusion/cca'
  );
  const badInput = (e: unknown) =>
    isUsageError(e) || e instanceof CcaError || e instanceof NpyError || e instanceof ActivationFileError;
  return guarded(
    io,
    'transfusion cca',
    async () => {
      const { flags: f, positionals } = parseCheckedFlags(
        argv,
        {
          method: { type: 'string' },
          json: { type: 'boolean' },
          'neuron-eps': { type: 'string' },
          'google-neuron-eps': { type: 'string' },
          'svcca-keep': { type: 'string' },
          'svcca-criterion': { type: 'string' },
          'svcca-dims': { type: 'string' },
          'allow-underdetermined': { type: 'boolean' },
          threads: { type: 'string' },
          linalg: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        flagsSchema,
        { positionals: true, prefix: 'invalid ' },
      );
      if (f.help) {
        io.stdout(HELP);
        return EXIT.ok;
      }
      if (positionals.length !== 2) {
        io.stderr(
          `transfusion cca: expected two activation files A and B, got ${positionals.length} argument(s)\n\n${HELP}`,
        );
        return EXIT.usage;
      }
      const [fileA, fileB] = positionals as [string, string];
      const similarity = {
        ...(f['neuron-eps'] === undefined ? {} : { neuronEps: f['neuron-eps'] }),
        ...(f['google-neuron-eps'] === undefined ? {} : { googleNeuronEps: f['google-neuron-eps'] }),
        ...(f['svcca-keep'] === undefined ? {} : { svccaKeep: f['svcca-keep'] }),
        ...(f['svcca-criterion'] === undefined ? {} : { svccaCriterion: f['svcca-criterion'] }),
        ...(f['svcca-dims'] === undefined ? {} : { svccaDims: f['svcca-dims'] }),
        allowUnderdetermined: f['allow-underdetermined'],
      };
      const options = {
        methods: parseMethods(f.method),
        similarity,
        linalg: f.linalg,
        ...(f.threads === undefined ? {} : { threads: f.threads }),
      };
      const { results } = await compareActivationFiles(fileA, fileB, options, (line) => io.stderr(`cca: ${line}\n`));
      for (const r of results) {
        io.stdout(f.json ? `${JSON.stringify(r)}\n` : `${human(r)}\n`);
        if (!f.json) for (const w of r.warnings) io.stderr(`warning (${r.method}): ${w}\n`);
      }
      return EXIT.ok;
    },
    badInput,
    "Run 'transfusion cca --help' for usage.\n",
  );
}
