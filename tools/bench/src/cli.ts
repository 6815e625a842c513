import { UsageError } from '@transfusion/pipeline';

interface Bench {
  summary: string;
  main(argv: string[]): Promise<number>;
}

// Loaded on demand: the training benchmark pulls in tfjs, the CCA one only the CCA lib.
const benches: Record<string, () => Promise<Bench>> = {
  train: () => import('./train.js'),
  cca: () => import('./cca.js'),
  pipeline: () => import('./pipeline.js'),
  stream: () => import('./stream.js'),
  'import-tree': () => import('./import-tree.js'),
};

export const summary = 'benchmarks: training throughput, CCA speed, pipeline engine overhead, streamed training memory, import at scale';

const help = `Usage: transfusion bench <train|cca|pipeline|stream|import-tree> [options]   (transfusion bench <name> --help)

  train        training images/s and GFLOP/s of a model on the chosen backend
  cca          SVCCA/PWCCA/CKA speed at study sizes
  pipeline     engine overhead: cold, fully cached and one-param reruns of a 50-stage pipeline
  stream       peak RSS and images/s of training streamed from a generated N-image Arrow set
  import-tree  generate a tree of tiny PNG files with a labels CSV, and time importing it`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${help}\n`);
    return name ? 0 : 2;
  }
  const load = benches[name];
  if (!load) throw new UsageError(`transfusion bench: unknown benchmark '${name}'; expected train, cca, pipeline, stream or import-tree`);
  return (await load()).main(rest);
}
