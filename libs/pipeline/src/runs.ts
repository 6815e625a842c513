import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { diffValues } from './explain.js';
import { didYouMean } from './suggest.js';
import { Store } from './store.js';

/**
 * One run of a pipeline, as `transfusion runs` lists it: written to `runlog/<pipeline>/<id>.json` when the run ends
 * (also when it fails or is interrupted). Holds what was asked (flags, resolved vars, every selected stage's params)
 * and what came of it (status, counts, wall time, each finished stage's cache key), so two runs can be compared
 * (`params diff`, `metrics diff`) as long as gc has not removed their results.
 */
export const runLogSchema = z.object({
  format: z.literal('transfusion-runlog/1'),
  id: z.string().regex(/^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/),
  pipeline: z.string(),
  file: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  seconds: z.number().nonnegative(),
  status: z.enum(['ok', 'failed', 'interrupted']),
  counts: z.object({
    stages: z.number().int(),
    ran: z.number().int(),
    cached: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
  }),
  /** The flags that shaped the run: `--set`, the selection and `--force`. */
  flags: z.object({
    set: z.array(z.string()),
    only: z.array(z.string()),
    until: z.array(z.string()),
    downstream: z.array(z.string()),
    force: z.array(z.string()),
  }),
  /** The file's `vars` after `--set`. */
  vars: z.record(z.string(), z.unknown()),
  /** Each selected stage instance's validated params. */
  params: z.record(z.string(), z.unknown()),
  /** Each stage instance that finished (ran or cached): its cache key. */
  stages: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  failed: z.array(z.string()),
});
export type RunLog = z.infer<typeof runLogSchema>;

