import { mkdir, rm, stat } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { inspectArrowFile } from '@transfusion/arrow-io';
import { outputPath } from './artifacts.js';
import type { KeyPreimage } from './cache-key.js';
import { UsageError } from './errors.js';
import type { Job } from './job.js';
import type { PlannedStage } from './plan.js';
import { Session, type SessionOptions } from './session.js';
import { spawnStage } from './spawn-stage.js';
import type { ArtifactKind } from './stage.js';
import { Store, type OutputRecord, type RunRecord } from './store.js';

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

export interface RunOptions extends SessionOptions {
  store: string;
  /** Stages running at once; default: the number of cores. */
  jobs?: number;
  /** Root of the human-facing `<out>/<pipeline>/<stage>/` links; null for none. */
  outRoot?: string | null;
  /** Also keep this run's results under a name that gc never removes. */
  pin?: string;
  /** Stop starting new stages after the first failure (default: run every branch that can still run). */
  failFast?: boolean;
  signal?: AbortSignal;
  observer?: RunObserver;
}

const POLL_MS = 200;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs a pipeline with the local executor: ready stages in parallel child processes, each cached by its key. */
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  const jobs = opts.jobs ?? cpus().length;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${jobs}: expected a whole number ≥ 1`);
  const session = await Session.open(opts);
  const store = await Store.open(opts.store);
  const t0 = performance.now();
  const signal = opts.signal ?? new AbortController().signal;
  const observer = opts.observer ?? {};
  const stages = session.selected;
  observer.plan?.(stages);

  const unmark = await store.markActive(session.name);
  const previous = await store.readLatest(session.name);
  const latest: Record<string, string> = {};
  for (const [id, key] of Object.entries(previous?.stages ?? {})) if (session.plan.byId.has(id)) latest[id] = key;
  const records = new Map<string, RunRecord>();
  const state = new Map<string, 'pending' | 'running' | 'done' | 'failed' | 'skipped'>(stages.map((s) => [s.id, 'pending']));
  const counts = { cached: 0, ran: 0, failed: 0 };
  let stopStarting = false;

  const writeLatest = async (): Promise<void> => {
    await store.writeLatest({ pipeline: session.name, file: session.plan.file.file, updatedAt: new Date().toISOString(), stages: latest });
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
    const inputs = session.inputHashes(s, records)!;
    const { key, preimage } = await session.key(s, inputs);
    const seconds = (): number => Math.round((performance.now() - started) / 10) / 100;
    let record = await store.readRecord(key);
    if (record) return finish(s, { stage: s.id, key, status: 'cached', seconds: seconds() }, record);
    let lock = await store.tryLock(key);
    if (!lock) {
      observer.waiting?.(s.id, key);
      while (!lock && !signal.aborted) {
        await sleep(POLL_MS);
        record = await store.readRecord(key);
        if (record) return finish(s, { stage: s.id, key, status: 'cached', seconds: seconds() }, record);
        lock = await store.tryLock(key);
      }
      if (!lock) return finish(s, { stage: s.id, key, status: 'failed', seconds: seconds(), error: 'interrupted' });
    }
    try {
      record = await store.readRecord(key); // committed by another run between our miss and our lock
      if (record) return finish(s, { stage: s.id, key, status: 'cached', seconds: seconds() }, record);
      observer.started?.(s.id, key);
      const result = await attempt(store, session, s, key, preimage, records, signal, (line) => observer.line?.(s.id, line));
      if ('error' in result) return finish(s, { stage: s.id, key, status: 'failed', seconds: seconds(), error: result.error });
      return finish(s, { stage: s.id, key, status: 'ran', seconds: seconds() }, result.record);
    } finally {
      await lock.release();
    }
  };

  try {
    const running = new Map<string, Promise<void>>();
    for (;;) {
      // Stages whose upstream failed can never run.
      for (const s of stages) {
        if (state.get(s.id) !== 'pending') continue;
        const blocked = s.inputs.some((i) => i.refs.some((r) => ['failed', 'skipped'].includes(state.get(r.instance) ?? '')));
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
          running.set(s.id, p.finally(() => running.delete(s.id)));
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    await writeLatest().catch(() => undefined);
    await unmark();
  }
  if (opts.pin) await store.writePin(opts.pin, { pipeline: session.name, file: session.plan.file.file, updatedAt: new Date().toISOString(), stages: latest });
  const skipped = stages.filter((s) => state.get(s.id) === 'pending' || state.get(s.id) === 'skipped').map((s) => s.id);
  return {
    pipeline: session.name,
    stages: stages.length,
    ...counts,
    skipped,
    interrupted: signal.aborted,
    seconds: Math.round((performance.now() - t0) / 10) / 100,
    store: opts.store,
  };
}

async function attempt(
  store: Store,
  session: Session,
  s: PlannedStage,
  key: string,
  preimage: KeyPreimage,
  records: ReadonlyMap<string, RunRecord>,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<{ record: RunRecord } | { error: string }> {
  const dir = await store.makeTmpDir();
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const outDir = join(dir, 'out');
    await mkdir(outDir);
    const jobInputs: Job['inputs'] = {};
    for (const input of s.inputs) {
      const paths: string[] = [];
      for (const [i, ref] of input.refs.entries()) {
        const out = records.get(ref.instance)?.outputs[ref.output];
        if (!out) return { error: `input ${input.name}: no record of ${ref.instance}.${ref.output}` };
        const name = input.many ? join(input.name, `${i}-${ref.instance}`) : input.name;
        const dest = join(dir, 'in', out.kind === 'file' ? `${name}.arrow` : name);
        await store.materialize(out, dest);
        paths.push(dest);
      }
      jobInputs[input.name] = { kind: input.kind, many: input.many, paths };
    }
    const job: Job = {
      registry: session.registryUrl,
      stage: s.uses,
      instance: s.id,
      params: s.params,
      inputs: jobInputs,
      outputs: s.outputs,
      outDir,
      pipelineDir: session.plan.file.dir,
    };
    const proc = await spawnStage(job, dir, signal, onLine);
    if (!proc.ok) return { error: proc.interrupted ? 'interrupted' : failureMessage(proc.tail) };

    const outputs: Record<string, OutputRecord> = {};
    for (const [name, kind] of Object.entries(s.outputs)) {
      const found = await collectOutput(outDir, name, kind);
      if ('error' in found) return { error: found.error };
      outputs[name] = found.kind === 'file' ? { kind: 'file', ...(await store.putFile(found.path)) } : { kind: 'dir', ...(await store.putDir(found.path)) };
    }
    const log = await store.putFile(proc.logFile);
    const record: RunRecord = {
      format: 'transfusion-run/1',
      key,
      preimage,
      instance: s.id,
      pipeline: session.name,
      outputs,
      log: log.hash,
      startedAt,
      seconds: Math.round((performance.now() - t0) / 10) / 100,
      host: hostname(),
    };
    await store.writeRecord(record);
    return { record };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The runner's last line says why (`stage failed: ...`); the lines before it are the stage's own output. */
function failureMessage(tail: string): string {
  const lines = tail.split('\n').filter((l) => l.trim());
  const last = lines.pop() ?? 'the stage process exited with an error';
  const reason = last.replace(/^stage failed: /, '');
  return lines.length ? `${reason}\n${lines.map((l) => `  | ${l}`).join('\n')}` : reason;
}

/** Finds output NAME in the attempt's output folder and checks it is what the stage declared. */
async function collectOutput(outDir: string, name: string, kind: ArtifactKind): Promise<{ kind: 'file' | 'dir'; path: string } | { error: string }> {
  const { file, dir } = outputPath(outDir, name);
  const isFile = await stat(file).then((st) => st.isFile(), () => false);
  const isDir = await stat(dir).then((st) => st.isDirectory(), () => false);
  if (kind === 'files' || (kind === 'any' && isDir && !isFile)) {
    if (!isDir) return { error: `declared output '${name}' was not written (expected the folder ${name}/ in TRANSFUSION_OUT)` };
    return { kind: 'dir', path: dir };
  }
  if (!isFile) {
    return { error: `declared output '${name}' was not written (expected ${name}.arrow${kind === 'any' ? ` or the folder ${name}/` : ''} in TRANSFUSION_OUT)` };
  }
  try {
    const info = await inspectArrowFile(file);
    if (kind !== 'any' && info.kind !== kind) return { error: `output '${name}' holds a ${info.kind}, but the stage declares a ${kind}` };
  } catch (e) {
    return { error: `output '${name}': ${name}.arrow is not a valid Arrow IPC file (${(e as Error).message})` };
  }
  return { kind: 'file', path: file };
}

/** Points `<dest>/<name>[.arrow]` at each output's object (skipped when it already does). */
async function publish(store: Store, record: RunRecord, dest: string): Promise<void> {
  for (const [name, out] of Object.entries(record.outputs)) {
    const target = join(dest, out.kind === 'file' ? `${name}.arrow` : name);
    await store.materialize(out, target);
  }
}
