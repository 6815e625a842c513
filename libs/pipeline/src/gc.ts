import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import type { z } from 'zod';
import { latestSchema, Store } from './store.js';

export interface GcResult {
  roots: { pipelines: string[]; pins: string[] };
  keptRecords: number;
  keptObjects: number;
  /** `work`: working folders of keys whose outputs are committed (left by a crash right after the commit). */
  removed: { records: string[]; objects: string[]; tmp: string[]; work: string[] };
  bytesFreed: number;
  dryRun: boolean;
}

async function listTwoLevel(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) out.push(join(sub, name));
  }
  return out;
}

/**
 * Keeps what the latest run of each pipeline and every pinned run reference (their run records and every object
 * those records name) and removes the rest: other run records, unreferenced objects, attempt folders left by
 * crashed runs, working folders of committed keys. Working folders of keys never committed are kept: they hold the
 * progress (resume checkpoints) a rerun of that stage continues from. Refuses while a run is in progress on this store.
 */
export async function collectGarbage(
  storeRoot: string,
  opts: { dryRun?: boolean; unpin?: string[] } = {},
): Promise<GcResult> {
  const store = await Store.open(storeRoot);
  const live = await store.liveLocks();
  if (live.length > 0)
    throw new StoreError(
      `store ${storeRoot} is in use (${live.length} live lock${live.length > 1 ? 's' : ''}: ${live.slice(0, 3).join(', ')}); run gc when no pipeline is running`,
    );
  for (const name of opts.unpin ?? []) {
    const path = join(storeRoot, 'pins', `${name}.json`);
    if (!(await stat(path).catch(() => null))) throw new StoreError(`no pin named ${name}`);
    if (!opts.dryRun) await rm(path);
  }
  const roots = { pipelines: [] as string[], pins: [] as string[] };
  const keys = new Set<string>();
  for (const [sub, list] of [
    ['pipelines', roots.pipelines],
    ['pins', roots.pins],
  ] as const) {
    for (const file of (await readdir(join(storeRoot, sub)).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const name = file.slice(0, -'.json'.length);
      if (sub === 'pins' && opts.unpin?.includes(name)) continue;
      let latest: z.infer<typeof latestSchema>;
      try {
        latest = latestSchema.parse(JSON.parse(await readFile(join(storeRoot, sub, file), 'utf8')));
      } catch {
        continue; // an unreadable root protects nothing
      }
      list.push(name);
      for (const key of Object.values(latest.stages)) keys.add(key);
    }
  }
  const committedWork: string[] = [];
  for (const key of (await readdir(join(storeRoot, 'work')).catch(() => [] as string[])).sort()) {
    if (
      await stat(store.recordPath(key)).then(
        () => true,
        () => false,
      )
    )
      committedWork.push(key);
  }
  const objects = new Set<string>();
  const records = new Set<string>();
  for (const key of keys) {
    const record = await store.readRecordUnchecked(key);
    if (!record) continue;
    records.add(key);
    if (record.log) objects.add(record.log);
    for (const out of Object.values(record.outputs)) {
      for (const o of (await store.outputObjects(out)) ?? [{ hash: out.hash }]) objects.add(o.hash);
    }
  }
  const removed: GcResult['removed'] = { records: [], objects: [], tmp: [], work: [] };
  let bytesFreed = 0;
  const remove = async (path: string): Promise<void> => {
    bytesFreed += (await stat(path).catch(() => ({ size: 0 }))).size;
    if (!opts.dryRun) await rm(path, { recursive: true, force: true });
  };
  for (const rel of await listTwoLevel(join(storeRoot, 'runs'))) {
    const key = rel.split(/[\\/]/)[1]!.replace(/\.json$/, '');
    if (records.has(key)) continue;
    removed.records.push(key);
    await remove(join(storeRoot, 'runs', rel));
  }
  for (const rel of await listTwoLevel(join(storeRoot, 'objects'))) {
    const hash = rel.split(/[\\/]/)[1]!;
    if (objects.has(hash)) continue;
    removed.objects.push(hash);
    await remove(join(storeRoot, 'objects', rel));
    if (!opts.dryRun) await rm(join(storeRoot, 'verified', rel), { force: true });
  }
  // No lock is live (checked above), so every lock file left is a dead run's.
  if (!opts.dryRun)
    for (const name of await readdir(join(storeRoot, 'locks')).catch(() => [] as string[]))
      await rm(join(storeRoot, 'locks', name), { force: true });
  for (const name of await readdir(join(storeRoot, 'tmp')).catch(() => [] as string[])) {
    removed.tmp.push(name);
    await remove(join(storeRoot, 'tmp', name));
  }
  // Checked before the records go: a committed key's folder is of no use whether or not its record is kept.
  for (const key of committedWork) {
    removed.work.push(key);
    await remove(join(storeRoot, 'work', key));
  }
  return {
    roots,
    keptRecords: records.size,
    keptObjects: objects.size,
    removed,
    bytesFreed,
    dryRun: Boolean(opts.dryRun),
  };
}
