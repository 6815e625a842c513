import type { Job, JobsOptions } from 'bullmq';
import type { StageTask, TaskHooks, TaskOutcome } from '../stage-task.js';
import type { Store } from '../store.js';
import { addListener, removeListener, type Lane, type Notify } from './lane.js';
import { DEFAULT_PREFIX, jobProgressSchema, jobResultSchema } from './protocol.js';
import type { QueueStageEvent } from './queue-executor.js';

/** The executor options a queued stage needs. */
export interface QueuedStageOptions {
  prefix: string;
  attempts: number;
  backoffMs: number;
  keepSeconds: number;
  pollMs: number;
}

export type QueuedStageEmit = (e: Omit<QueueStageEvent, 'stage' | 'key' | 'queue'>) => void;

/**
 * One stage run as a BullMQ job whose id is its cache key: queued (or attached to the job already there), then
 * followed through queue events, with a poll as a safety net, until its record is in the store or it failed.
 */
export class QueuedStage {
  private settled = false;
  private started = false;
  private worker = '';
  /**
   * Every (worker, attempt) announced once: queue events and the poll can report the same progress, and a poll may
   * still see a requeued job's earlier progress after another worker took it.
   */
  private readonly announced = new Set<string>();
  private attemptsSeen = 0;
  private checking: Promise<void> | null = null;
  private checkAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private resolve: (outcome: TaskOutcome) => void = () => undefined;

  constructor(
    private readonly lane: Lane,
    private readonly store: Store,
    private readonly task: StageTask,
    private readonly hooks: TaskHooks,
    private readonly opts: QueuedStageOptions,
    private readonly emit: QueuedStageEmit,
  ) {}

