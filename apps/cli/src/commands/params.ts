import { paramsDiff } from '@transfusion/pipeline';
import { commandArgs } from '../args.js';
import { runPair } from '../run-logs.js';

export const summary = 'params diff: what changed in vars and stage params between two runs';

export const help = `Usage: transfusion params diff <pipeline.yaml | NAME> [RUN_A [RUN_B]] [options]

The params of two recorded runs, side by side, as \`path: old → new\` lines: the file's vars (after --set),
then every stage instance's params (added or removed stages show as a whole). Runs are named as in
transfusion runs: an id or a unique prefix of one, last, or last~N (N runs before the last). Default: the last
two (last~1 → last); one run given: that run → last.

Options:
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --json               {"a", "b", "changes": [...]}
  -h, --help           this help`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('params', argv, help, { store: { type: 'string' }, json: { type: 'boolean' } });
  if (!args) return 0;
  const { values, positionals } = args;
  const { name, a, b } = await runPair('params', positionals, values.store);
  const changes = paramsDiff(a, b);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ a: a.id, b: b.id, changes })}\n`);
    return 0;
  }
  process.stdout.write(`${name}: ${a.id} → ${b.id}\n`);
  if (changes.length === 0) process.stdout.write('no params changed\n');
  for (const c of changes) process.stdout.write(`  ${c}\n`);
  return 0;
}
