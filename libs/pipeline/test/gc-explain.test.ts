import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { collectGarbage, explainPipeline, Store, StoreError } from '@transfusion/pipeline';
import { emit, REGISTRY, run, workspace } from './helpers.js';

const pipeline = (b = 10) => `stages:
${emit('a', { value: 1 })}
${emit('b', { value: b }, { x: 'a.out' })}
${emit('c', { value: 100 })}
`;

async function objectsOf(store: string, keys: string[]): Promise<string[]> {
  const s = await Store.open(store);
  const out: string[] = [];
  for (const k of keys) {
    const r = (await s.readRecord(k))!;
    out.push(...Object.values(r.outputs).map((o) => o.hash), r.log!);
  }
  return out;
}

describe('gc', () => {
  test('keeps what the latest run references, removes older results; --dry-run removes nothing', async () => {
    const ws = workspace(pipeline());
    const old = await run(ws);
    ws.write(pipeline(20));
    const latest = await run(ws);
    const oldB = old.events.find((e) => e.stage === 'b')!.key;
    const keep = latest.events.map((e) => e.key);

    const dry = await collectGarbage(ws.store, { dryRun: true });
    expect(dry.removed.records).toEqual([oldB]);
    expect(existsSync((await Store.open(ws.store)).recordPath(oldB))).toBe(true);

    const result = await collectGarbage(ws.store);
    expect(result.removed.records).toEqual([oldB]);
    expect(result.removed.objects.length).toBe(2); // old b's output and log
    const store = await Store.open(ws.store);
    for (const k of keep) expect(await store.readRecord(k)).not.toBeNull();
    for (const h of await objectsOf(ws.store, keep)) expect(await store.verifyObject(h)).toBe(true);
    expect((await run(ws)).cached).toBe(3);
  });

  test('pinned runs are kept until unpinned', async () => {
    const ws = workspace(pipeline());
    const pinned = await run(ws, { pin: 'paper-v1' });
    ws.write(pipeline(30));
    await run(ws);
    expect((await collectGarbage(ws.store)).removed.records).toEqual([]);
    const oldB = pinned.events.find((e) => e.stage === 'b')!.key;
    expect((await collectGarbage(ws.store, { unpin: ['paper-v1'] })).removed.records).toEqual([oldB]);
    await expect(collectGarbage(ws.store, { unpin: ['nope'] })).rejects.toThrow(/no pin named nope/);
  });

  test('refuses while a run holds the store', async () => {
    const ws = workspace(pipeline());
    await run(ws);
    const store = await Store.open(ws.store);
    const unmark = await store.markActive('pipeline');
    await expect(collectGarbage(ws.store)).rejects.toBeInstanceOf(StoreError);
    await unmark();
    await expect(collectGarbage(ws.store)).resolves.toBeDefined();
  });

  test('leftover attempt folders of crashed runs are removed', async () => {
    const ws = workspace(pipeline());
    await run(ws);
    const store = await Store.open(ws.store);
    const tmp = await store.makeTmpDir();
    writeFileSync(join(tmp, 'half-written.arrow'), 'xx');
    const r = await collectGarbage(ws.store);
    expect(r.removed.tmp).toHaveLength(1);
    expect(readdirSync(join(ws.store, 'tmp'))).toEqual([]);
  });

  test('working folders of committed keys are removed; those of keys never committed are kept (a rerun resumes from them)', async () => {
    const ws = workspace(pipeline());
    const first = await run(ws);
    const store = await Store.open(ws.store);
    const committed = first.events[0]!.key;
    const unfinished = 'f'.repeat(64);
    for (const key of [committed, unfinished]) {
      mkdirSync(store.workDir(key), { recursive: true });
      writeFileSync(join(store.workDir(key), 'resume.arrow'), 'state');
    }
    const r = await collectGarbage(ws.store);
    expect(r.removed.work).toEqual([committed]);
    expect(readdirSync(join(ws.store, 'work'))).toEqual([unfinished]);
  });
});

describe('explain', () => {
  const explain = (ws: { file: string; store: string }, sets: string[] = []) =>
    explainPipeline({ pipelineFile: ws.file, registry: REGISTRY, store: ws.store, sets });

  test('says which field of the key changed, per stage', async () => {
    const ws = workspace(pipeline());
    const before = await explain(ws);
    expect(before.stages.map((s) => [s.stage, s.status])).toEqual([
      ['a', 'missing'],
      ['b', 'missing'],
      ['c', 'missing'],
    ]);
    expect(before.stages[0]!.changes).toEqual(['never ran in this store']);
    await run(ws);
    expect((await explain(ws)).stages.every((s) => s.status === 'cached')).toBe(true);

    const changed = await explain(ws, ['stages.a.with.params.value=5']);
    const byStage = Object.fromEntries(changed.stages.map((s) => [s.stage, s]));
    expect(byStage['a']).toMatchObject({ status: 'stale', changes: ['params.params.value: 1 → 5'] });
    expect(byStage['b']).toMatchObject({ status: 'stale', changes: ['inputs: upstream a will rerun first'] });
    expect(byStage['c']!.status).toBe('cached');

    writeFileSync(join(ws.dir, 'emit.mjs'), `${readFileSync(join(ws.dir, 'emit.mjs'), 'utf8')}// edit\n`);
    const code = await explain(ws);
    expect(code.stages.find((s) => s.stage === 'c')!.changes).toEqual(['code: emit.mjs changed']);
    // explain never writes a record or runs anything
    expect(ws.calls().sort()).toEqual(['a', 'b', 'c']);
  });

  test('explains an input change when the upstream is cached under another key', async () => {
    const ws = workspace(pipeline());
    await run(ws);
    ws.write(pipeline().replace('"value":1', '"value":2'));
    await run(ws, { only: ['a'] });
    const e = await explain(ws);
    expect(e.stages.find((s) => s.stage === 'b')!.changes).toEqual(['input x: content changed (from a.out)']);
  });
});
