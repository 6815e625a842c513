import { parseArgs } from 'node:util';
import { explainPipeline, UsageError } from '@transfusion/pipeline';
import { defaultStore, parseFlags, PIPELINE_FLAGS, REGISTRY_DEFAULT } from '../args.js';

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

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('explain', () =>
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
  if (positionals.length < 1) throw new UsageError('transfusion explain: expected a pipeline file (see transfusion explain --help)');
  const [file, ...only] = positionals as [string, ...string[]];
  const result = await explainPipeline({ pipelineFile: file, registry: values.registry ?? REGISTRY_DEFAULT, sets: values.set ?? [], only, store: defaultStore(values.store) });
  for (const s of result.stages) {
    if (values.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      continue;
    }
    const label = s.status === 'cached' ? 'cached' : s.status === 'stale' ? 'rerun' : 'new';
    process.stdout.write(`${s.stage}  ${label}${s.key ? `  ${s.key.slice(0, 12)}` : ''}\n`);
    for (const c of s.changes) process.stdout.write(`    ${c}\n`);
  }
  return 0;
}
