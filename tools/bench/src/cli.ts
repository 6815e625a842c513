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
};

export const summary = 'benchmarks: training throughput, CCA speed, pipeline engine overhead';

const help = `Usage: transfusion bench <train|cca|pipeline> [options]   (transfusion bench <name> --help)

  train      training images/s and GFLOP/s of a model on the chosen backend
  cca        SVCCA/PWCCA/CKA speed at study sizes
  pipeline   engine overhead: cold, fully cached and one-param reruns of a 50-stage pipeline`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${help}\n`);
    return name ? 0 : 2;
  }
  const load = benches[name];
  if (!load) throw new UsageError(`transfusion bench: unknown benchmark '${name}'; expected train, cca or pipeline`);
  return (await load()).main(rest);
}
