import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { cacheKey, KeyContext } from '../cache-key.js';
import { canonicalJson } from '../canonical-json.js';
import { fingerprintDataPath, type DataFingerprint } from '../data-fingerprint.js';
import { UsageError } from '../errors.js';
import { sha256 } from '../hash.js';
import { loadRegistry, registryUrl } from '../registry.js';
import type { AnyStage, StageRegistry } from '../stage.js';
import { stageThreadsEnv } from '../spawn-stage.js';
import { runOrReuse, stageTaskSchema, type StageTask } from '../stage-task.js';
import { Store } from '../store.js';
import {
  DEFAULT_PREFIX,
  prefixSchema,
  queueName,
  RESOURCE_CLASSES,
  type JobProgress,
  type JobResult,
} from './protocol.js';
import { checkRedis, parseRedisUrl, redisClient } from './redis-connection.js';

/** One line of a worker's activity log. */
export interface WorkerEvent {
  job: string;
  stage: string;
  state: 'started' | 'ran' | 'cached' | 'failed' | 'refused' | 'requeued';
  attempt: number;
  error?: string;
}

export const workerOptionsSchema = z.strictObject({
  redis: z.string().min(1),
  /** The shared store: the same one the coordinator and every other worker use. */
  store: z.string().min(1),
  /** Module exporting `stages`: the only stage ids this worker will run. */
  registry: z.string().min(1),
  queue: z.enum(RESOURCE_CLASSES).default('cpu'),
  prefix: prefixSchema.default(DEFAULT_PREFIX),
  /** Jobs run at once (each in its own child process). */
  concurrency: z.number().int().min(1).default(1),
  /** Run `exec` stages (arbitrary commands named by whoever can write to the queue). */
  allowExec: z.boolean().default(false),
  /** Shown by the coordinator ("running on NAME"); default host:pid. */
  name: z.string().min(1).optional(),
  /** BullMQ job lock: a worker silent this long is presumed dead and its job is handed to another. */
  lockMs: z.number().int().min(1000).default(30_000),
  /** How often this worker looks for stalled jobs of dead workers. */
  stalledCheckMs: z.number().int().min(500).default(30_000),
  onEvent: z.custom<(e: WorkerEvent) => void>((v) => typeof v === 'function', 'a function').optional(),
});
export type WorkerOptions = z.input<typeof workerOptionsSchema>;

export interface QueueWorker {
  readonly name: string;
  readonly queue: string;
  /**
   * Stops taking jobs. Running stages are stopped and their jobs put back in the queue for another worker (no
   * attempt is used up); with `{ finish: true }` they are allowed to finish instead.
   */
  close(opts?: { finish?: boolean }): Promise<void>;
}

/**
 * A worker for the queue executor: takes stage jobs from one queue, refuses what it must not run, and runs the rest
 * with the same commit protocol as the local executor (`runOrReuse`) in a child process, into the shared store.
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  const parsed = workerOptionsSchema.safeParse(options);
  if (!parsed.success) throw new UsageError(`worker options: ${z.prettifyError(parsed.error)}`);
  const opts = parsed.data;
  await checkRedis(opts.redis);
  const store = await Store.open(opts.store);
  const ctx: WorkerContext = {
    opts,
    store,
    registry: await loadRegistry(opts.registry),
    ownRegistry: registryUrl(opts.registry),
    name: opts.name ?? `${hostname()}:${process.pid}`,
    keys: new KeyContext({ fingerprintCache: join(store.root, 'fingerprints') }),
    threadsEnv: stageThreadsEnv(opts.concurrency), // each concurrent job its share of this machine's cores
    shuttingDown: false,
  };
  const client: Redis = redisClient(
    parseRedisUrl(opts.redis),
    `transfusion-worker-${ctx.name.replace(/[^A-Za-z0-9_.:-]/g, '_')}`,
  ); // CLIENT SETNAME: no spaces
  const worker = new Worker(
    queueName(opts.queue),
    (job: Job, token?: string, signal?: AbortSignal) => processJob(ctx, job, token, signal),
    {
      connection: client,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      name: ctx.name,
      lockDuration: opts.lockMs,
      stalledInterval: opts.stalledCheckMs,
      autorun: false,
    },
  );
  worker.on('error', () => undefined); // connection errors: ioredis reconnects; job errors are reported per job
  void worker.run();
  await worker.waitUntilReady();

  return {
    name: ctx.name,
    queue: queueName(opts.queue),
    async close(closeOpts = {}) {
      if (!closeOpts.finish) {
        ctx.shuttingDown = true;
        worker.cancelAllJobs('worker shutting down');
      }
      await worker.close();
      client.disconnect();
    },
  };
}

/** What every job of one worker shares. */
interface WorkerContext {
  opts: z.output<typeof workerOptionsSchema>;
  store: Store;
  registry: StageRegistry;
  /** The registry as the stage runner loads it (a URL), for the child process. */
  ownRegistry: string;
  name: string;
  keys: KeyContext;
  threadsEnv: Record<string, string>;
  /** Set by `close()` without `finish`: running jobs are then handed back rather than failed. */
  shuttingDown: boolean;
}

