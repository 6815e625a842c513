import { explainFromArgs } from './explain.js';

export const summary = 'list each stage as cached, stale or missing';

export const help = `Usage: transfusion status <pipeline.yaml> [options]

One line per stage: cached (in the store under its current key), stale (ran before, but its key changed
or an upstream will rerun), missing (never ran in this store). Exit code 0 whatever the status.

Options:
  --set PATH=VALUE     as for run (repeatable)
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --registry MODULE    as for run
  --json               {"pipeline", "stages": [{"stage", "status", "key"}], "counts"}
  -h, --help           this help`;

export async function main(argv: string[]): Promise<number> {
  const explained = await explainFromArgs('status', argv, help);
  if (!explained) return 0;
  const { result } = explained;
  const counts = { cached: 0, stale: 0, missing: 0 };
  for (const s of result.stages) counts[s.status]++;
  if (explained.json) {
    process.stdout.write(
      `${JSON.stringify({ pipeline: result.pipeline, stages: result.stages.map(({ stage, status, key }) => ({ stage, status, key })), counts })}\n`,
    );
    return 0;
  }
  const width = Math.max(...result.stages.map((s) => s.stage.length));
  for (const s of result.stages) process.stdout.write(`${s.stage.padEnd(width)}  ${s.status}\n`);
  process.stdout.write(
    `${result.pipeline}: ${counts.cached} cached, ${counts.stale} stale, ${counts.missing} missing\n`,
  );
  return 0;
}
