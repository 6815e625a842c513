import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { metricsDiff, paramsChangeSummary, paramsDiff, pickPair, pickRun, readRunLogs } from '@transfusion/pipeline';
import { emit, run, workspace } from './helpers.js';

// An exec stage that writes `metrics.arrow`: a table with metric and value columns, as the study's evaluate does.
const METRICS_SCRIPT = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
const p = JSON.parse(process.env.TRANSFUSION_PARAMS);
writeFileSync(join(process.env.TRANSFUSION_OUT, 'metrics.arrow'), tableToIPC(tableFromArrays({ metric: ['auc', 'acc'], value: Float64Array.of(p.auc, p.acc) }), 'file'));
`;

/** Two seeds, each with its own AUC from vars (interpolation cannot nest, so each seed gets a literal). */
function file(epochs: number, auc0: number, auc1: number): string {
  return `vars:
  epochs: ${epochs}
stages:
${emit('data', { value: 1 })}
  evaluate-0:
    uses: exec
    with: { command: [node, metrics.mjs], deps: [metrics.mjs], params: { epochs: "\${vars.epochs}", auc: ${auc0}, acc: 0.5 } }
    needs: { x: data.out }
    outputs: { metrics: table }
  evaluate-1:
    uses: exec
    with: { command: [node, metrics.mjs], deps: [metrics.mjs], params: { epochs: "\${vars.epochs}", auc: ${auc1}, acc: 0.5 } }
    needs: { x: data.out }
    outputs: { metrics: table }
`;
}

describe('run history and comparisons', () => {
  test('each run leaves a log: status, counts, flags, vars, params, stage keys; runs lists what changed', async () => {
    const ws = workspace(file(3, 0.8, 0.7));
    writeFileSync(join(ws.dir, 'metrics.mjs'), METRICS_SCRIPT);
    await run(ws);
    await run(ws, { sets: ['vars.epochs=5'] });
    ws.write(file(5, 0.85, 0.7));
    await run(ws, { only: ['evaluate-0'] });
    const logs = await readRunLogs(ws.store, 'pipeline');
    expect(logs.map((l) => [l.status, l.counts.ran, l.counts.cached])).toEqual([
      ['ok', 3, 0],
      ['ok', 2, 1],
      ['ok', 1, 1],
    ]);
    expect(logs[1]!.flags.set).toEqual(['vars.epochs=5']);
    expect(logs[1]!.vars).toEqual({ epochs: 5 });
    expect(Object.keys(logs[2]!.stages)).toEqual(['data', 'evaluate-0']);
    expect(paramsChangeSummary(undefined, logs[0]!)).toBe('(first run)');
    expect(paramsChangeSummary(logs[0], logs[1]!)).toBe('vars.epochs: 3 → 5');
    expect(paramsChangeSummary(logs[1], logs[2]!)).toBe('params of 2 stages');

    // params diff: vars, then every stage's params
    expect(paramsDiff(logs[0]!, logs[1]!)).toEqual([
      'vars.epochs: 3 → 5',
      'stages.evaluate-0.params.epochs: 3 → 5',
      'stages.evaluate-1.params.epochs: 3 → 5',
    ]);
    const changed = paramsDiff(logs[1]!, logs[2]!);
    expect(changed[0]).toBe('stages.evaluate-0.params.auc: 0.8 → 0.85');
    expect(changed[1]).toMatch(/^stages\.evaluate-1: \{.* → \(unset\)$/); // not selected in the last run
    expect(changed).toHaveLength(2);

    // metrics diff, last two by default: only evaluate-0's auc changed; evaluate-1 did not run in the last
    const [a, b] = pickPair(logs, [], 'pipeline');
    expect([a.id, b.id]).toEqual([logs[1]!.id, logs[2]!.id]);
    const d = await metricsDiff(ws.store, logs[0]!, logs[2]!);
    expect(d.rows).toEqual([
      { stage: 'evaluate-0', metric: 'auc', old: 0.8, new: 0.85, change: expect.closeTo(0.05, 10) },
      { stage: 'evaluate-1', metric: 'acc', old: 0.5, new: null, change: null },
      { stage: 'evaluate-1', metric: 'auc', old: 0.7, new: null, change: null },
    ]);
    const all = await metricsDiff(ws.store, logs[0]!, logs[1]!, { all: true, metrics: ['auc'] });
    expect(all.rows.map((r) => [r.stage, r.metric, r.change])).toEqual([
      ['evaluate-0', 'auc', 0],
      ['evaluate-1', 'auc', 0],
    ]);
    await expect(metricsDiff(ws.store, logs[0]!, logs[1]!, { metrics: ['acu'] })).rejects.toThrow(
      /--metric acu: no such metric in these runs \(did you mean acc or auc\?\)/,
    );
  });

  test('runs are picked by last, last~N or an id prefix; a failed run is logged as failed', async () => {
    const ws = workspace(`stages:\n${emit('a', { value: 1 })}\n${emit('b', { fail: true }, { x: 'a.out' })}\n`);
    await expect(readRunLogs(ws.store, 'pipeline')).resolves.toEqual([]);
    expect(() => pickPair([], [], 'pipeline')).toThrow(/has 0 recorded runs; a diff needs two/);
    await run(ws);
    const [log] = await readRunLogs(ws.store, 'pipeline');
    expect(log).toMatchObject({ status: 'failed', failed: ['b'], counts: { ran: 1, failed: 1 } });
    expect(Object.keys(log!.stages)).toEqual(['a']);
    const logs = [log!];
    expect(pickRun(logs, 'last', 'pipeline')).toBe(log);
    expect(pickRun(logs, log!.id.slice(0, 10), 'pipeline')).toBe(log);
    expect(() => pickRun(logs, 'last~1', 'pipeline')).toThrow(/has only 1 recorded run$/);
    expect(() => pickRun(logs, 'nope', 'pipeline')).toThrow(/nope: no run of 'pipeline' has this id/);
  });
});
