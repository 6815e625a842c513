import { parseArgs } from 'node:util';
import { explainPipeline, UsageError } from '@transfusion/pipeline';
import { defaultStore, parseFlags, PIPELINE_FLAGS, REGISTRY_DEFAULT } from '../args.js';

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
  const { values, positionals } = parseFlags('status', () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...PIPELINE_FLAGS,
      },
    }),
  );
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('transfusion status: expected one pipeline file (see transfusion status --help)');
  const result = await explainPipeline({ pipelineFile: positionals[0]!, registry: values.registry ?? REGISTRY_DEFAULT, sets: values.set ?? [], store: defaultStore(values.store) });
  const counts = { cached: 0, stale: 0, missing: 0 };
  for (const s of result.stages) counts[s.status]++;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ pipeline: result.pipeline, stages: result.stages.map(({ stage, status, key }) => ({ stage, status, key })), counts })}\n`);
    return 0;
  }
  const width = Math.max(...result.stages.map((s) => s.stage.length));
  for (const s of result.stages) process.stdout.write(`${s.stage.padEnd(width)}  ${s.status}\n`);
  process.stdout.write(`${result.pipeline}: ${counts.cached} cached, ${counts.stale} stale, ${counts.missing} missing\n`);
  return 0;
}
