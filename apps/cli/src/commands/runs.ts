import { paramsChangeSummary, UsageError } from '@transfusion/pipeline';
import { commandArgs, positiveInt } from '../args.js';
import { recordedRuns } from '../run-logs.js';

export const summary = "a pipeline's run history: when, what changed, wall time, status";

export const help = `Usage: transfusion runs <pipeline.yaml | NAME> [options]

Every recorded run of the pipeline in the store, oldest first: its id (for params diff / metrics diff / export),
when it started, status (ok, failed, interrupted), stages ran / cached / failed, wall time, and which params
changed since the run before it (vars first; otherwise how many stages' params). Each \`transfusion run\` records
one (store: runlog/<pipeline>/). Reads only.

Options:
  --last N             only the last N runs
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --json               one JSON object per run (the whole run log, plus "changed")
  -h, --help           this help`;

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('runs', argv, help, {
    store: { type: 'string' },
    json: { type: 'boolean' },
    last: { type: 'string' },
  });
  if (!args) return 0;
  const { values, positionals } = args;
  if (positionals.length !== 1)
    throw new UsageError('transfusion runs: expected one pipeline file or name (see transfusion runs --help)');
  const { name, logs } = await recordedRuns(positionals[0]!, values.store);
  const last = positiveInt('--last', values.last);
  const rows = logs.map((log, i) => ({ log, changed: paramsChangeSummary(logs[i - 1], log) })).slice(last ? -last : 0);
  if (values.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify({ ...r.log, changed: r.changed })}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`${name}: no recorded runs in this store\n`);
    return 0;
  }
  const table = [
    ['id', 'started', 'status', 'ran/cached/failed', 'wall', 'params changed'],
    ...rows.map(({ log, changed }) => [
      log.id,
      log.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      log.status,
      `${log.counts.ran}/${log.counts.cached}/${log.counts.failed}`,
      `${log.seconds.toFixed(1)} s`,
      changed,
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table)
    process.stdout.write(`${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}\n`);
  return 0;
}
