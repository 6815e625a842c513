import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { StageExecutor } from '../run-pipeline.js';
import type { StageTask, TaskHooks, TaskOutcome } from '../stage-task.js';
import type { Store } from '../store.js';
import { closeLane, openLane, type Lane } from './lane.js';
import { DEFAULT_PREFIX, prefixSchema, RESOURCE_CLASSES, type ResourceClass } from './protocol.js';
import { QueuedStage, type QueuedStageEmit } from './queued-stage.js';
import { checkRedis, parseRedisUrl } from './redis-connection.js';

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
  keepSeconds: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** Safety net besides queue events: how often to re-read a job's state. */
  pollMs: z.number().int().positive().default(5_000),
  onEvent: z.custom<(e: QueueStageEvent) => void>((v) => typeof v === 'function', 'a function').optional(),
});
export type QueueExecutorOptions = z.input<typeof queueExecutorOptionsSchema>;

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
  // One lane per resource class, opened at its first job.
  const lanes = new Map<ResourceClass, Promise<Lane>>();
  const lane = (resources: ResourceClass): Promise<Lane> => {
    let l = lanes.get(resources);
    if (!l) {
      l = openLane(target, opts.prefix, resources);
      lanes.set(resources, l);
    }
    return l;
  };

  async function execute(store: Store, task: StageTask, hooks: TaskHooks): Promise<TaskOutcome> {
    const record = await store.readRecord(task.key);
    if (record) return { status: 'cached', record };
    const resources = opts.queue ?? task.resources;
    const emit: QueuedStageEmit = (e) =>
      opts.onEvent?.({ stage: task.instance, key: task.key, queue: resources, ...e });
    return new QueuedStage(await lane(resources), store, task, hooks, opts, emit).run();
  }

  return {
    concurrency: opts.inFlight,
    execute,
    async close() {
      // Idempotent: runPipeline closes it, and so may whoever created it.
      for (const l of lanes.values()) await closeLane(l);
      lanes.clear();
    },
  };
}
