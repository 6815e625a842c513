import { canonicalJson } from './canonical-json.js';
import type { KeyPreimage } from './cache-key.js';
import { forcedStages } from './run-pipeline.js';
import { Session, type SessionOptions } from './session.js';
import { Store, type RunRecord } from './store.js';

/** Why a stage would (or would not) rerun. `stale` = ran before with another key; `missing` = never ran here. */
export interface StageExplanation {
  stage: string;
  status: 'cached' | 'stale' | 'missing';
  key: string | null;
  previousKey: string | null;
  /** Each difference from the previous run, one line each: `params.lr: 0.001 → 0.01`. */
  changes: string[];
  /** `--force` names it or something it depends on: it reruns even when cached. */
  forced: boolean;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = canonicalJson(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Differences between two JSON values, as `path: old → new` lines, deepest first. */
export function diffValues(path: string, a: unknown, b: unknown, out: string[] = []): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      diffValues(path ? `${path}.${k}` : k, a[k], b[k], out);
    return out;
  }
  if (canonicalJson(a ?? null) !== canonicalJson(b ?? null) || (a === undefined) !== (b === undefined))
    out.push(`${path}: ${show(a)} → ${show(b)}`);
  return out;
}

/** What changed between the key a stage had last time and the one it has now, field by field. */
export function explainChange(before: KeyPreimage, now: KeyPreimage, upstreamOf: (input: string) => string): string[] {
  const out: string[] = [];
  if (before.format !== now.format) out.push(`key format: ${before.format} → ${now.format}`);
  if (before.stage !== now.stage) out.push(`stage: ${before.stage} → ${now.stage}`);
  diffValues('params', before.params, now.params, out);
  for (const name of [...new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])].sort()) {
    const a = before.inputs[name];
    const b = now.inputs[name];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) {
      out.push(
        a === undefined
          ? `input ${name}: added (${upstreamOf(name)})`
          : b === undefined
            ? `input ${name}: removed`
            : `input ${name}: content changed (${upstreamOf(name)})`,
      );
    }
  }
  for (const file of [...new Set([...Object.keys(before.code.files), ...Object.keys(now.code.files)])].sort()) {
    const a = before.code.files[file];
    const b = now.code.files[file];
    if (a !== b) out.push(`code: ${file} ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'}`);
  }
  for (const file of [...new Set([...Object.keys(before.code.deps), ...Object.keys(now.code.deps)])].sort()) {
    const a = before.code.deps[file];
    const b = now.code.deps[file];
    if (a !== b) out.push(`code: ${file} ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'}`);
  }
  for (const pkg of [...new Set([...Object.keys(before.packages), ...Object.keys(now.packages)])].sort()) {
    if (before.packages[pkg] !== now.packages[pkg])
      out.push(`package ${pkg}: ${before.packages[pkg] ?? '(not used)'} → ${now.packages[pkg] ?? '(not used)'}`);
  }
  const beforeData = before.data ?? {};
  const nowData = now.data ?? {};
  for (const path of [...new Set([...Object.keys(beforeData), ...Object.keys(nowData)])].sort()) {
    const a = beforeData[path];
    const b = nowData[path];
    if (!a) out.push(`data ${path}: added`);
    else if (!b) out.push(`data ${path}: removed`);
    else if (a.hash !== b.hash)
      out.push(`data ${path}: changed (${a.files} → ${b.files} files, ${a.bytes} → ${b.bytes} bytes)`);
  }
  diffValues('outputs', before.outputs, now.outputs, out);
  diffValues('env', before.env, now.env, out);
  diffValues('runtime', before.runtime, now.runtime, out);
  return out;
}

/**
 * For each selected stage, in plan order: is it cached in the store, and if not, what changed since the run the
 * store remembers for it (the latest run of this pipeline). Reads only; never runs or writes anything.
 */
export async function explainPipeline(
  opts: SessionOptions & { store: string; force?: readonly string[] },
): Promise<{ pipeline: string; stages: StageExplanation[] }> {
  const session = await Session.open(opts);
  const forced = forcedStages(session, opts.force ?? []);
  const store = Store.openReadOnly(opts.store);
  const latest = (await store.readLatest(session.name))?.stages ?? {};
  const records = new Map<string, RunRecord>();
  const statusOf = new Map<string, StageExplanation['status']>();
  const result: StageExplanation[] = [];
  for (const s of session.selected) {
    const previousKey = latest[s.id] ?? null;
    const previous = previousKey ? await store.readRecordUnchecked(previousKey) : null;
    const inputs = session.inputHashes(s, records);
    const upstreamOf = (input: string): string => {
      const refs = s.inputs.find((i) => i.name === input)?.refs ?? [];
      const reruns = refs.filter((r) => statusOf.get(r.instance) !== 'cached').map((r) => r.instance);
      return reruns.length
        ? `upstream ${reruns.join(', ')} will rerun`
        : `from ${refs.map((r) => `${r.instance}.${r.output}`).join(', ')}`;
    };
    if (!inputs) {
      // An upstream is not cached: this stage's inputs are unknown until it reruns.
      const reruns = s.inputs
        .flatMap((i) => i.refs)
        .filter((r) => !records.has(r.instance))
        .map((r) => r.instance);
      const status = previous ? 'stale' : 'missing';
      statusOf.set(s.id, status);
      result.push({
        stage: s.id,
        status,
        key: null,
        previousKey,
        changes: [`inputs: upstream ${[...new Set(reruns)].join(', ')} will rerun first`],
        forced: forced.has(s.id),
      });
      continue;
    }
    const { key, preimage } = await session.key(s, inputs);
    const record = await store.readRecord(key);
    if (record) {
      records.set(s.id, record);
      statusOf.set(s.id, 'cached');
      result.push({
        stage: s.id,
        status: 'cached',
        key,
        previousKey,
        changes: forced.has(s.id) ? ['forced (--force): cached, but reruns'] : [],
        forced: forced.has(s.id),
      });
      continue;
    }
    const status = previous ? 'stale' : 'missing';
    statusOf.set(s.id, status);
    let changes: string[];
    if (!previous) changes = ['never ran in this store'];
    else if (previousKey === key) changes = ['its outputs are missing or damaged in the store'];
    else {
      changes = explainChange(previous.preimage, preimage, upstreamOf);
      if (changes.length === 0) changes = ['key changed (no field differs: key format change)'];
    }
    result.push({ stage: s.id, status, key, previousKey, changes, forced: forced.has(s.id) });
  }
  return { pipeline: session.name, stages: result };
}

/** One stage of `run --dry-run`: would it run, and why. */
export interface DryRunStage extends StageExplanation {
  action: 'run' | 'cached';
}

export interface DryRunResult {
  pipeline: string;
  stages: DryRunStage[];
  /** How many would run and how many are cached. */
  run: number;
  cached: number;
}

/**
 * What `runPipeline` with the same options would do, without doing any of it: which stages would run and why
 * (new, changed params / inputs / code / data, or forced), which are cached. No store writes, no locks, no folders.
 */
export async function dryRunPipeline(
  opts: SessionOptions & { store: string; force?: readonly string[] },
): Promise<DryRunResult> {
  const { pipeline, stages } = await explainPipeline(opts);
  const out = stages.map((s): DryRunStage => ({ ...s, action: s.status === 'cached' && !s.forced ? 'cached' : 'run' }));
  return {
    pipeline,
    stages: out,
    run: out.filter((s) => s.action === 'run').length,
    cached: out.filter((s) => s.action === 'cached').length,
  };
}
