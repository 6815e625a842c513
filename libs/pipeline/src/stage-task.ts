import { mkdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { outputPath } from './artifacts.js';
import type { KeyPreimage } from './cache-key.js';
import type { Job } from './job.js';
import type { PlannedStage } from './plan.js';
import type { Session } from './session.js';
import { spawnStage } from './spawn-stage.js';
import { ARTIFACT_STORAGES, type ArtifactStorage } from './artifact-kind.js';
import { outputRecordSchema, type OutputRecord, type RunRecord, type Store } from './store.js';

/**
 * Everything needed to run one stage instance and commit its result, with no reference to the pipeline file:
 * what a local executor slot or a queue worker on another machine receives. Inputs are named by the content
 * hashes of the upstream outputs, which any process with the store can materialise.
 */
export const stageTaskSchema = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  preimage: z.custom<KeyPreimage>((v) => typeof v === 'object' && v !== null && 'format' in v),
  pipeline: z.string(),
  instance: z.string(),
  stage: z.string(),
  params: z.unknown(),
  inputs: z.array(
    z.object({
      name: z.string(),
      /** The kind's name; the stage process resolves it with its registry. */
      kind: z.string(),
      many: z.boolean(),
      from: z.array(z.object({ instance: z.string(), output: outputRecordSchema })),
    }),
  ),
  /** Each output's kind (by name) and how it is stored, which the commit checks. */
  outputs: z.record(z.string(), z.object({ kind: z.string(), storage: z.enum(ARTIFACT_STORAGES) })),
  pipelineDir: z.string(),
  registry: z.string(),
  resources: z.enum(['cpu', 'gpu']).default('cpu'),
  /** `run --force`: run it even when the store has a result under its key (the new result replaces it). */
  force: z.boolean().default(false),
});
export type StageTask = z.infer<typeof stageTaskSchema>;

export function taskFor(
  session: Session,
  s: PlannedStage,
  key: string,
  preimage: KeyPreimage,
  records: ReadonlyMap<string, RunRecord>,
  force = false,
): StageTask {
  return {
    key,
    preimage,
    pipeline: session.name,
    instance: s.id,
    stage: s.uses,
    params: s.params,
    inputs: s.inputs.map((input) => ({
      name: input.name,
      kind: input.kind.name,
      many: input.many,
      from: input.refs.map((ref) => {
        const output = records.get(ref.instance)?.outputs[ref.output];
        if (!output) throw new Error(`internal: ${s.id} is ready but ${ref.instance} has no record`);
        return { instance: ref.instance, output };
      }),
    })),
    outputs: Object.fromEntries(
      Object.entries(s.outputs).map(([name, kind]) => [name, { kind: kind.name, storage: kind.storage }]),
    ),
    pipelineDir: session.plan.file.dir,
    registry: session.registryUrl,
    resources: s.stage.resources ?? 'cpu',
    force,
  };
}

export interface TaskHooks {
  signal: AbortSignal;
  /** Another process holds the key's lock; we wait for it. */
  onWaiting?(): void;
  onStarted?(): void;
  onLine?(line: string): void;
}

/** How this executor starts stage processes. */
export interface TaskOptions {
  /** Added to the stage process's environment (e.g. its share of the cores, `stageThreadsEnv`). */
  env?: Record<string, string>;
}

export type TaskOutcome = { status: 'cached' | 'ran'; record: RunRecord } | { status: 'failed'; error: string };

const POLL_MS = 200;

/**
 * The commit protocol for one key: a committed record is a hit; otherwise take the key's lock (waiting while a live
 * process holds it, then re-checking: it may have committed), run the stage, commit, release.
 */
export async function runOrReuse(
  store: Store,
  task: StageTask,
  hooks: TaskHooks,
  options: TaskOptions = {},
): Promise<TaskOutcome> {
  // A forced task never reuses a result, not even one another process commits while we wait for the lock.
  const reuse = async (): Promise<RunRecord | null> => (task.force ? null : store.readRecord(task.key));
  let record = await reuse();
  if (record) return { status: 'cached', record };
  let lock = await store.tryLock(task.key);
  if (!lock) {
    hooks.onWaiting?.();
    while (!lock && !hooks.signal.aborted) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      record = await reuse();
      if (record) return { status: 'cached', record };
      lock = await store.tryLock(task.key);
    }
    if (!lock) return { status: 'failed', error: 'interrupted' };
  }
  try {
    record = await reuse();
    if (record) return { status: 'cached', record };
    hooks.onStarted?.();
    const result = await executeTask(store, task, hooks.signal, hooks.onLine ?? (() => undefined), options);
    return 'error' in result ? { status: 'failed', error: result.error } : { status: 'ran', record: result.record };
  } finally {
    await lock.release();
  }
}

