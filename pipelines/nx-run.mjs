#!/usr/bin/env node
// The Nx pipeline targets (`npx nx run pipeline:fullstudy [run flags]`): runs the pipeline with every flag given,
// then publishes its report with only what publishing needs. Run flags (--set, --only, --jobs, --force, ...)
// never reach the publish step; the store does (--store PATH, or $TRANSFUSION_STORE as both steps read it).
// No publish after --dry-run or --help (nothing ran), nor after a failed run (its exit code is kept).
// Started with `exec` by the targets, so Nx is its parent: when Nx dies (even by SIGKILL) this script stops its
// step, and the run (started with --exit-with-parent) stops its stages when this script dies.
//
//   node pipelines/nx-run.mjs <pipeline.yaml> [transfusion run flags]
//
// Both steps are the CLI: `transfusion run ...`, then `transfusion study publish ...`. TRANSFUSION_NX_CLI replaces
// it (tests).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.TRANSFUSION_NX_CLI ?? join(root, 'apps/cli/dist/main.js');

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node pipelines/nx-run.mjs <pipeline.yaml> [transfusion run flags]\n');
  process.exit(2);
}

/** The value of `--NAME VALUE` or `--NAME=VALUE` (the last one given), or undefined. */
function flagValue(name) {
  let value;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) value = args[i + 1];
    else if (args[i].startsWith(`--${name}=`)) value = args[i].slice(name.length + 3);
  }
  return value;
}

let child;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child?.kill(sig)); // the step decides how to stop
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    child?.kill('SIGTERM');
    process.exit(143);
  }
}, 250).unref();

/** Runs one step with inherited stdio; resolves with its exit code (128 + n when a signal ended it). */
function step(script, argv) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}

const ran = await step(cli, ['run', file, '--exit-with-parent', ...args]);
if (ran !== 0) process.exit(ran);
if (args.some((a) => a === '--dry-run' || a === '--help' || a === '-h')) process.exit(0);
const store = flagValue('store');
process.exit(await step(cli, ['study', 'publish', file, ...(store ? ['--store', store] : [])]));
