import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { StageExecutor } from '../run-pipeline.js';
import type { StageTask, TaskHooks, TaskOutcome } from '../stage-task.js';
import type { Store } from '../store.js';
import { DEFAULT_PREFIX, jobProgressSchema, jobResultSchema, prefixSchema, queueName, RESOURCE_CLASSES, type ResourceClass } from './protocol.js';
import { checkRedis, parseRedisUrl, redisClient } from './redis-connection.js';

/** What the coordinator tells its progress display about each queued stage. */
export interface QueueStageEvent {
  stage: string;
  key: string;
  queue: ResourceClass;
  state: 'queued' | 'running' | 'retrying' | 'stalled' | 'done' | 'failed';
  worker?: string;
  attempt?: number;
  error?: string;
  /** For `retrying`: the backoff before the next attempt. */
  retryInMs?: number;
  /** Advice for the user, e.g. that no worker serves this queue yet. */
  note?: string;
}

export const queueExecutorOptionsSchema = z.strictObject({
  /** redis:// or rediss:// URL, password included if the server needs one. */
  redis: z.string().min(1),
  /** Redis key prefix; workers must use the same one. */
  prefix: prefixSchema.default(DEFAULT_PREFIX),
  /** Send every stage to this queue, whatever resource class it declares. */
  queue: z.enum(RESOURCE_CLASSES).optional(),
  /** Attempts per stage before it fails (1 = no retry). */
  attempts: z.number().int().min(1).default(3),
  /** First retry delay; it doubles on each further attempt. */
  backoffMs: z.number().int().min(0).default(10_000),
  /** Stages queued at once (the workers decide how many run). */
  inFlight: z.number().int().min(1).default(1000),
  /** How long finished jobs stay in Redis (a re-add within that time is a no-op). */
  keepSeconds: z.number().int().positive().default(7 * 24 * 3600),
  /** Safety net besides queue events: how often to re-read a job's state. */
  pollMs: z.number().int().positive().default(5_000),
  onEvent: z.custom<(e: QueueStageEvent) => void>((v) => typeof v === 'function', 'a function').optional(),
});
export type QueueExecutorOptions = z.input<typeof queueExecutorOptionsSchema>;

type Notify = (kind: string, args: Record<string, unknown>) => void;

interface Lane {
  queue: Queue;
  events: QueueEvents;
  listeners: Map<string, Set<Notify>>;
  clients: Redis[];
  /** Whether we already looked for workers on this queue (once, at its first job). */
  workersChecked: boolean;
}

/**
 * Runs each ready stage as a BullMQ job whose id is its cache key, on whatever `transfusion worker`s serve its
 * queue; the planner in `runPipeline` stays the scheduler. Checks Redis first (RedisSetupError, exit 2).
 */
