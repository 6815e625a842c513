import { isUsageError } from '../args.js';
import { EXIT, guarded, processIo, type CommandIo } from '../command.js';

export const summary =
  'benchmarks: training throughput, CCA speed, pipeline engine overhead, streamed training memory, import at scale';

// Loaded on demand: the training benchmark pulls in tfjs, the CCA one only the CCA lib.
const benches: Record<string, () => Promise<{ main(argv: string[], io: CommandIo): Promise<number> }>> = {
  train: () => import('./bench/train.js'),
  cca: () => import('./bench/cca.js'),
  pipeline: () => import('./bench/pipeline.js'),
  stream: () => import('./bench/stream.js'),
  'import-tree': () => import('./bench/import-tree.js'),
};

const help = `Usage: transfusion bench <train|cca|pipeline|stream|import-tree> [options]   (transfusion bench <name> --help)

  train        training images/s and GFLOP/s of a model on the chosen backend
  cca          SVCCA/PWCCA/CKA speed at study sizes
  pipeline     engine overhead: cold, fully cached and one-param reruns of a 50-stage pipeline
  stream       peak RSS and images/s of training streamed from a generated N-image Arrow set
  import-tree  generate a tree of tiny PNG files with a labels CSV, and time importing it`;

/** `transfusion bench <name> ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stdout(`${help}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = benches[name];
  if (!load) {
    io.stderr(`transfusion bench: unknown benchmark '${name}'; expected train, cca, pipeline, stream or import-tree\n`);
    return EXIT.usage;
  }
  const [bench, { BenchOptionsError }, { asUsageError }] = await Promise.all([
    load(),
    import('@transfusion/bench'),
    import('./bench/options.js'),
  ]);
  const hint = `Run 'transfusion bench ${name} --help' for usage.\n`;
  return guarded(
    io,
    `bench ${name}`,
    async () => {
      try {
        return await bench.main(rest, io);
      } catch (e) {
        throw e instanceof BenchOptionsError ? asUsageError(e) : e;
      }
    },
    isUsageError,
    hint,
  );
}
