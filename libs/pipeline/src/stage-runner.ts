#!/usr/bin/env node
/**
 * The process a stage runs in: `node stage-runner.js <job.json>`. Loads the inputs, calls the stage's `run`,
 * writes the returned outputs into the job's output folder and exits 0; on any failure prints the reason as the
 * last line of stderr and exits 1. It never touches the store: the engine commits what it wrote.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StageError } from './errors.js';
import { jobSchema } from './job.js';
import { loadArtifact, saveArtifact } from './artifacts.js';
import { loadRegistry } from './registry.js';

const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    controller.abort(new Error(`interrupted by ${sig}`));
    // Give the stage a moment to stop its children, then go.
    setTimeout(() => process.exit(sig === 'SIGINT' ? 130 : 143), 3000).unref();
  });
}
// If the engine dies (kill -9), stop too instead of computing for nobody.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    controller.abort(new Error('the engine process is gone'));
    setTimeout(() => process.exit(1), 1000).unref();
  }
}, 500).unref();

async function main(): Promise<void> {
  const jobFile = process.argv[2];
  if (!jobFile) throw new Error('usage: stage-runner <job.json>');
  const job = jobSchema.parse(JSON.parse(await readFile(jobFile, 'utf8')));
  const registry = await loadRegistry(job.registry);
  const stage = registry.get(job.stage);
  if (!stage) throw new StageError(`stage ${job.stage} is not in the registry ${job.registry}`);
  const params = stage.params.parse(job.params);
  const inputs: Record<string, unknown> = {};
  const inputPaths: Record<string, string | string[]> = {};
  for (const [name, input] of Object.entries(job.inputs)) {
    const loaded = await Promise.all(input.paths.map((p) => loadArtifact(input.kind, p)));
    inputs[name] = input.many ? loaded : loaded[0];
    inputPaths[name] = input.many ? input.paths : input.paths[0]!;
  }
  const outputs = (await stage.run({
    params,
    inputs: inputs as Parameters<typeof stage.run>[0]['inputs'],
    inputPaths,
    outputNames: Object.keys(job.outputs),
    outDir: job.outDir,
    workDir: job.workDir ?? join(dirname(job.outDir), 'work'),
    pipelineDir: job.pipelineDir,
    log: (message: string) => process.stderr.write(`${message}\n`),
    signal: controller.signal,
  })) as Record<string, unknown> | undefined;
  for (const [name, kind] of Object.entries(job.outputs)) {
    if (kind === 'any') continue;
    const value = outputs?.[name];
    if (value === undefined) throw new StageError(`run() returned no value for output '${name}' (${kind})`);
    await saveArtifact(job.outDir, name, kind, value);
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