  run(): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      this.resolve = resolve;
      this.timer = setInterval(this.check, this.opts.pollMs);
      addListener(this.lane, this.task.key, this.notify);
      if (this.hooks.signal.aborted) return this.onAbort();
      this.hooks.signal.addEventListener('abort', this.onAbort, { once: true });
      this.submit().then(this.check, (e: unknown) =>
        this.finish({ status: 'failed', error: `cannot queue the stage: ${(e as Error).message}` }),
      );
    });
  }

  /** Adds the job, or attaches to the one already there (another coordinator's, or this run's before a restart). */
  private async submit(): Promise<void> {
    const { queue } = this.lane;
    const existing = await queue.getJob(this.task.key);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return this.emit({ state: 'queued' });
      // A previous run's failure (a fresh job gets this run's attempts), or a success whose record is gone from
      // the store (gc, a wiped store): queue it anew.
      await existing.remove().catch(() => undefined);
    }
    await queue.add(this.task.stage, this.task, this.jobOptions());
    const note = await this.noWorkerNote();
    this.emit({ state: 'queued', ...(note ? { note } : {}) });
  }

  private jobOptions(): JobsOptions {
    return {
      jobId: this.task.key,
      attempts: this.opts.attempts,
      backoff: { type: 'exponential', delay: this.opts.backoffMs },
      removeOnComplete: { age: this.opts.keepSeconds },
      removeOnFail: { age: this.opts.keepSeconds },
    };
  }

  /** At a lane's first job: advice when no worker serves its queue yet. */
  private async noWorkerNote(): Promise<string | undefined> {
    if (this.lane.workersChecked) return undefined;
    this.lane.workersChecked = true;
    if ((await this.lane.queue.getWorkersCount().catch(() => 1)) !== 0) return undefined;
    const resources = this.lane.resources;
    const prefix = this.opts.prefix === DEFAULT_PREFIX ? '' : ` --prefix ${this.opts.prefix}`;
    return `no worker serves queue ${resources} yet; jobs wait until one starts: transfusion worker --queue ${resources}${prefix} --store ${this.store.root}`;
  }

  /** A queue event for this job: progress is shown at once; anything else makes us re-read the job's state. */
  private readonly notify: Notify = (kind, args) => {
    if (this.settled) return;
    if (kind === 'progress') return this.running(args['data']);
    if (kind === 'active') return this.running(undefined);
    if (kind === 'stalled') {
      this.emit({ state: 'stalled', ...this.workerField() });
      this.hooks.onLine?.(`stalled: ${this.worker || 'its worker'} stopped renewing the job lock; requeued`);
      this.worker = '';
    }
    this.check();
  };

  /** Runs `reconcile`, one at a time: a check asked for while one runs runs again right after it. */
  private readonly check = (): void => {
    if (this.settled) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = this.reconcile()
      .catch(() => undefined) // Redis hiccup: the next event or poll tries again
      .finally(() => {
        this.checking = null;
        if (this.checkAgain) {
          this.checkAgain = false;
          this.check();
        }
      });
  };

  /** Reads the job's real state: the source of truth when an event was missed or a job vanished. */
  private async reconcile(): Promise<void> {
    const { queue } = this.lane;
    // State first, then the job's fields: they are written no later than its state changes, so they are current.
    const state = await queue.getJobState(this.task.key);
    const job = state === 'unknown' ? undefined : await queue.getJob(this.task.key);
    if (!job) return this.vanished();
    if (job.attemptsMade > this.attemptsSeen) {
      if (state !== 'failed' && state !== 'completed') this.retrying(job);
      this.attemptsSeen = job.attemptsMade;
    }
    if (state === 'completed') return this.completed(job);
    if (state === 'failed') return this.failed(job);
    if (state === 'active') this.running(job.progress);
  }

  /** No job under the key: it finished and was removed (its record is in the store), or it is gone; queue it anew. */
  private async vanished(): Promise<void> {
    const rec = await this.store.readRecord(this.task.key);
    if (rec) return this.finish({ status: 'ran', record: rec });
    return this.submit();
  }

  private running(progress: unknown): void {
    if (!this.started) {
      this.started = true;
      this.hooks.onStarted?.();
    }
    const p = jobProgressSchema.safeParse(progress);
    if (!p.success) return;
    const { worker, attempt, line } = p.data;
    if (!this.announced.has(`${worker}#${attempt}`)) {
      this.announced.add(`${worker}#${attempt}`);
      this.worker = worker;
      this.emit({ state: 'running', worker, attempt });
      this.hooks.onLine?.(`running on ${worker}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    }
    if (line) this.hooks.onLine?.(line);
  }

  private retrying(job: Job): void {
    const retryInMs = job.delay > 0 ? job.delay : undefined; // the backoff BullMQ chose for this retry
    this.emit({
      state: 'retrying',
      attempt: job.attemptsMade,
      ...(retryInMs ? { retryInMs } : {}),
      ...(job.failedReason ? { error: job.failedReason } : {}),
    });
    const when = retryInMs ? ` in ${Math.round(retryInMs / 100) / 10} s` : '';
    this.hooks.onLine?.(
      `attempt ${job.attemptsMade} failed, retrying${when}: ${(job.failedReason ?? '').split('\n')[0]}`,
    );
  }

  private async completed(job: Job): Promise<void> {
    const result = jobResultSchema.safeParse(job.returnvalue);
    const rec = await this.store.readRecord(this.task.key);
    if (rec) return this.finish({ status: result.success ? result.data.status : 'ran', record: rec });
    const who = result.success
      ? `worker ${result.data.worker} committed it to ${result.data.store}`
      : 'its job completed';
    this.finish({
      status: 'failed',
      error:
        `${who}, but the store ${this.store.root} has no valid record for key ${this.task.key}: ` +
        'the coordinator and every worker must use one shared store (the same path on every machine, e.g. an NFS mount)',
    });
  }

  private failed(job: Job): void {
    const [first, ...rest] = (job.failedReason || 'the job failed').split('\n');
    const attempts = job.attemptsMade > 1 ? ` (after ${job.attemptsMade} attempts)` : '';
    this.finish({ status: 'failed', error: [`${first}${attempts}`, ...rest].join('\n') });
  }

  private readonly onAbort = (): void => this.finish({ status: 'failed', error: 'interrupted' });

  private finish(outcome: TaskOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearInterval(this.timer);
    this.hooks.signal.removeEventListener('abort', this.onAbort);
    removeListener(this.lane, this.task.key, this.notify);
    if (outcome.status === 'failed') this.emit({ state: 'failed', error: outcome.error, ...this.workerField() });
    else this.emit({ state: 'done', ...this.workerField() });
    this.resolve(outcome);
  }

  private workerField(): { worker?: string } {
    return this.worker ? { worker: this.worker } : {};
  }
}
