import { dagMermaid, dagTree, loadPlan, pipelineDag, selectStages, UsageError } from '@transfusion/pipeline';
import { commandArgs, pipelineSource } from '../args.js';

export const summary = "draw a pipeline's graph: an indented tree, Mermaid or JSON";

export const help = `Usage: transfusion dag <pipeline.yaml> [STAGE...] [options]

The pipeline's stages and what feeds what, read from the file alone (nothing is hashed, run or written).
By default one node per stage of the file, a matrix stage's instances folded in (×N); with STAGE names,
only those stages and what they need.

Output:
  (default)            an indented tree from the stages that need nothing; a stage with several upstreams
                       is drawn under the first and marked "(see above)" under the others
  --mermaid            a Mermaid flowchart (paste into Markdown as a \`\`\`mermaid block)
  --json               {"pipeline", "nodes": [{"id", "uses", "instances"}], "edges": [{"from", "to", "inputs"}]}

Options:
  --instances          one node per matrix instance (train.resnet50.random.0, ...) instead of per stage
  --set PATH=VALUE     as for run (repeatable)
  --registry MODULE    as for run
  -h, --help           this help`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('dag', argv, help, {
    set: { type: 'string', multiple: true },
    registry: { type: 'string' },
    json: { type: 'boolean' },
    mermaid: { type: 'boolean' },
    instances: { type: 'boolean' },
  });
  if (!args) return 0;
  const { values, positionals } = args;
  if (positionals.length < 1)
    throw new UsageError(
      'transfusion dag: expected a pipeline file and optional stage names (see transfusion dag --help)',
    );
  if (values.json && values.mermaid) throw new UsageError('transfusion dag: --json and --mermaid exclude each other');
  const [file, ...only] = positionals as [string, ...string[]];
  const plan = await loadPlan(pipelineSource(file, values));
  const dag = pipelineDag(plan, { instances: Boolean(values.instances), stages: selectStages(plan, only) });
  if (values.json) process.stdout.write(`${JSON.stringify(dag)}\n`);
  else if (values.mermaid) process.stdout.write(`${dagMermaid(dag)}\n`);
  else process.stdout.write(`${dagTree(dag)}\n`);
  return 0;
}
