import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Session, Store, taskFor, type RunRecord } from '@transfusion/pipeline';
import { queueExecutor, type QueueStageEvent } from '@transfusion/pipeline/queue';
import { emit, FIXTURES, REGISTRY, run, statusOf, workspace } from './helpers.js';
import { queueTestsEnabled, testRedis, type TestRedis } from './redis.js';

/** A worker process (test/fixtures/worker.mjs) and the events it printed. */
interface WorkerProc {
  name: string;
  proc: ChildProcess;
  events: Array<{ worker: string; job: string; stage: string; state: string; attempt: number; error?: string }>;
}

let redis: TestRedis;
let prefixCounter = 0;
const workers: WorkerProc[] = [];
const prefix = (): string => `t${process.pid}-${++prefixCounter}`;

async function startWorkerProc(name: string, options: Record<string, unknown>): Promise<WorkerProc> {
  const proc = spawn(
    process.execPath,
    [
      join(FIXTURES, 'worker.mjs'),
      JSON.stringify({ name, redis: redis.url, lockMs: 4000, stalledCheckMs: 1000, ...options }),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const w: WorkerProc = { name, proc, events: [] };
  workers.push(w);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('ready' in msg) resolve();
      else w.events.push(msg as WorkerProc['events'][number]);
    });
    proc.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${stderr}`)));
  });
  return w;
}

async function stopWorkers(list: WorkerProc[]): Promise<void> {
  await Promise.all(
    list.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
          w.proc.once('exit', () => resolve());
          w.proc.kill('SIGTERM');
        }),
    ),
  );
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function records(store: string): RunRecord[] {
  const out: RunRecord[] = [];
  const runs = join(store, 'runs');
  for (const d of readdirSync(runs))
    for (const f of readdirSync(join(runs, d)))
      out.push(JSON.parse(readFileSync(join(runs, d, f), 'utf8')) as RunRecord);
  return out;
}

const enabled = queueTestsEnabled();

describe.runIf(enabled)('queue executor (BullMQ on Redis)', () => {
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    await stopWorkers(workers);
    await redis?.stop();
  });

  test('three workers, one killed -9 mid-stage: the run completes, each stage commits once, artifacts match a local run', async () => {
    const ws = workspace('');
    const started = join(ws.dir, 'slow.started');
    const release = join(ws.dir, 'slow.release');
    ws.write(`stages:
${emit('a', { value: 1 })}
${emit('slow', { value: 10, startedFile: started, waitFor: release }, { x: 'a.out' })}
${emit('c', { value: 100 }, { x: 'a.out' })}
${emit('d', { value: 0 }, { x: 'slow.out', y: 'c.out' })}
  src: { uses: source, with: { n: 4, start: 1 } }
  sc: { uses: scale, needs: { values: src.values }, with: { factor: 3 } }
  tot: { uses: total, needs: { parts: sc.values } }
`);
    const p = prefix();
    const pool = await Promise.all(
      ['w1', 'w2', 'w3'].map((n) => startWorkerProc(n, { store: ws.store, prefix: p, allowExec: true })),
    );
    const seen: QueueStageEvent[] = [];
    const executor = await queueExecutor({
      redis: redis.url,
      prefix: p,
      backoffMs: 100,
      pollMs: 1000,
      onEvent: (e) => seen.push(e),
    });
    const queued = run(ws, { executor });

    await until('the slow stage to start', () => existsSync(started));
    const victim = pool.find((w) => w.events.some((e) => e.stage === 'slow' && e.state === 'started'))!;
    expect(victim).toBeDefined();
    victim.proc.kill('SIGKILL');
    await new Promise((r) => victim.proc.once('exit', r));
    writeFileSync(release, 'go'); // only the attempt after the kill can finish
    const result = await queued;

    expect(result).toMatchObject({ stages: 7, ran: 7, failed: 0, skipped: [] });
    const all = pool.flatMap((w) => w.events);
    // The slow stage started twice (the kill hit it mid-run) and was committed once, by a surviving worker.
    expect(all.filter((e) => e.stage === 'slow' && e.state === 'started').length).toBe(2);
    const rans = all.filter((e) => e.state === 'ran');
    expect(rans.map((e) => e.stage).sort()).toEqual(['a', 'c', 'd', 'sc', 'slow', 'src', 'tot']);
    expect(rans.find((e) => e.stage === 'slow')!.worker).not.toBe(victim.name);
    expect(records(ws.store)).toHaveLength(7);
    // The coordinator saw the stage running on two different workers.
    const slowWorkers = new Set(seen.filter((e) => e.stage === 'slow' && e.state === 'running').map((e) => e.worker));
    expect(slowWorkers.size).toBe(2);

    // The same pipeline with the local executor, into another store: the same keys and byte-identical outputs.
    const local = await run({ file: ws.file, store: join(ws.dir, '.local-store') });
    expect(local).toMatchObject({ ran: 7, failed: 0 });
    const byStage = (store: string): Record<string, { key: string; outputs: RunRecord['outputs'] }> =>
      Object.fromEntries(records(store).map((r) => [r.instance, { key: r.key, outputs: r.outputs }]));
    expect(byStage(join(ws.dir, '.local-store'))).toEqual(byStage(ws.store));
    const tot = records(ws.store).find((r) => r.instance === 'tot')!;
    const localStore = await Store.open(join(ws.dir, '.local-store'));
    expect(readFileSync(localStore.objectPath(tot.outputs['sum']!.hash))).toEqual(
      readFileSync(join(ws.store, 'objects', tot.outputs['sum']!.hash.slice(0, 2), tot.outputs['sum']!.hash)),
    );
    // A second queue run is all cache hits and queues nothing.
    const again = await run(ws, { executor: await queueExecutor({ redis: redis.url, prefix: p }) });
    expect(again).toMatchObject({ cached: 7, ran: 0 });
    await stopWorkers(pool);
  });
  test('a failing attempt is retried with backoff; a stage that keeps failing fails the run after its attempts', async () => {
    const ws = workspace('');
    cpSync(join(FIXTURES, 'flaky.mjs'), join(ws.dir, 'flaky.mjs'));
    ws.write(`stages:
  flaky:
    uses: exec
    with: { command: [node, flaky.mjs], deps: [flaky.mjs], params: { failTimes: 1, value: 7 } }
    outputs: { out: table }
${emit('broken', { fail: true })}
${emit('after', {}, { x: 'broken.out' })}
`);
    const p = prefix();
    const pool = [await startWorkerProc('r1', { store: ws.store, prefix: p, allowExec: true })];
    const seen: QueueStageEvent[] = [];
    const result = await run(ws, {
      executor: await queueExecutor({
        redis: redis.url,
        prefix: p,
        attempts: 2,
        backoffMs: 100,
        pollMs: 1000,
        onEvent: (e) => seen.push(e),
      }),
    });

    expect(result).toMatchObject({ ran: 1, failed: 1, skipped: ['after'] });
    expect(statusOf(result.events)).toEqual({ flaky: 'ran', broken: 'failed' });
    expect(readFileSync(join(ws.dir, 'flaky.count'), 'utf8')).toBe('xx'); // failed once, then succeeded
    const retry = seen.find((e) => e.stage === 'flaky' && e.state === 'retrying')!;
    expect(retry).toMatchObject({ attempt: 1, retryInMs: 100 }); // exponential backoff: 100 ms, then 200, ...
    expect(seen.find((e) => e.stage === 'broken' && e.state === 'retrying')).toMatchObject({
      attempt: 1,
      retryInMs: 100,
    });
    expect(retry.error).toMatch(/fails on purpose/);
    // The broken stage: both attempts ran, then the run reports the stage's own error.
    expect(ws.calls().filter((c) => c === 'broken')).toHaveLength(2);
    const failure = result.events.find((e) => e.stage === 'broken')!.error!;
    expect(failure).toMatch(/boom: broken was asked to fail/);
    expect(failure).toMatch(/after 2 attempts/);
    expect(failure).toMatch(/on worker r1/);
    expect(pool[0]!.events.filter((e) => e.stage === 'broken').map((e) => `${e.state}${e.attempt}`)).toEqual([
      'started1',
      'failed1',
      'started2',
      'failed2',
    ]);
    expect(records(ws.store).map((r) => r.instance)).toEqual(['flaky']);

    // A later run gives the failed job fresh attempts instead of repeating the old failure.
    const again = await run(ws, {
      executor: await queueExecutor({ redis: redis.url, prefix: p, attempts: 1, pollMs: 1000 }),
    });
    expect(statusOf(again.events)).toEqual({ flaky: 'cached', broken: 'failed' });
    expect(ws.calls().filter((c) => c === 'broken')).toHaveLength(3);
    await stopWorkers(pool);
  });

  test('a worker refuses exec stages without --allow-exec and stage ids its registry does not define, without retrying', async () => {
    const ws = workspace(`stages:
${emit('cmd', { value: 1 })}
  src: { uses: source, with: { n: 3 } }
  sc: { uses: scale, needs: { values: src.values }, with: { factor: 2 } }
`);
    const p = prefix();
    const pool = [
      await startWorkerProc('strict', { store: ws.store, prefix: p, registry: join(FIXTURES, 'registry-small.mjs') }),
    ];
    const result = await run(ws, {
      executor: await queueExecutor({ redis: redis.url, prefix: p, attempts: 3, backoffMs: 100, pollMs: 1000 }),
    });

    expect(statusOf(result.events)).toEqual({ cmd: 'failed', src: 'ran', sc: 'failed' });
    const error = (s: string): string => result.events.find((e) => e.stage === s)!.error!;
    expect(error('cmd')).toMatch(/refuses exec stage cmd: .*--allow-exec/);
    expect(error('sc')).toMatch(
      /refuses stage 'scale' \(sc\): it is not in the worker's registry .*registry-small\.mjs/,
    );
    expect(error('cmd')).not.toMatch(/after \d+ attempts/);
    expect(ws.calls()).toEqual([]); // the command never ran
    expect(
      pool[0]!.events
        .filter((e) => e.state === 'refused')
        .map((e) => `${e.stage}:${e.attempt}`)
        .sort(),
    ).toEqual(['cmd:1', 'sc:1']);
    await stopWorkers(pool);
  });

  test('two coordinators running the same pipeline share the jobs: each stage runs once', async () => {
    const ws = workspace(`stages:
${emit('a', { value: 1, sleepMs: 300 })}
${emit('b', { value: 2 }, { x: 'a.out' })}
${emit('c', { value: 3 }, { x: 'a.out' })}
`);
    const p = prefix();
    const pool = await Promise.all(
      ['c1', 'c2'].map((n) => startWorkerProc(n, { store: ws.store, prefix: p, allowExec: true })),
    );
    const exec = (): ReturnType<typeof queueExecutor> => queueExecutor({ redis: redis.url, prefix: p, pollMs: 1000 });
    const [one, two] = await Promise.all([run(ws, { executor: await exec() }), run(ws, { executor: await exec() })]);
    expect(one).toMatchObject({ failed: 0, skipped: [] });
    expect(two).toMatchObject({ failed: 0, skipped: [] });
    expect(ws.calls().sort()).toEqual(['a', 'b', 'c']);
    expect(
      pool
        .flatMap((w) => w.events)
        .filter((e) => e.state === 'ran')
        .map((e) => e.stage)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    await stopWorkers(pool);
  });

  test('a worker stopped with SIGTERM puts its running job back; another worker finishes it with no attempt used up', async () => {
    const ws = workspace('');
    const started = join(ws.dir, 'long.started');
    const release = join(ws.dir, 'long.release');
    ws.write(`stages:\n${emit('long', { value: 5, startedFile: started, waitFor: release })}\n`);
    const p = prefix();
    const first = await startWorkerProc('first', { store: ws.store, prefix: p, allowExec: true });
    const seen: QueueStageEvent[] = [];
    const queued = run(ws, {
      executor: await queueExecutor({
        redis: redis.url,
        prefix: p,
        attempts: 1,
        pollMs: 1000,
        onEvent: (e) => seen.push(e),
      }),
    });
    await until('the long stage to start', () => existsSync(started));
    await stopWorkers([first]);
    expect(first.events.map((e) => e.state)).toEqual(['started', 'requeued']);
    writeFileSync(release, 'go');
    const second = await startWorkerProc('second', { store: ws.store, prefix: p, allowExec: true });
    const result = await queued;
    expect(result).toMatchObject({ ran: 1, failed: 0 });
    expect(second.events.map((e) => `${e.state}${e.attempt}`)).toEqual(['started1', 'ran1']);
    expect(seen.filter((e) => e.state === 'running').map((e) => e.worker)).toEqual(['first', 'second']);
    await stopWorkers([second]);
  });
  test('a coordinator killed -9 and restarted picks up where it was: finished stages from the store, the running job awaited', async () => {
    const ws = workspace('');
    const started = join(ws.dir, 'mid.started');
    const release = join(ws.dir, 'mid.release');
    ws.write(`stages:
${emit('first', { value: 1 })}
${emit('mid', { value: 2, startedFile: started, waitFor: release }, { x: 'first.out' })}
${emit('last', { value: 3 }, { x: 'mid.out' })}
`);
    const p = prefix();
    const pool = [await startWorkerProc('k1', { store: ws.store, prefix: p, allowExec: true })];
    const coordinator = spawn(process.execPath, [join(FIXTURES, 'run-queue.mjs'), ws.file, ws.store, redis.url, p], {
      stdio: 'ignore',
    });
    await until('the middle stage to start', () => existsSync(started));
    coordinator.kill('SIGKILL');
    await new Promise((r) => coordinator.once('exit', r));

    const seen: QueueStageEvent[] = [];
    const restarted = run(ws, {
      executor: await queueExecutor({ redis: redis.url, prefix: p, pollMs: 1000, onEvent: (e) => seen.push(e) }),
    });
    await until('the new coordinator to attach to the running job', () =>
      seen.some((e) => e.stage === 'mid' && e.state === 'running'),
    );
    writeFileSync(release, 'go');
    const result = await restarted;
    expect(statusOf(result.events)).toEqual({ first: 'cached', mid: 'ran', last: 'ran' });
    expect(seen.find((e) => e.stage === 'mid' && e.state === 'running')).toMatchObject({ worker: 'k1', attempt: 1 });
    expect(ws.calls()).toEqual(['first', 'mid', 'last']); // nothing ran twice
    await stopWorkers(pool);
  });
  test('stages go to the queue of their resource class; with no worker there the coordinator says so and waits', async () => {
    const ws = workspace(`stages:
  src: { uses: source, with: { n: 3 } }
  sq: { uses: square, needs: { values: src.values } }
`);
    const registry = join(FIXTURES, 'registry-gpu.mjs');
    const p = prefix();
    const cpu = await startWorkerProc('cpu1', { store: ws.store, prefix: p, queue: 'cpu', registry });
    const seen: QueueStageEvent[] = [];
    const queued = run(ws, {
      registry,
      executor: await queueExecutor({ redis: redis.url, prefix: p, pollMs: 1000, onEvent: (e) => seen.push(e) }),
    });
    await until('the gpu stage to be queued', () => seen.some((e) => e.stage === 'sq' && e.state === 'queued'));
    expect(seen.find((e) => e.stage === 'src')).toMatchObject({ queue: 'cpu', state: 'queued' });
    const sq = seen.find((e) => e.stage === 'sq')!;
    expect(sq).toMatchObject({ queue: 'gpu', state: 'queued' });
    expect(sq.note).toMatch(/no worker serves queue gpu yet.*transfusion worker --queue gpu --prefix/);
    const gpu = await startWorkerProc('gpu1', { store: ws.store, prefix: p, queue: 'gpu', registry });
    expect(await queued).toMatchObject({ ran: 2, failed: 0 });
    expect(cpu.events.map((e) => `${e.stage}:${e.state}`)).toEqual(['src:started', 'src:ran']);
    expect(gpu.events.map((e) => `${e.stage}:${e.state}`)).toEqual(['sq:started', 'sq:ran']);
    await stopWorkers([cpu, gpu]);
  });
  test('a worker refuses a job whose key its own view of the code would not produce', async () => {
    const ws = workspace(`stages:\n${emit('e', { value: 1 })}\n`);
    const p = prefix();
    const seen: QueueStageEvent[] = [];
    const queued = run(ws, {
      executor: await queueExecutor({ redis: redis.url, prefix: p, pollMs: 1000, onEvent: (e) => seen.push(e) }),
    });
    await until('the stage to be queued', () => seen.some((e) => e.state === 'queued'));
    writeFileSync(
      join(ws.dir, 'emit.mjs'),
      `${readFileSync(join(ws.dir, 'emit.mjs'), 'utf8')}\n// edited after queueing\n`,
    );
    const w = await startWorkerProc('v1', { store: ws.store, prefix: p, allowExec: true });
    const result = await queued;
    expect(result.failed).toBe(1);
    expect(result.events[0]!.error).toMatch(
      /worker v1 refuses e: its key was computed with a different code files in .* than this worker has/,
    );
    expect(ws.calls()).toEqual([]);
    await stopWorkers([w]);
  });
  test('a worker refuses a tampered job: params that are not the ones its key was computed from', async () => {
    const ws = workspace(`stages:\n  src: { uses: source, with: { n: 3 } }\n`);
    const session = await Session.open({ pipelineFile: ws.file, registry: REGISTRY });
    const s = session.selected[0]!;
    const { key, preimage } = await session.key(s, {});
    const task = { ...taskFor(session, s, key, preimage, new Map()), params: { n: 100000, start: 0 } };
    const p = prefix();
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('cpu', { connection, prefix: p });
    const job = await queue.add('source', task, { jobId: key, attempts: 3 });
    const w = await startWorkerProc('t1', { store: ws.store, prefix: p });
    await until('the refusal', () => w.events.some((e) => e.state === 'refused'));
    expect(w.events[0]!.error).toMatch(/its params differ from those its key was computed from/);
    expect(await queue.getJobState(job.id!)).toBe('failed');
    expect(existsSync(join(ws.store, 'runs')) ? readdirSync(join(ws.store, 'runs')) : []).toEqual([]);
    await queue.close();
    connection.disconnect();
    await stopWorkers([w]);
  });
  test("the README's code example for many machines runs: a worker and a coordinator in one script", async () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => m[2]!);
    const example = blocks.find((b) => b.includes('startWorker('))!;
    const ws = workspace('');
    writeFileSync(join(ws.dir, 'my-stages.mjs'), blocks[0]!);
    writeFileSync(join(ws.dir, 'squares.yaml'), blocks[1]!);
    writeFileSync(join(ws.dir, 'many.mjs'), example);
    const r = await execa('node', ['many.mjs'], {
      cwd: ws.dir,
      env: { TRANSFUSION_REDIS_URL: redis.url, FORCE_COLOR: '0', NO_COLOR: '1' },
    }); // plain console.log under nx
    expect(r.stdout).toMatch(/cached: 0,\s+ran: 3,\s+failed: 0/);
    expect(r.stderr).toMatch(/running sq\.3 \S+/);
  });
});
