import { exportRun, pickRun, UsageError } from '@transfusion/pipeline';
import { commandArgs } from '../args.js';
import { recordedRuns } from '../run-logs.js';

export const summary = "export a run's training histories and metrics as CSV and TensorBoard event files";

export const help = `Usage: transfusion export <pipeline.yaml | NAME> [RUN] --out DIR [options]

Writes a recorded run's training histories (every stage output named \`history\`: the study's train and pretrain
stages) and metrics (outputs named \`metrics\`: the evaluate stages) for the tools people already use:
  DIR/metrics.csv                     stage, metric, value
  DIR/history/<stage>.csv             one row per evaluation step
  DIR/tensorboard/<stage>/events.out.tfevents.*   scalars history/<column> per step and metrics/<name>;
                                      view with: tensorboard --logdir DIR/tensorboard
RUN as in transfusion runs (an id, last, last~N); default the last run. DIR must not exist; it appears whole
or not at all.

Options:
  --out DIR            destination folder (required)
  --csv                only the CSV files
  --tensorboard        only the TensorBoard event files
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --json               {"dir", "files", "histories", "metrics", "missing"}
  -h, --help           this help`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('export', argv, help, {
    store: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    csv: { type: 'boolean' },
    tensorboard: { type: 'boolean' },
  });
  if (!args) return 0;
  const { values, positionals } = args;
  const [file, ref, ...extra] = positionals;
  if (!file || extra.length)
    throw new UsageError('transfusion export: expected a pipeline and at most one run (see transfusion export --help)');
  if (!values.out) throw new UsageError('transfusion export: --out DIR is required');
  const { name, store, logs } = await recordedRuns(file, values.store);
  const log = pickRun(logs, ref ?? 'last', name);
  const both = !values.csv && !values.tensorboard;
  const r = await exportRun(store, log, values.out, {
    csv: both || Boolean(values.csv),
    tensorboard: both || Boolean(values.tensorboard),
  });
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      `${name} run ${log.id}: ${r.histories} histories, ${r.metrics} metric values → ${r.dir} (${r.files.length} files)\n`,
    );
  if (r.missing.length) process.stderr.write(`missing from the store (removed by gc?): ${r.missing.join(', ')}\n`);
  return 0;
}
