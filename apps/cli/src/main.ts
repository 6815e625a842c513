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

interface Command {
  summary: string;
  main(argv: string[]): Promise<number>;
}

const local: Record<string, Command> = { run, explain, status, dag, runs, params, metrics, export: exportCmd, gc, worker };

/** Commands that live in their own lib, loaded only when used (some pull in tfjs). */
const fromLibs: Record<string, { module: string; summary: string }> = {
  cca: { module: '@transfusion/cca/cli', summary: 'representational similarity of two activation matrices (mean CCA, SVCCA, PWCCA, CKA)' },
  data: { module: '@transfusion/data/cli', summary: 'summarise or preview a dataset (CheXpert, EyePACS, APTOS, MedMNIST, CSV, folders)' },
  models: { module: '@transfusion/models/cli', summary: 'list the model zoo with stages, parameter counts and FLOPs' },
  study: { module: '@transfusion/study/cli', summary: "publish a pipeline's report from the store into reports/<pipeline>/" },
  report: { module: '@transfusion/report/cli', summary: "build the study's report (HTML, Markdown, figures) from results.json, or evaluate its findings" },
  bench: { module: '@transfusion/bench/cli', summary: 'benchmarks: training throughput, CCA speed, pipeline engine overhead' },
};

const usage = `Usage: transfusion <command> [options]    (transfusion <command> --help for details)

Commands:
${[...Object.entries(local).map(([n, c]) => [n, c.summary] as const), ...Object.entries(fromLibs).map(([n, c]) => [n, c.summary] as const)]
  .map(([n, s]) => `  ${n.padEnd(9)} ${s}`)
  .join('\n')}

Exit codes: 0 success, 1 failure, 2 bad input.`;

async function loadCommand(name: string): Promise<Command | undefined> {
  if (local[name]) return local[name];
  const lib = fromLibs[name];
  if (!lib) return undefined;
  return (await import(lib.module)) as Command;
}

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
  const command = await loadCommand(name);
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
