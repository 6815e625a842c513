import { explainPipeline, UsageError } from '@transfusion/pipeline';
import { commandArgs, defaultStore, PIPELINE_FLAGS, pipelineSource } from '../args.js';

export const summary = 'say, per stage, whether it is cached and exactly what changed if not';

export const help = `Usage: transfusion explain <pipeline.yaml> [STAGE...] [options]

For each stage (or the named ones and what they need): cached, or why it would rerun, field by field
against the last run of this pipeline in the store: params (path: old → new), inputs (which upstream),
code files, package versions, env, runtime. Reads only; runs and writes nothing.

Options:
  --set PATH=VALUE     as for run (repeatable)
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --registry MODULE    as for run
  --json               one JSON object per stage
  -h, --help           this help`;

/** Parses the flags explain and status share and computes the explanation; null when --help was printed. */
export async function explainFromArgs(
  command: 'explain' | 'status',
  argv: string[],
  helpText: string,
): Promise<{ json: boolean; result: Awaited<ReturnType<typeof explainPipeline>> } | null> {
  const args = commandArgs(command, argv, helpText, PIPELINE_FLAGS);
  if (!args) return null;
  const { values, positionals } = args;
  if (positionals.length < 1 || (command === 'status' && positionals.length > 1)) {
    throw new UsageError(
      `transfusion ${command}: expected ${command === 'status' ? 'one pipeline file' : 'a pipeline file and optional stage names'} (see transfusion ${command} --help)`,
    );
  }
  const [file, ...only] = positionals as [string, ...string[]];
  const result = await explainPipeline({
    ...pipelineSource(file, values),
    only,
    store: defaultStore(values.store),
  });
  return { json: Boolean(values.json), result };
}

export async function main(argv: string[]): Promise<number> {
  const explained = await explainFromArgs('explain', argv, help);
  if (!explained) return 0;
  for (const s of explained.result.stages) {
    if (explained.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      continue;
    }
    const label = s.status === 'cached' ? 'cached' : s.status === 'stale' ? 'rerun' : 'new';
    process.stdout.write(`${s.stage}  ${label}${s.key ? `  ${s.key.slice(0, 12)}` : ''}\n`);
    for (const c of s.changes) process.stdout.write(`    ${c}\n`);
  }
  return 0;
}
