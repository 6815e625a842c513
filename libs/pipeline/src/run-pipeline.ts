import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import type { PlannedStage } from './plan.js';
import { downstreamOf, matchStages } from './plan.js';
import { newRunId, writeRunLog } from './runs.js';
import { Session, type SessionOptions } from './session.js';
import { stageThreadsEnv } from './spawn-stage.js';
import { runOrReuse, taskFor, type StageTask, type TaskHooks, type TaskOutcome } from './stage-task.js';
import { Store, type RunRecord } from './store.js';

export type StageStatus = 'cached' | 'ran' | 'failed';

/** One line of `run --json`. */
export interface StageEvent {
  stage: string;
  key: string;
  status: StageStatus;
  seconds: number;
  error?: string;
}

export interface RunSummary {
  pipeline: string;
  stages: number;
  cached: number;
  ran: number;
  failed: number;
  /** Not started because something they need failed, or the run was interrupted. */
  skipped: string[];
  interrupted: boolean;
  seconds: number;
  store: string;
}

/** What the progress display hears. Every method is optional. */
export interface RunObserver {
  plan?(stages: readonly PlannedStage[]): void;
  started?(stage: string, key: string): void;
  waiting?(stage: string, key: string): void;
  line?(stage: string, line: string): void;
  finished?(event: StageEvent): void;
}

/**
 * Where a stage task runs. The planner stays the scheduler: it hands each ready task to the executor and waits
 * for its outcome. `concurrency` caps how many tasks are handed out at once (the local executor's `jobs`).
 */
export interface StageExecutor {
  readonly concurrency: number;
  execute(store: Store, task: StageTask, hooks: TaskHooks): Promise<TaskOutcome>;
  close?(): Promise<void>;
}

/**
 * Runs tasks as child processes of this process, `jobs` at once, each with its share of the cores
 * (TRANSFUSION_THREADS = ⌊cores / jobs⌋ unless the environment sets it).
 */