/** One job: refused, or run in a child process with its progress reported to the coordinator. */
async function processJob(
  ctx: WorkerContext,
  job: Job,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<JobResult> {
  const refusal = await refuse(job, ctx.registry, ctx.opts.allowExec, ctx.keys, ctx.opts.registry, ctx.name);
  if (typeof refusal === 'string') {
    emit(ctx, job, 'refused', refusal);
    throw new UnrecoverableError(refusal); // no retry: another attempt would be refused the same way
  }
  const task = refusal;
  const attempt = job.attemptsMade + 1;
  emit(ctx, job, 'started');
  await job.updateProgress({ worker: ctx.name, attempt } satisfies JobProgress);
  const outcome = await runOrReuse(
    ctx.store,
    { ...task, registry: ctx.ownRegistry },
    { signal: signal ?? new AbortController().signal, onLine: progressLines(job, ctx.name, attempt) },
    { env: ctx.threadsEnv },
  );
  if (outcome.status !== 'failed') {
    emit(ctx, job, outcome.status);
    return { status: outcome.status, worker: ctx.name, host: hostname(), store: ctx.store.root };
  }
  return failJob(ctx, job, outcome.error, token, signal);
}

/** Sends the stage's log lines as job progress, at most one a second: the coordinator shows the latest line. */
function progressLines(job: Job, worker: string, attempt: number): (line: string) => void {
  let lastSent = 0;
  return (line) => {
    const now = Date.now();
    if (now - lastSent < 1000) return;
    lastSent = now;
    void job.updateProgress({ worker, attempt, line: line.slice(0, 300) } satisfies JobProgress).catch(() => undefined);
  };
}

/** Ends a job whose stage failed or was stopped: handed back on our own shutdown, else failed (cancelled: no retry). */
async function failJob(
  ctx: WorkerContext,
  job: Job,
  stageError: string,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<never> {
  if (signal?.aborted && ctx.shuttingDown && token) {
    // Stopped by our own shutdown: hand the job back untouched for another worker.
    await job.moveToWait(token);
    emit(ctx, job, 'requeued');
    throw new WaitingError();
  }
  const error = signal?.aborted
    ? `cancelled on worker ${ctx.name}${signal.reason ? `: ${String(signal.reason)}` : ''}`
    : `on worker ${ctx.name}: ${stageError}`;
  emit(ctx, job, 'failed', error);
  if (signal?.aborted) throw new UnrecoverableError(error);
  throw new Error(error);
}

function emit(ctx: WorkerContext, job: Job, state: WorkerEvent['state'], error?: string): void {
  ctx.opts.onEvent?.({
    job: job.id ?? '',
    stage: (job.data as { instance?: string })?.instance ?? job.name,
    state,
    attempt: job.attemptsMade + 1,
    ...(error ? { error } : {}),
  });
}

/**
 * The worker's side of the security boundary: a job only names a stage. Returns the task to run, or why not.
 * A worker also refuses a task whose key its own code would not produce (other code, packages or runtime), since
 * its artifacts would then not be what the key promises.
 */
async function refuse(
  job: Job,
  registry: StageRegistry,
  allowExec: boolean,
  keys: KeyContext,
  registryRef: string,
  name: string,
): Promise<StageTask | string> {
  const parsed = stageTaskSchema.safeParse(job.data);
  if (!parsed.success) return `job ${job.id} is not a stage task: ${z.prettifyError(parsed.error)}`;
  const task = parsed.data;
  if (task.key !== job.id) return `job ${job.id}: its id is not its stage's cache key ${task.key}`;
  if (cacheKey(task.preimage) !== task.key)
    return `job ${job.id}: the key does not match its pre-image (a tampered or corrupted job)`;
  const mismatch = taskVersusPreimage(task);
  if (mismatch)
    return `job ${job.id}: its ${mismatch} differ from those its key was computed from (a tampered or corrupted job)`;
  const stage = registry.get(task.stage);
  if (!stage) {
    return `worker ${name} refuses stage '${task.stage}' (${task.instance}): it is not in the worker's registry ${registryRef}; start the worker with --registry naming a module that defines it`;
  }
  if (stage.id === 'exec' && !allowExec) {
    return `worker ${name} refuses exec stage ${task.instance}: exec stages run arbitrary commands, so a worker runs them only when started with --allow-exec`;
  }
  let diff: string[];
  try {
    diff = await differences(task, stage, keys);
  } catch (e) {
    return `job ${job.id}: cannot check it against the worker's stage ${task.stage} (${(e as Error).message})`;
  }
  if (diff.length) {
    return `worker ${name} refuses ${task.instance}: its key was computed with a different ${diff.join(', ')} than this worker has; run the same code, package versions and runtime on coordinator and workers, with the pipeline folder at the same path`;
  }
  return task;
}

/** Fields of the key pre-image that this worker would compute differently (code, packages, code files, env, runtime). */
async function differences(task: StageTask, stage: AnyStage, keys: KeyContext): Promise<string[]> {
  const pre = task.preimage;
  const closure = keys.closure(stage);
  const out: string[] = [];
  if (closure.hash !== pre.code.hash) out.push(`stage code (${Object.keys(closure.files).length} files)`);
  if (canonicalJson(closure.packages) !== canonicalJson(pre.packages)) out.push('set of package versions');
  const deps: Record<string, string> = {};
  for (const f of stage.codeFiles ? stage.codeFiles(stage.params.parse(task.params)) : []) {
    const abs = resolve(task.pipelineDir, f);
    const rel = relative(task.pipelineDir, abs).split('\\').join('/');
    if (isAbsolute(f) || rel.startsWith('..')) return ['code file list'];
    deps[rel] = await readFile(abs).then(sha256, () => 'missing');
  }
  if (canonicalJson(deps) !== canonicalJson(pre.code.deps)) out.push(`code files in ${task.pipelineDir}`);
  const dataPaths = stage.dataPaths ? stage.dataPaths(stage.params.parse(task.params)) : [];
  if (dataPaths.length > 0 || pre.data) {
    const data: Record<string, DataFingerprint | 'missing'> = {};
    for (const p of dataPaths) data[p] = await fingerprintDataPath(p, task.pipelineDir).catch(() => 'missing' as const);
    if (canonicalJson(data) !== canonicalJson(pre.data ?? {}))
      out.push(`data (${dataPaths.join(', ')}: mount it at the same path with the same files)`);
  }
  const env: Record<string, string | null> = {};
  for (const n of [...(stage.env ?? [])].sort()) env[n] = process.env[n] ?? null;
  if (canonicalJson(env) !== canonicalJson(pre.env)) out.push(`environment (${Object.keys(env).join(', ')})`);
  if (canonicalJson(await keys.runtime(stage)) !== canonicalJson(pre.runtime))
    out.push('runtime (Node major version or compute backend)');
  return out;
}

/** What the worker will run must be what the key names: stage, params, input hashes and output names. */
function taskVersusPreimage(task: StageTask): string | null {
  const pre = task.preimage;
  if (task.stage !== pre.stage) return 'stage id';
  if (canonicalJson(task.params) !== canonicalJson(pre.params)) return 'params';
  const inputs: Record<string, string | string[]> = {};
  for (const i of task.inputs) {
    const hashes = i.from.map((f) => f.output.hash);
    inputs[i.name] = i.many ? hashes : (hashes[0] ?? '');
  }
  if (canonicalJson(inputs) !== canonicalJson(pre.inputs)) return 'input hashes';
  if (canonicalJson(Object.keys(task.outputs).sort()) !== canonicalJson(pre.outputs)) return 'output names';
  return null;
}