/**
 * One attempt in a private folder of the store: link inputs, run the stage process, validate, commit. The key's
 * work folder (`ctx.workDir`) outlives failed attempts and is removed after the commit.
 */
export async function executeTask(
  store: Store,
  task: StageTask,
  signal: AbortSignal,
  onLine: (line: string) => void,
  options: TaskOptions = {},
): Promise<{ record: RunRecord } | { error: string }> {
  const dir = await store.makeTmpDir();
  const workDir = store.workDir(task.key);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const outDir = join(dir, 'out');
    await mkdir(outDir);
    await mkdir(workDir, { recursive: true });
    const jobInputs: Job['inputs'] = {};
    for (const input of task.inputs) {
      const paths: string[] = [];
      for (const [i, { instance, output }] of input.from.entries()) {
        const name = input.many ? join(input.name, `${i}-${instance}`) : input.name;
        const dest = join(dir, 'in', output.kind === 'file' ? `${name}.arrow` : name);
        await store.materialize(output, dest);
        paths.push(dest);
      }
      jobInputs[input.name] = { kind: input.kind, many: input.many, paths };
    }
    const job: Job = {
      registry: task.registry,
      stage: task.stage,
      instance: task.instance,
      params: task.params,
      inputs: jobInputs,
      outputs: Object.fromEntries(Object.entries(task.outputs).map(([name, o]) => [name, o.kind])),
      outDir,
      workDir,
      pipelineDir: task.pipelineDir,
    };
    const proc = await spawnStage(job, dir, signal, onLine, options.env);
    if (!proc.ok) return { error: proc.interrupted ? 'interrupted' : failureMessage(proc.tail, proc.signal) };

    const outputs: Record<string, OutputRecord> = {};
    for (const [name, { storage }] of Object.entries(task.outputs)) {
      const found = await collectOutput(outDir, name, storage);
      if ('error' in found) return { error: found.error };
      outputs[name] =
        found.kind === 'file'
          ? { kind: 'file', ...(await store.putFile(found.path)) }
          : { kind: 'dir', ...(await store.putDir(found.path)) };
    }
    const log = await store.putFile(proc.logFile);
    const record: RunRecord = {
      format: 'transfusion-run/1',
      key: task.key,
      preimage: task.preimage,
      instance: task.instance,
      pipeline: task.pipeline,
      outputs,
      log: log.hash,
      startedAt,
      seconds: Math.round((performance.now() - t0) / 10) / 100,
      host: hostname(),
    };
    await store.writeRecord(record);
    // Committed: what the stage kept to survive a failed attempt is of no use any more.
    await rm(workDir, { recursive: true, force: true });
    return { record };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The runner's last line says why (`stage failed: ...`); the lines before it are the stage's own output. A stage
 * process killed by a signal said nothing: the signal is the reason.
 */
function failureMessage(tail: string, signal?: string): string {
  const lines = tail.split('\n').filter((l) => l.trim());
  if (signal) lines.push(`the stage process was killed by ${signal}`);
  const last = lines.pop() ?? 'the stage process exited with an error';
  const reason = last.replace(/^stage failed: /, '');
  return lines.length ? `${reason}\n${lines.map((l) => `  | ${l}`).join('\n')}` : reason;
}

/** Finds output NAME in the attempt's output folder and checks it is stored as its kind says. */
async function collectOutput(
  outDir: string,
  name: string,
  storage: ArtifactStorage,
): Promise<{ kind: 'file' | 'dir'; path: string } | { error: string }> {
  const { file, dir } = outputPath(outDir, name);
  if (storage === 'files') {
    if (
      !(await stat(dir).then(
        (st) => st.isDirectory(),
        () => false,
      ))
    )
      return { error: `declared output '${name}' was not written (expected the folder ${name}/ in TRANSFUSION_OUT)` };
    return { kind: 'dir', path: dir };
  }
  if (
    !(await stat(file).then(
      (st) => st.isFile(),
      () => false,
    ))
  )
    return { error: `declared output '${name}' was not written (expected ${name}.arrow in TRANSFUSION_OUT)` };
  try {
    const { inspectArrowFile } = await import('@transfusion/arrow-io');
    const info = await inspectArrowFile(file);
    if (info.kind !== storage)
      return { error: `output '${name}' holds a ${info.kind}, but its kind is stored as a ${storage}` };
  } catch (e) {
    return { error: `output '${name}': ${name}.arrow is not a valid Arrow IPC file (${(e as Error).message})` };
  }
  return { kind: 'file', path: file };
}