export async function queueExecutor(options: QueueExecutorOptions): Promise<StageExecutor> {
  const parsed = queueExecutorOptionsSchema.safeParse(options);
  if (!parsed.success) throw new UsageError(`queue executor options: ${z.prettifyError(parsed.error)}`);
  const opts = parsed.data;
  await checkRedis(opts.redis);
  const target = parseRedisUrl(opts.redis);
  const lanes = new Map<ResourceClass, Promise<Lane>>();

  const openLane = async (resources: ResourceClass): Promise<Lane> => {
    const clients = [redisClient(target, 'transfusion-coordinator'), redisClient(target, 'transfusion-coordinator-events')];
    const queue = new Queue(queueName(resources), { connection: clients[0]!, prefix: opts.prefix });
    const events = new QueueEvents(queueName(resources), { connection: clients[1]!, prefix: opts.prefix });
    const listeners = new Map<string, Set<Notify>>();
    const relay =
      (kind: string) =>
      (args: { jobId: string } & Record<string, unknown>): void => {
        for (const notify of listeners.get(args.jobId) ?? []) notify(kind, args);
      };
    for (const kind of ['active', 'progress', 'completed', 'failed', 'delayed', 'waiting', 'stalled', 'removed'] as const) {
      events.on(kind, relay(kind) as never);
    }
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return { queue, events, listeners, clients, workersChecked: false };
  };
  const lane = (resources: ResourceClass): Promise<Lane> => {
    let l = lanes.get(resources);
    if (!l) {
      l = openLane(resources);
      lanes.set(resources, l);
    }
    return l;
  };

  const jobOptions = (key: string): JobsOptions => ({
    jobId: key,
    attempts: opts.attempts,
    backoff: { type: 'exponential', delay: opts.backoffMs },
    removeOnComplete: { age: opts.keepSeconds },
    removeOnFail: { age: opts.keepSeconds },
  });

  async function execute(store: Store, task: StageTask, hooks: TaskHooks): Promise<TaskOutcome> {
    const record = await store.readRecord(task.key);
    if (record) return { status: 'cached', record };
    const resources = opts.queue ?? task.resources;
    const laneNow = await lane(resources);
    const { queue, listeners } = laneNow;
    const emit = (e: Omit<QueueStageEvent, 'stage' | 'key' | 'queue'>): void => opts.onEvent?.({ stage: task.instance, key: task.key, queue: resources, ...e });

    /** Adds the job, or attaches to the one already there (another coordinator's, or this run's before a restart). */
    const submit = async (): Promise<void> => {
      const existing = await queue.getJob(task.key);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed') return emit({ state: 'queued' });
        // A previous run's failure (a fresh job gets this run's attempts), or a success whose record is gone from
        // the store (gc, a wiped store): queue it anew.
        await existing.remove().catch(() => undefined);
      }
      await queue.add(task.stage, task, jobOptions(task.key));
      if (!laneNow.workersChecked) {
        laneNow.workersChecked = true;
        if ((await queue.getWorkersCount().catch(() => 1)) === 0) {
          const prefix = opts.prefix === DEFAULT_PREFIX ? '' : ` --prefix ${opts.prefix}`;
          return emit({ state: 'queued', note: `no worker serves queue ${resources} yet; jobs wait until one starts: transfusion worker --queue ${resources}${prefix} --store ${store.root}` });
        }
      }
      emit({ state: 'queued' });
    };

    return new Promise<TaskOutcome>((resolve) => {
      let settled = false;
      let started = false;
      let worker = '';
      // Every (worker, attempt) announced once: queue events and the poll can report the same progress, and a
      // poll may still see a requeued job's earlier progress after another worker took it.
      const announced = new Set<string>();
      let attemptsSeen = 0;
      let checking: Promise<void> | null = null;
      let again = false;

      const finish = (outcome: TaskOutcome): void => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        hooks.signal.removeEventListener('abort', onAbort);
        listeners.get(task.key)?.delete(notify);
        if (listeners.get(task.key)?.size === 0) listeners.delete(task.key);
        if (outcome.status === 'failed') emit({ state: 'failed', error: outcome.error, ...(worker ? { worker } : {}) });
        else emit({ state: 'done', ...(worker ? { worker } : {}) });
        resolve(outcome);
      };

      const running = (progress: unknown): void => {
        const p = jobProgressSchema.safeParse(progress);
        if (!started) {
          started = true;
          hooks.onStarted?.();
        }
        if (!p.success) return;
        if (!announced.has(`${p.data.worker}#${p.data.attempt}`)) {
          announced.add(`${p.data.worker}#${p.data.attempt}`);
          worker = p.data.worker;
          emit({ state: 'running', worker, attempt: p.data.attempt });
          hooks.onLine?.(`running on ${worker}${p.data.attempt > 1 ? ` (attempt ${p.data.attempt})` : ''}`);
        }
        if (p.data.line) hooks.onLine?.(p.data.line);
      };

      const completed = async (job: Job): Promise<void> => {
        const result = jobResultSchema.safeParse(job.returnvalue);
        const rec = await store.readRecord(task.key);
        if (rec) return finish({ status: result.success ? result.data.status : 'ran', record: rec });
        const who = result.success ? `worker ${result.data.worker} committed it to ${result.data.store}` : 'its job completed';
        finish({
          status: 'failed',
          error:
            `${who}, but the store ${store.root} has no valid record for key ${task.key}: ` +
            'the coordinator and every worker must use one shared store (the same path on every machine, e.g. an NFS mount)',
        });
      };

      /** Reads the job's real state: the source of truth when an event was missed or a job vanished. */
      const reconcile = async (): Promise<void> => {
        // State first, then the job's fields: they are written no later than its state changes, so they are current.
        const state = await queue.getJobState(task.key);
        const job = state === 'unknown' ? undefined : await queue.getJob(task.key);
        if (!job) {
          const rec = await store.readRecord(task.key);
          if (rec) return finish({ status: 'ran', record: rec });
          return submit();
        }
        if (job.attemptsMade > attemptsSeen) {
          if (state !== 'failed' && state !== 'completed') {
            const retryInMs = job.delay > 0 ? job.delay : undefined; // the backoff BullMQ chose for this retry
            emit({ state: 'retrying', attempt: job.attemptsMade, ...(retryInMs ? { retryInMs } : {}), ...(job.failedReason ? { error: job.failedReason } : {}) });
            const when = retryInMs ? ` in ${Math.round(retryInMs / 100) / 10} s` : '';
            hooks.onLine?.(`attempt ${job.attemptsMade} failed, retrying${when}: ${(job.failedReason ?? '').split('\n')[0]}`);
          }
          attemptsSeen = job.attemptsMade;
        }
        if (state === 'completed') return completed(job);
        if (state === 'failed') {
          const [first, ...rest] = (job.failedReason || 'the job failed').split('\n');
          const attempts = job.attemptsMade > 1 ? ` (after ${job.attemptsMade} attempts)` : '';
          return finish({ status: 'failed', error: [`${first}${attempts}`, ...rest].join('\n') });
        }
        if (state === 'active') running(job.progress);
      };
      const check = (): void => {
        if (settled) return;
        if (checking) {
          again = true;
          return;
        }
        checking = reconcile()
          .catch(() => undefined) // Redis hiccup: the next event or poll tries again
          .finally(() => {
            checking = null;
            if (again) {
              again = false;
              check();
            }
          });
      };

      const notify: Notify = (kind, args) => {
        if (settled) return;
        if (kind === 'progress') return running(args['data']);
        if (kind === 'active') return running(undefined);
        if (kind === 'stalled') {
          emit({ state: 'stalled', ...(worker ? { worker } : {}) });
          hooks.onLine?.(`stalled: ${worker || 'its worker'} stopped renewing the job lock; requeued`);
          worker = '';
        }
        check();
      };
      const onAbort = (): void => finish({ status: 'failed', error: 'interrupted' });
      const timer = setInterval(check, opts.pollMs);

      let set = listeners.get(task.key);
      if (!set) listeners.set(task.key, (set = new Set()));
      set.add(notify);
      if (hooks.signal.aborted) return onAbort();
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      submit().then(check, (e: unknown) => finish({ status: 'failed', error: `cannot queue the stage: ${(e as Error).message}` }));
    });
  }

  return {
    concurrency: opts.inFlight,
    execute,
    async close() {
      // Idempotent: runPipeline closes it, and so may whoever created it.
      for (const l of lanes.values()) {
        const { queue, events, clients } = await l.catch(() => null) ?? { queue: null, events: null, clients: [] as Redis[] };
        await events?.close().catch(() => undefined);
        await queue?.close().catch(() => undefined);
        for (const c of clients) c.disconnect();
      }
      lanes.clear();
    },
  };
}
