#!/usr/bin/env node
/**
 * The process a stage runs in: `node stage-runner.js <job.json>`. Loads the inputs, calls the stage's `run`,
 * writes the returned outputs into the job's output folder and exits 0; on any failure prints the reason as the
 * last line of stderr and exits 1. It never touches the store: the engine commits what it wrote.
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { StageError } from './errors.js';
import { jobSchema } from './job.js';
import { checkOutputMetadata, loadArtifact, saveArtifact } from './artifacts.js';
import type { ArtifactKind } from './artifact-kind.js';
import { loadRegistry } from './registry.js';
import { kindsOf } from './stage.js';

// No JS SIGTERM/SIGINT handlers: a stage in the middle of a long synchronous kernel (seconds of wasm or native
// compute) could not run them, so the default disposition (die at once) is the only reliable one. The engine
// signals the stage's whole process group and cleans the attempt's partial outputs itself.
//
// If the engine dies (even by SIGKILL), the whole process group goes too: a watchdog on a worker thread, which runs
// while the main thread is busy, polls the parent pid and SIGKILLs the group when it changes. (setpriv --pdeathsig
// would kill only this process and leave the commands a stage started running.)
const WATCHDOG_MS = 250;
const watchdogSource = `
const { workerData } = require('node:worker_threads');
const check = () => {
  if (process.ppid === workerData.engine) return;
  try { process.kill(-workerData.group, 'SIGKILL'); } catch { process.kill(workerData.group, 'SIGKILL'); }
};
check();
setInterval(check, workerData.everyMs);
`;
const engine = Number(process.env['TRANSFUSION_ENGINE_PID']);
if (Number.isInteger(engine) && engine > 0) {
  // spawnStage starts this process as the leader of its own process group, so its pid is the group id.
  new Worker(watchdogSource, { eval: true, workerData: { engine, group: process.pid, everyMs: WATCHDOG_MS } }).unref();
}
/** Kept for stages that pass it on; the engine stops a stage by signalling its process group, not through this. */
const controller = new AbortController();

async function main(): Promise<void> {
  const jobFile = process.argv[2];
  if (!jobFile) throw new Error('usage: stage-runner <job.json>');
  const job = jobSchema.parse(JSON.parse(await readFile(jobFile, 'utf8')));
  const registry = await loadRegistry(job.registry);
  const stage = registry.get(job.stage);
  if (!stage) throw new StageError(`stage ${job.stage} is not in the registry ${job.registry}`);
  const params = stage.params.parse(job.params);
  const kinds = kindsOf(registry);
  const kind = (name: string): ArtifactKind => {
    const k = kinds.get(name);
    if (!k) throw new StageError(`artifact kind '${name}' is not in the registry ${job.registry}`);
    return k;
  };
  const inputs: Record<string, unknown> = {};
  const inputPaths: Record<string, string | string[]> = {};
  for (const [name, input] of Object.entries(job.inputs)) {
    // an open input (an exec stage's) is handed to the command by path, whatever its kind
    const handed = stage.openInputs ? { ...kind(input.kind), handedAs: 'path' as const } : kind(input.kind);
    const loaded = await Promise.all(input.paths.map((p) => loadArtifact(handed, p)));
    inputs[name] = input.many ? loaded : loaded[0];
    inputPaths[name] = input.many ? input.paths : input.paths[0]!;
  }
  const outputs = (await stage.run({
    params,
    inputs: inputs as Parameters<typeof stage.run>[0]['inputs'],
    inputPaths,
    outputNames: Object.keys(job.outputs),
    outDir: job.outDir,
    workDir: job.workDir,
    pipelineDir: job.pipelineDir,
    log: (message: string) => process.stderr.write(`${message}\n`),
    signal: controller.signal,
  })) as Record<string, unknown> | undefined;
  for (const [name, kindName] of Object.entries(job.outputs)) {
    const k = kind(kindName);
    // a kind handed as `path`, and every output of a declared-outputs stage, is written by the stage itself
    if (k.handedAs === 'value' && stage.outputs !== 'declared') {
      const value = outputs?.[name];
      if (value === undefined) throw new StageError(`run() returned no value for output '${name}' (${k.name})`);
      await saveArtifact(job.outDir, name, k.storage, value);
    }
    await checkOutputMetadata(job.outDir, name, k);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    // A StageError is a clean, expected failure: its message says it all. Anything else gets its stack first.
    if (!(e instanceof StageError) && e instanceof Error && e.stack) process.stderr.write(`\n${e.stack}\n`);
    process.stderr.write(`stage failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
