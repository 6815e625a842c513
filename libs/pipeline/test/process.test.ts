import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { stageThreadsEnv } from '@transfusion/pipeline';
import { alive, FIXTURES, run, workspace, waitUntil } from './helpers.js';

// Stage processes: how they stop (signals, a dead engine), the working folder that outlives failed attempts, and
// each concurrent stage's share of the cores. Every wait polls with a generous limit that only turns a hang into a
// failure; nothing here measures time.
const REGISTRY = join(FIXTURES, 'registry-process.mjs');

function engine(ws: { file: string; store: string }, jobs = 1) {
  return execa('node', [join(FIXTURES, 'run.mjs'), ws.file, ws.store, String(jobs), 'registry-process.mjs'], {
    reject: false,
  });
}

const pidIn = (path: string): number => Number(readFileSync(path, 'utf8'));

describe('a stage busy in a long synchronous computation', () => {
  // Busy for 10 minutes: a stage that only stopped after its computation would fail these tests.
  const busy = `stages:\n  slow:\n    uses: busy\n    with: { pidFile: slow.pid, seconds: 600 }\n`;

  test('stops at once on SIGTERM; the run reports the stage as killed and commits nothing', async () => {
    const ws = workspace(busy);
    const child = engine(ws);
    await waitUntil(() => existsSync(join(ws.dir, 'slow.pid')));
    const stage = pidIn(join(ws.dir, 'slow.pid'));
    process.kill(stage, 'SIGTERM');
    await waitUntil(() => !alive(stage), 20_000);
    const result = await child;
    expect(result.exitCode).toBe(1);
    const event = JSON.parse(result.stdout.split('\n').find((l) => l.includes('"status"'))!) as {
      status: string;
      error: string;
    };
    expect(event.status).toBe('failed');
    expect(event.error).toMatch(/killed by SIGTERM/);
    expect(readdirSync(join(ws.store, 'runs'))).toEqual([]);
    expect(readdirSync(join(ws.store, 'tmp'))).toEqual([]);
  });

  test('dies with its engine when the engine is killed with SIGKILL', async () => {
    const ws = workspace(busy);
    const child = engine(ws);
    await waitUntil(() => existsSync(join(ws.dir, 'slow.pid')));
    const stage = pidIn(join(ws.dir, 'slow.pid'));
    child.kill('SIGKILL');
    await child;
    await waitUntil(() => !alive(stage), 20_000);
    expect(alive(stage)).toBe(false);
  });

  test('stops when its run is interrupted (SIGTERM to the engine)', async () => {
    const ws = workspace(busy);
    const child = engine(ws);
    await waitUntil(() => existsSync(join(ws.dir, 'slow.pid')));
    const stage = pidIn(join(ws.dir, 'slow.pid'));
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(130);
    await waitUntil(() => !alive(stage), 20_000);
  });
});

describe("a stage's working folder (ctx.workDir)", () => {
  test('survives a failed and a killed attempt of the same key, and is removed once the outputs are committed', async () => {
    const ws = workspace(`stages:\n  count:\n    uses: attempts\n    with: { fail: [1], hang: [2] }\n`);
    const attempts = (): string[] => readFileSync(join(ws.dir, 'workdir.log'), 'utf8').trim().split('\n');

    // Attempt 1 fails.
    const first = await run(ws, { registry: REGISTRY });
    expect(first.failed).toBe(1);
    // Attempt 2 computes until its engine is killed with SIGKILL.
    const child = engine(ws);
    await waitUntil(() => existsSync(join(ws.dir, 'hang.pid')));
    child.kill('SIGKILL');
    await child;
    await waitUntil(() => !alive(pidIn(join(ws.dir, 'hang.pid'))));
    // Attempt 3 finds both earlier attempts in the same folder, and succeeds.
    const out = mkdtempSync(join(tmpdir(), 'tf-out-'));
    const third = await run(ws, { registry: REGISTRY, outRoot: out });
    expect(third.ran).toBe(1);
    expect(
      Number(
        tableFromIPC(readFileSync(join(out, 'pipeline', 'count', 'out.arrow')))
          .getChild('value')!
          .get(0),
      ),
    ).toBe(3);

    const lines = attempts();
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    const dirs = new Set(lines.map((l) => l.split(' ')[2]));
    expect(dirs.size).toBe(1);
    const [workDir] = [...dirs] as [string];
    expect(workDir).toBe(join(ws.store, 'work', third.events[0]!.key));
    expect(existsSync(workDir)).toBe(false);
    expect(readdirSync(join(ws.store, 'work'))).toEqual([]);
  });
});

describe("each concurrent stage's share of the cores", () => {
  test('TRANSFUSION_THREADS is ⌊cores / jobs⌋ (1 to 8), so that jobs × threads ≤ cores', () => {
    expect(stageThreadsEnv(2, {}, 2)).toEqual({ TRANSFUSION_THREADS: '1' });
    expect(stageThreadsEnv(3, {}, 8)).toEqual({ TRANSFUSION_THREADS: '2' });
    expect(stageThreadsEnv(1, {}, 64)).toEqual({ TRANSFUSION_THREADS: '8' });
    expect(stageThreadsEnv(16, {}, 4)).toEqual({ TRANSFUSION_THREADS: '1' });
    expect(stageThreadsEnv(2, { TRANSFUSION_THREADS: '' }, 8)).toEqual({ TRANSFUSION_THREADS: '4' });
  });

  test('a value the user set wins', () => {
    expect(stageThreadsEnv(4, { TRANSFUSION_THREADS: '3' }, 8)).toEqual({});
  });

  test('stage processes get it from the local executor', async () => {
    const ws = workspace(
      `stages:\n  t:\n    uses: threads\n    matrix: { n: [1, 2] }\n    with: { n: "\${matrix.n}" }\n`,
    );
    const out = mkdtempSync(join(tmpdir(), 'tf-out-'));
    const saved = process.env['TRANSFUSION_THREADS'];
    delete process.env['TRANSFUSION_THREADS'];
    try {
      const r = await run(ws, { registry: REGISTRY, outRoot: out, jobs: 2 });
      expect(r.ran).toBe(2);
    } finally {
      if (saved !== undefined) process.env['TRANSFUSION_THREADS'] = saved;
    }
    const expected = Math.max(1, Math.min(8, Math.floor(availableParallelism() / 2)));
    for (const id of readdirSync(join(out, 'pipeline'))) {
      expect(
        Number(
          tableFromIPC(readFileSync(join(out, 'pipeline', id, 'out.arrow')))
            .getChild('value')!
            .get(0),
        ),
      ).toBe(expected);
    }
    expect(readdirSync(join(out, 'pipeline'))).toHaveLength(2);
  });
});
