#!/usr/bin/env node
import { PipelineError } from '@transfusion/pipeline';
import * as run from './commands/run.js';
import * as explain from './commands/explain.js';
import * as status from './commands/status.js';
import * as gc from './commands/gc.js';
import * as worker from './commands/worker.js';
import * as dag from './commands/dag.js';
import * as runs from './commands/runs.js';
import * as params from './commands/params.js';
import * as metrics from './commands/metrics.js';
import * as exportCmd from './commands/export.js';
import * as cca from './commands/cca.js';
import * as data from './commands/data.js';
import * as models from './commands/models.js';
import * as study from './commands/study.js';
import * as report from './commands/report.js';
import * as bench from './commands/bench.js';
import type { Command } from './command.js';

// Every command module is light: the libs behind cca, data, models, study, report and bench are imported inside
// their main, so `transfusion --help` loads none of them.
const commands: Record<string, Command> = {
  run,
  explain,
  status,
  dag,
  runs,
  params,
  metrics,
  export: exportCmd,
  gc,
  worker,
  cca,
  data,
  models,
  study,
  report,
  bench,
};

const usage = `Usage: transfusion <command> [options]    (transfusion <command> --help for details)

Commands:
${Object.entries(commands)
  .map(([n, c]) => `  ${n.padEnd(9)} ${c.summary}`)
  .join('\n')}

Exit codes: 0 success, 1 failure, 2 bad input.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('transfusion 0.1.0\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`transfusion: unknown command '${name}'\n\n${usage}\n`);
    return 2;
  }
  return command.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof PipelineError) {
      process.stderr.write(`transfusion: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`transfusion: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