export function localExecutor(jobs = availableParallelism()): StageExecutor {
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${jobs}: expected a whole number ≥ 1`);
  const env = stageThreadsEnv(jobs);
  return { concurrency: jobs, execute: (store, task, hooks) => runOrReuse(store, task, hooks, { env }) };
}

export interface RunOptions extends SessionOptions {
  store: string;
  /** Where stages run (default: local child processes, `jobs` at once). */
  executor?: StageExecutor;
  /** Stages running at once with the default local executor; default: the number of cores. */
  jobs?: number;
  /** Root of the human-facing `<out>/<pipeline>/<stage>/` links; null for none. */
  outRoot?: string | null;
  /** Also keep this run's results under a name that gc never removes. */
  pin?: string;
  /** `--force`: these stages (instance ids, stage names or `*` patterns) and their dependents rerun even when cached. */
  force?: readonly string[];
  /** Stop starting new stages after the first failure (default: run every branch that can still run). */
  failFast?: boolean;
  signal?: AbortSignal;
  observer?: RunObserver;
}

/** Runs a pipeline with the local executor: ready stages in parallel child processes, each cached by its key. */
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  const executor = opts.executor ?? localExecutor(opts.jobs);
  const jobs = executor.concurrency;
  const session = await Session.open(opts);
  const store = await Store.open(opts.store);
  const t0 = performance.now();
  const startedAt = new Date();
  const signal = opts.signal ?? new AbortController().signal;
  const observer = opts.observer ?? {};
  const stages = session.selected;
  const forced = forcedStages(session, opts.force ?? []);
  observer.plan?.(stages);

  const unmark = await store.markActive(session.name);
  const previous = await store.readLatest(session.name);
  const latest: Record<string, string> = {};
  for (const [id, key] of Object.entries(previous?.stages ?? {})) if (session.plan.byId.has(id)) latest[id] = key;
  const records = new Map<string, RunRecord>();
  const state = new Map<string, 'pending' | 'running' | 'done' | 'failed' | 'skipped'>(
    stages.map((s) => [s.id, 'pending']),
  );
  const counts = { cached: 0, ran: 0, failed: 0 };
  let stopStarting = false;

  const writeLatest = async (): Promise<void> => {
    await store.writeLatest({
      pipeline: session.name,
      file: session.plan.file.file,
      updatedAt: new Date().toISOString(),
      stages: latest,
    });
  };

  const finish = async (s: PlannedStage, event: StageEvent, record?: RunRecord): Promise<void> => {
    if (record) {
      records.set(s.id, record);
      latest[s.id] = record.key;
      state.set(s.id, 'done');
      if (opts.outRoot) await publish(store, record, join(opts.outRoot, session.name, s.id));
      if (event.status === 'ran') await writeLatest(); // a crash later still leaves this stage as the baseline
    } else {
      state.set(s.id, 'failed');
      if (opts.failFast) stopStarting = true;
    }
    counts[event.status]++;
    observer.finished?.(event);
  };

  const process1 = async (s: PlannedStage): Promise<void> => {
    const started = performance.now();
    const { key, preimage } = await session.key(s, session.inputHashes(s, records)!);
    const outcome = await executor.execute(store, taskFor(session, s, key, preimage, records, forced.has(s.id)), {
      signal,
      onWaiting: () => observer.waiting?.(s.id, key),
      onStarted: () => observer.started?.(s.id, key),
      onLine: (line) => observer.line?.(s.id, line),
    });
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    if (outcome.status === 'failed')
      return finish(s, { stage: s.id, key, status: 'failed', seconds, error: outcome.error });
    return finish(s, { stage: s.id, key, status: outcome.status, seconds }, outcome.record);
  };

  try {
    const running = new Map<string, Promise<void>>();
    for (;;) {
      // Stages whose upstream failed can never run.
      for (const s of stages) {
        if (state.get(s.id) !== 'pending') continue;
        const blocked = s.inputs.some((i) =>
          i.refs.some((r) => ['failed', 'skipped'].includes(state.get(r.instance) ?? '')),
        );
        if (blocked) state.set(s.id, 'skipped');
      }
      if (!signal.aborted && !stopStarting) {
        for (const s of stages) {
          if (running.size >= jobs) break;
          if (state.get(s.id) !== 'pending') continue;
          if (!s.inputs.every((i) => i.refs.every((r) => state.get(r.instance) === 'done'))) continue;
          state.set(s.id, 'running');
          const p = process1(s).catch(async (e: unknown) => {
            const message = e instanceof Error ? e.message : String(e);
            await finish(s, { stage: s.id, key: '', status: 'failed', seconds: 0, error: message });
          });
          running.set(
            s.id,
            p.finally(() => running.delete(s.id)),
          );
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    await writeLatest().catch(() => undefined);
    await unmark();
    await executor.close?.();
  }
  if (opts.pin)
    await store.writePin(opts.pin, {
      pipeline: session.name,
      file: session.plan.file.file,
      updatedAt: new Date().toISOString(),
      stages: latest,
    });
  const skipped = stages.filter((s) => state.get(s.id) === 'pending' || state.get(s.id) === 'skipped').map((s) => s.id);
  const seconds = Math.round((performance.now() - t0) / 10) / 100;
  await writeRunLog(store, {
    format: 'transfusion-runlog/1',
    id: newRunId(startedAt),
    pipeline: session.name,
    file: session.plan.file.file,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds,
    status: signal.aborted ? 'interrupted' : counts.failed > 0 || skipped.length > 0 ? 'failed' : 'ok',
    counts: { stages: stages.length, ...counts, skipped: skipped.length },
    flags: {
      set: [...(opts.sets ?? [])],
      only: [...(opts.only ?? [])],
      until: [...(opts.until ?? [])],
      downstream: [...(opts.downstream ?? [])],
      force: [...(opts.force ?? [])],
    },
    vars: session.plan.file.content.vars,
    params: Object.fromEntries(stages.map((s) => [s.id, s.params])),
    stages: Object.fromEntries(stages.filter((s) => records.has(s.id)).map((s) => [s.id, records.get(s.id)!.key])),
    failed: stages.filter((s) => state.get(s.id) === 'failed').map((s) => s.id),
  });
  return {
    pipeline: session.name,
    stages: stages.length,
    ...counts,
    skipped,
    interrupted: signal.aborted,
    seconds,
    store: opts.store,
  };
}

/** Points `<dest>/<name>[.arrow]` at each output's object (skipped when it already does). */
async function publish(store: Store, record: RunRecord, dest: string): Promise<void> {
  for (const [name, out] of Object.entries(record.outputs)) {
    const target = join(dest, out.kind === 'file' ? `${name}.arrow` : name);
    await store.materialize(out, target);
  }
}

/** The selected instances `--force` names, and every selected instance downstream of them. */
export function forcedStages(session: Session, force: readonly string[]): Set<string> {
  if (force.length === 0) return new Set();
  const named = force.flatMap((n) => matchStages(session.plan, '--force', n).map((s) => s.id));
  const selected = new Set(session.selected.map((s) => s.id));
  const outside = named.filter((id) => !selected.has(id));
  if (outside.length === named.length) {
    throw new UsageError(
      `--force ${force.join(' ')}: not among the selected stages (${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ', ...' : ''}); widen --only/--until/--downstream`,
    );
  }
  return new Set([...downstreamOf(session.plan, named)].filter((id) => selected.has(id)));
}
