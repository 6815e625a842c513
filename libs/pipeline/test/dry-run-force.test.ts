import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { dryRunPipeline, loadPlan, selectStages } from '@transfusion/pipeline';
import { emit, REGISTRY, run, statusOf, workspace } from './helpers.js';

// a → b → d, c alone
const pipeline = (b = 10) => `stages:
${emit('a', { value: 1 })}
${emit('b', { value: b }, { x: 'a.out' })}
${emit('c', { value: 100 })}
${emit('d', { value: 1000 }, { x: 'b.out' })}
`;

/** Every path under a folder with its size and modification time: equal snapshots = nothing was written. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = statSync(p);
      out.push(`${p}\t${st.size}\t${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const dry = (ws: { file: string; store: string }, extra: Partial<Parameters<typeof dryRunPipeline>[0]> = {}) =>
  dryRunPipeline({ pipelineFile: ws.file, registry: REGISTRY, store: ws.store, ...extra });

describe('run --dry-run', () => {
  test('says what would run and why; writes, locks and creates nothing', async () => {
    const ws = workspace(pipeline());
    const first = await dry(ws);
    expect(first.stages.map((s) => [s.stage, s.action, s.changes[0]])).toEqual([
      ['a', 'run', 'never ran in this store'],
      ['b', 'run', 'inputs: upstream a will rerun first'],
      ['c', 'run', 'never ran in this store'],
      ['d', 'run', 'inputs: upstream b will rerun first'],
    ]);
    expect(existsSync(ws.store)).toBe(false); // not even the store's folder
    expect(ws.calls()).toEqual([]);

    await run(ws);
    ws.write(pipeline(20));
    const before = snapshot(ws.store);
    const second = await dry(ws);
    expect(second.stages.map((s) => [s.stage, s.action])).toEqual([
      ['a', 'cached'],
      ['b', 'run'],
      ['c', 'cached'],
      ['d', 'run'],
    ]);
    expect(second.stages.find((s) => s.stage === 'b')!.changes).toEqual(['params.params.value: 10 → 20']);
    expect([second.run, second.cached]).toEqual([2, 2]);
    expect(snapshot(ws.store)).toEqual(before);
    expect(readdirSync(join(ws.store, 'locks'))).toEqual([]);
    expect(readdirSync(join(ws.store, 'active'))).toEqual([]);
    expect(ws.calls().length).toBe(4); // only the real run's four calls
  });

  test('--force shows as a reason on cached stages and their dependents', async () => {
    const ws = workspace(pipeline());
    await run(ws);
    const r = await dry(ws, { force: ['b'] });
    expect(r.stages.map((s) => [s.stage, s.action, s.forced])).toEqual([
      ['a', 'cached', false],
      ['b', 'run', true],
      ['c', 'cached', false],
      ['d', 'run', true],
    ]);
    expect(r.stages.find((s) => s.stage === 'b')!.changes).toEqual(['forced (--force): cached, but reruns']);
  });
});

describe('run --force / --downstream / --until', () => {
  test('--force reruns the named stage and its dependents though cached; the rest stays cached', async () => {
    const ws = workspace(pipeline());
    await run(ws);
    const forced = await run(ws, { force: ['b'] });
    expect(statusOf(forced.events)).toEqual({ a: 'cached', b: 'ran', c: 'cached', d: 'ran' });
    expect(ws.calls()).toEqual(expect.arrayContaining(['b', 'd']));
    expect(ws.calls().length).toBe(6);
    // the rerun committed under the same keys: the next run is all cached
    expect(statusOf((await run(ws)).events)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'cached' });
    await expect(run(ws, { force: ['bb'] })).rejects.toThrow(/--force bb: no such stage/);
  });

  test('--downstream selects a stage and what follows (plus what those need); --until what it needs; both: between', async () => {
    const ws = workspace(pipeline());
    const plan = await loadPlan({ pipelineFile: ws.file, registry: REGISTRY });
    const ids = (sel: Parameters<typeof selectStages>[2], only: string[] = []) =>
      selectStages(plan, only, sel).map((s) => s.id);
    expect(ids({ downstream: ['b'] })).toEqual(['a', 'b', 'd']);
    expect(ids({ downstream: ['a'] })).toEqual(['a', 'b', 'd']);
    expect(ids({ until: ['b'] })).toEqual(['a', 'b']);
    expect(ids({ downstream: ['b'], until: ['b'] })).toEqual(['a', 'b']);
    expect(ids({ downstream: ['c'] })).toEqual(['c']);
    expect(ids({ until: ['c'] }, ['b'])).toEqual(['a', 'b', 'c']);
    expect(() => ids({ downstream: ['x'] })).toThrow(/--downstream x: no such stage/);

    const r = await run(ws, { downstream: ['b'] });
    expect(statusOf(r.events)).toEqual({ a: 'ran', b: 'ran', d: 'ran' });
    expect(statusOf((await run(ws, { until: ['c'] })).events)).toEqual({ c: 'ran' });
  });
});
