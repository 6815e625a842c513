import { metricsDiff } from '@transfusion/pipeline';
import { commandArgs } from '../args.js';
import { runPair } from '../run-logs.js';

export const summary = "metrics diff: each stage's metrics (test AUC per model/init/seed) between two runs";

export const help = `Usage: transfusion metrics diff <pipeline.yaml | NAME> [RUN_A [RUN_B]] [options]

Like \`dvc metrics diff\`: every metric of two recorded runs with the change, one row per stage instance and
metric. Metrics are the rows of a stage output named \`metrics\` (a table with \`metric\` and \`value\` columns):
in the study, each evaluate stage's test metrics (auc, auc/<label>, acc, kappa, referable_auc), so the stage id
names the model, task, init, data regime and seed. Runs are named as in transfusion runs (id, last, last~N);
default the last two. Results that gc removed since are reported as missing.

Options:
  --metric NAME        only this metric (repeatable), e.g. --metric auc
  --all                also the metrics that did not change
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --json               {"a", "b", "rows": [{"stage", "metric", "old", "new", "change"}], "missing"}
  -h, --help           this help`;

const fmt = (v: number | null, sign = false): string =>
  v === null ? '–' : `${sign && v > 0 ? '+' : ''}${v.toFixed(4)}`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('metrics', argv, help, {
    store: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    metric: { type: 'string', multiple: true },
  });
  if (!args) return 0;
  const { values, positionals } = args;
  const { name, store, a, b } = await runPair('metrics', positionals, values.store);
  const { rows, missing } = await metricsDiff(store, a, b, { all: Boolean(values.all), metrics: values.metric ?? [] });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ a: a.id, b: b.id, rows, missing })}\n`);
    return 0;
  }
  process.stdout.write(`${name}: ${a.id} → ${b.id}\n`);
  if (rows.length === 0) process.stdout.write(values.all ? 'no metrics in these runs\n' : 'no metric changed\n');
  else {
    const table = [
      ['stage', 'metric', 'old', 'new', 'change'],
      ...rows.map((r) => [r.stage, r.metric, fmt(r.old), fmt(r.new), fmt(r.change, true)]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    for (const r of table)
      process.stdout.write(
        `${r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}\n`,
      );
  }
  if (missing.length) process.stderr.write(`missing from the store (removed by gc?): ${missing.join(', ')}\n`);
  return 0;
}