export function newRunId(startedAt: Date): string {
  return `${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

function runLogDir(store: Store, pipeline: string): string {
  return join(store.root, 'runlog', pipeline);
}

export async function writeRunLog(store: Store, log: RunLog): Promise<void> {
  await store.writeJsonAtomic(join(runLogDir(store, log.pipeline), `${log.id}.json`), log);
}

/** A pipeline's run logs, oldest first. A malformed log is bad input, named. */
export async function readRunLogs(storeRoot: string, pipeline: string): Promise<RunLog[]> {
  const store = Store.openReadOnly(storeRoot);
  const dir = runLogDir(store, pipeline);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const logs: RunLog[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new UsageError(`${path}: not a readable run log (${(e as Error).message})`);
    }
    const parsed = runLogSchema.safeParse(json);
    if (!parsed.success)
      throw new UsageError(
        `${path}: not a run log: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}`,
      );
    logs.push(parsed.data);
  }
  return logs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}

/**
 * Picks a run: `last` (or nothing), `last~N` (N runs before the last), or an id or a unique prefix of one.
 */
export function pickRun(logs: readonly RunLog[], ref: string, pipeline: string): RunLog {
  if (logs.length === 0)
    throw new UsageError(`pipeline '${pipeline}' has no recorded runs in this store; run it first`);
  const back = /^last(?:~(\d+))?$/.exec(ref);
  if (back) {
    const n = Number(back[1] ?? 0);
    const log = logs[logs.length - 1 - n];
    if (!log)
      throw new UsageError(
        `${ref}: pipeline '${pipeline}' has only ${logs.length} recorded run${logs.length === 1 ? '' : 's'}`,
      );
    return log;
  }
  const matches = logs.filter((l) => l.id.startsWith(ref));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new UsageError(
      `${ref}: matches ${matches.length} runs (${matches.map((m) => m.id).join(', ')}); give more of the id`,
    );
  throw new UsageError(
    `${ref}: no run of '${pipeline}' has this id${didYouMean(
      ref,
      logs.map((l) => l.id),
    )}; expected last, last~N or an id from transfusion runs`,
  );
}

/** The two runs to compare: both given, one given (against the last), or the last two. */
export function pickPair(logs: readonly RunLog[], refs: readonly string[], pipeline: string): [RunLog, RunLog] {
  if (refs.length > 2) throw new UsageError(`expected at most two runs to compare, got ${refs.length}`);
  if (refs.length === 0 && logs.length < 2)
    throw new UsageError(
      `pipeline '${pipeline}' has ${logs.length} recorded run${logs.length === 1 ? '' : 's'}; a diff needs two`,
    );
  const [a, b] = refs.length === 2 ? refs : refs.length === 1 ? [refs[0]!, 'last'] : ['last~1', 'last'];
  return [pickRun(logs, a!, pipeline), pickRun(logs, b!, pipeline)];
}

/** What changed in the params between two runs: vars, then each stage's params (`path: old → new` lines). */
export function paramsDiff(a: RunLog, b: RunLog): string[] {
  return [...diffValues('vars', a.vars, b.vars), ...diffValues('stages', a.params, b.params)];
}

/** A short account of what changed since the previous run, for the run list. */
export function paramsChangeSummary(prev: RunLog | undefined, cur: RunLog): string {
  if (!prev) return '(first run)';
  const vars = diffValues('vars', prev.vars, cur.vars);
  const stages = new Set(diffValues('', prev.params, cur.params).map((l) => l.split(/[.:]/)[0]!));
  const parts = vars.slice(0, 3);
  if (vars.length > 3) parts.push(`${vars.length - 3} more`);
  if (stages.size && vars.length === 0) parts.push(`params of ${stages.size} stage${stages.size === 1 ? '' : 's'}`);
  return parts.length ? parts.join('; ') : '–';
}

export interface MetricRow {
  stage: string;
  metric: string;
  old: number | null;
  new: number | null;
  change: number | null;
}

/**
 * Every metric of a run: the rows of each finished stage's output named `metrics` that is a table with `metric`
 * (text) and `value` (number) columns (the study's evaluate stage writes one per training run). Results that gc
 * removed read as missing; `missing` lists those stages.
 */
export async function runMetrics(
  storeRoot: string,
  log: RunLog,
): Promise<{ values: Map<string, Map<string, number>>; missing: string[] }> {
  const store = Store.openReadOnly(storeRoot);
  const values = new Map<string, Map<string, number>>();
  const missing: string[] = [];
  for (const [stage, key] of Object.entries(log.stages)) {
    const record = await store.readRecordUnchecked(key);
    if (!record) {
      missing.push(stage);
      continue;
    }
    const out = record.outputs['metrics'];
    if (out?.kind !== 'file') continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(store.objectPath(out.hash));
    } catch {
      missing.push(stage);
      continue;
    }
    const table = tableFromIPC(bytes);
    const names = table.getChild('metric');
    const nums = table.getChild('value');
    if (!names || !nums) continue;
    const m = new Map<string, number>();
    for (let i = 0; i < table.numRows; i++) {
      const name: unknown = names.get(i);
      const v: unknown = nums.get(i);
      if (typeof name === 'string' && typeof v === 'number') m.set(name, v);
    }
    values.set(stage, m);
  }
  return { values, missing };
}

/** Metric by metric between two runs, like `dvc metrics diff`: changed rows only unless `all`; `metrics` filters names. */
export async function metricsDiff(
  storeRoot: string,
  a: RunLog,
  b: RunLog,
  opts: { all?: boolean; metrics?: readonly string[] } = {},
): Promise<{ rows: MetricRow[]; missing: string[] }> {
  const [ma, mb] = [await runMetrics(storeRoot, a), await runMetrics(storeRoot, b)];
  const rows: MetricRow[] = [];
  const stages = [...new Set([...ma.values.keys(), ...mb.values.keys()])].sort();
  const known = new Set<string>();
  for (const stage of stages) {
    const va = ma.values.get(stage) ?? new Map<string, number>();
    const vb = mb.values.get(stage) ?? new Map<string, number>();
    for (const metric of [...new Set([...va.keys(), ...vb.keys()])].sort()) {
      known.add(metric);
      if (opts.metrics?.length && !opts.metrics.includes(metric)) continue;
      const o = va.get(metric) ?? null;
      const n = vb.get(metric) ?? null;
      const change = o !== null && n !== null ? n - o : null;
      if (!opts.all && o === n) continue;
      rows.push({ stage, metric, old: o, new: n, change });
    }
  }
  for (const m of opts.metrics ?? []) {
    if (!known.has(m) && known.size)
      throw new UsageError(
        `--metric ${m}: no such metric in these runs${didYouMean(m, known)}; metrics: ${[...known].sort().join(', ')}`,
      );
  }
  return { rows, missing: [...new Set([...ma.missing, ...mb.missing])].sort() };
}
