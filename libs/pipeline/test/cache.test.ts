import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import {
  CONTENT_HASH_LIMIT,
  explainPipeline,
  fingerprintDataPath,
  PipelineFileError,
  Store,
  type StageEvent,
} from '@transfusion/pipeline';
import { alive, emit, FIXTURES, REGISTRY, run, statusOf, workspace, waitUntil } from './helpers.js';

const chain = (aValue = 1, bExtra: Record<string, unknown> = {}) => `stages:
${emit('a', { value: aValue })}
${emit('b', { value: 10, ...bExtra }, { x: 'a.out' })}
${emit('c', { value: 100 })}
${emit('d', { value: 0 }, { x: 'b.out', y: 'c.out' })}
`;

function readValue(path: string): number {
  return Number(tableFromIPC(readFileSync(path)).getChild('value')!.get(0));
}

describe('cache hits and misses', () => {
  test('a second run is fully cached; nothing executes again', async () => {
    const ws = workspace(chain());
    const first = await run(ws);
    expect(first).toMatchObject({ ran: 4, cached: 0, failed: 0 });
    const second = await run(ws);
    expect(second).toMatchObject({ ran: 0, cached: 4, failed: 0 });
    expect(ws.calls().sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(second.events.map((e) => e.key)).toEqual(expect.arrayContaining(first.events.map((e) => e.key)));
  });

  test('a one-param change reruns that stage and what depends on it, nothing else', async () => {
    const ws = workspace(chain());
    await run(ws);
    ws.write(chain(1, { value: 11 }));
    const again = await run(ws);
    expect(statusOf(again.events)).toEqual({ a: 'cached', c: 'cached', b: 'ran', d: 'ran' });
  });

  test('early cut-off: an upstream that reruns but writes identical bytes leaves downstream cached', async () => {
    const ws = workspace(chain(1, { constant: 5 }));
    await run(ws);
    ws.write(chain(2, { constant: 5 })); // a changes; b reruns (its input changed) but still writes 5
    const again = await run(ws);
    expect(statusOf(again.events)).toEqual({ a: 'ran', b: 'ran', c: 'cached', d: 'cached' });
  });

  test('inputs are passed by content: downstream sees upstream values', async () => {
    const ws = workspace(chain());
    await run(ws);
    const out = mkdtempSync(join(tmpdir(), 'tf-out-'));
    await run(ws, { outRoot: out });
    // d = 0 + b + c = (10 + 1) + 100
    expect(readValue(join(out, 'pipeline', 'd', 'out.arrow'))).toBe(111);
    expect(readlinkSync(join(out, 'pipeline', 'd', 'out.arrow'))).toMatch(/objects\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
  });

  test('a failed stage is never cached; dependents are skipped; independent branches still run', async () => {
    const ws = workspace(chain(1, { fail: true }));
    const failed = await run(ws);
    expect(failed).toMatchObject({ failed: 1, skipped: ['d'] });
    expect(statusOf(failed.events)).toEqual({ a: 'ran', b: 'failed', c: 'ran' });
    const event = failed.events.find((e) => e.stage === 'b')!;
    expect(event.error).toMatch(/exit code 3/);
    expect(event.error).toMatch(/boom: b was asked to fail/);
    const again = await run(ws);
    expect(statusOf(again.events)).toMatchObject({ b: 'failed' });
    expect(ws.calls().filter((c) => c === 'b')).toHaveLength(2);
    ws.write(chain());
    expect(statusOf((await run(ws)).events)).toEqual({ a: 'cached', b: 'ran', c: 'cached', d: 'ran' });
  });

  test('a declared output the command did not write fails the stage', async () => {
    const ws = workspace(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, emit.mjs], params: { outputs: [one] } }\n    outputs: { one: table, two: table }\n`,
    );
    const r = await run(ws);
    expect(r.failed).toBe(1);
    expect(r.events[0]!.error).toMatch(/declared output 'two' was not written/);
    expect(readdirSync(join(ws.store, 'runs'))).toEqual([]);
  });

  test('an output that is not valid Arrow fails the stage', async () => {
    const ws = workspace(
      `stages:\n  a:\n    uses: exec\n    with: { command: [node, -e, "require('fs').writeFileSync(process.env.TRANSFUSION_OUT + '/t.arrow', 'not arrow')"] }\n    outputs: { t: table }\n`,
    );
    const r = await run(ws);
    expect(r.events[0]!.error).toMatch(/t.arrow is not a valid Arrow IPC file/);
  });

  test('a damaged or missing object reads as a miss and is rebuilt', async () => {
    const ws = workspace(chain());
    const first = await run(ws);
    const store = await Store.open(ws.store);
    const aKey = first.events.find((e) => e.stage === 'a')!.key;
    const record = (await store.readRecord(aKey))!;
    const object = store.objectPath(record.outputs['out']!.hash);
    chmodSync(object, 0o644);
    const bytes = readFileSync(object);
    bytes[bytes.length - 20] ^= 0xff; // flip a bit, same size
    writeFileSync(object, bytes);
    const again = await run(ws);
    // a reruns and writes the same bytes again: everything downstream stays cached
    expect(statusOf(again.events)).toEqual({ a: 'ran', b: 'cached', c: 'cached', d: 'cached' });
    expect(await store.verifyObject(record.outputs['out']!.hash)).toBe(true);

    const cKey = again.events.find((e) => e.stage === 'c')!.key;
    rmSync(store.objectPath((await store.readRecord(cKey))!.outputs['out']!.hash), { force: true });
    expect(statusOf((await run(ws)).events)).toMatchObject({ c: 'ran', d: 'cached' });
    // a malformed run record is a miss too
    writeFileSync(store.recordPath(cKey), '{ not json');
    expect(statusOf((await run(ws)).events)).toMatchObject({ c: 'ran' });
  });

  test('folder outputs are stored file by file and materialized for downstream', async () => {
    const ws = workspace(`stages:\n${emit('f', { folder: true, value: 3 }, {}, ['report'])}\n`);
    const out = mkdtempSync(join(tmpdir(), 'tf-out-'));
    expect((await run(ws, { outRoot: out })).ran).toBe(1);
    expect(readFileSync(join(out, 'pipeline', 'f', 'report', 'sub', 'a.txt'), 'utf8')).toBe('value 3\n');
    expect((await run(ws, { outRoot: out })).cached).toBe(1);
  });
});

describe('external data (with.data): fingerprinted into the key', () => {
  const withData = (data: string[]) => `stages:
  imp:
    uses: exec
    with: { command: [node, emit.mjs], deps: [emit.mjs], data: ${JSON.stringify(data)}, params: { name: imp, outputs: [out], value: 1 } }
    outputs: { out: table }
${emit('use', { value: 0 }, { x: 'imp.out' })}
`;

  test('editing a small file, adding a file or touching a large one reruns the stage; nothing else does', async () => {
    const ws = workspace(withData(['dataset']));
    mkdirSync(join(ws.dir, 'dataset', 'images'), { recursive: true });
    writeFileSync(join(ws.dir, 'dataset', 'labels.csv'), 'id,label\n1,0\n');
    const big = join(ws.dir, 'dataset', 'images', 'big.bin');
    writeFileSync(big, Buffer.alloc(CONTENT_HASH_LIMIT + 1));
    expect((await run(ws)).ran).toBe(2);
    expect((await run(ws)).cached).toBe(2);

    // the same label content rewritten (new mtime) is not a change: small files are keyed by content
    writeFileSync(join(ws.dir, 'dataset', 'labels.csv'), 'id,label\n1,0\n');
    expect((await run(ws)).cached).toBe(2);
    // a label edited: the import reruns; its output is the same bytes, so its dependent stays cached (early cut-off)
    writeFileSync(join(ws.dir, 'dataset', 'labels.csv'), 'id,label\n1,1\n');
    expect(statusOf((await run(ws)).events)).toEqual({ imp: 'ran', use: 'cached' });
    // a large file is keyed by size and mtime
    utimesSync(big, new Date(), new Date(Date.now() + 5000));
    expect(statusOf((await run(ws)).events)).toEqual({ imp: 'ran', use: 'cached' });
    writeFileSync(join(ws.dir, 'dataset', 'images', 'new.png'), 'x');
    expect(statusOf((await run(ws)).events)).toEqual({ imp: 'ran', use: 'cached' });

    const explained = await explainPipeline({ pipelineFile: ws.file, registry: REGISTRY, store: ws.store });
    expect(explained.stages.find((s) => s.stage === 'imp')!.status).toBe('cached');
    rmSync(join(ws.dir, 'dataset', 'images', 'new.png'));
    writeFileSync(join(ws.dir, 'dataset', 'labels.csv'), 'id,label\n1,2\n'); // a state never run before
    const after = await explainPipeline({ pipelineFile: ws.file, registry: REGISTRY, store: ws.store });
    expect(after.stages.find((s) => s.stage === 'imp')!.changes).toEqual([
      `data dataset: changed (3 → 2 files, ${CONTENT_HASH_LIMIT + 1 + 13 + 1} → ${CONTENT_HASH_LIMIT + 1 + 13} bytes)`,
    ]);
  });

  test('a missing data path is bad input: named, found before anything runs', async () => {
    const ws = workspace(withData(['nowhere/data.csv']));
    const err = await run(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineFileError);
    expect(String((err as Error).message)).toMatch(/stages\.imp\.with.*nowhere\/data\.csv: no such file or directory/s);
    expect(ws.calls()).toEqual([]);
  });

  test('fingerprints: a single file by content; a folder by its listing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fp-'));
    writeFileSync(join(dir, 'a.txt'), 'hello');
    const one = await fingerprintDataPath('a.txt', dir);
    expect(one).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), files: 1, bytes: 5 });
    expect(await fingerprintDataPath(join(dir, 'a.txt'), '/')).toEqual(one);
    mkdirSync(join(dir, 'f', 'g'), { recursive: true });
    writeFileSync(join(dir, 'f', 'g', 'b.txt'), 'b');
    const folder = await fingerprintDataPath('f', dir);
    renameSync(join(dir, 'f', 'g', 'b.txt'), join(dir, 'f', 'g', 'c.txt'));
    expect((await fingerprintDataPath('f', dir)).hash).not.toBe(folder.hash); // a rename is a change
    // a link back up the tree is walked once, not forever; a dangling link is not data
    symlinkSync(join(dir, 'f'), join(dir, 'f', 'g', 'up'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'f', 'dangling'));
    expect(await fingerprintDataPath('f', dir)).toMatchObject({ files: 1, bytes: 1 });
  });

  test('fingerprint stat cache: unchanged files are not read again, a changed one is; the hash is the uncached one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fpc-'));
    const cacheDir = join(dir, 'store', 'fingerprints');
    mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
    const past = new Date(Date.now() - 3600_000); // older than the racy window: cacheable
    const names = ['a.png', 'b.png', 'sub/c.png', 'sub/d.png', 'labels.csv'];
    for (const [i, n] of names.entries()) {
      writeFileSync(join(dir, 'data', n), `file ${i}`);
      utimesSync(join(dir, 'data', n), past, past);
    }
    const plain = await fingerprintDataPath('data', dir);
    const first = { hashed: 0, reused: 0 };
    expect(await fingerprintDataPath('data', dir, { cacheDir, stats: first })).toEqual(plain);
    expect(first).toEqual({ hashed: 5, reused: 0 });
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const second = { hashed: 0, reused: 0 };
    expect(await fingerprintDataPath('data', dir, { cacheDir, stats: second })).toEqual(plain);
    expect(second).toEqual({ hashed: 0, reused: 5 });
    // one file changes (same size, new mtime): only it is read, and the fingerprint changes like an uncached one
    writeFileSync(join(dir, 'data', 'sub', 'c.png'), 'file X');
    const later = new Date(Date.now() - 1800_000);
    utimesSync(join(dir, 'data', 'sub', 'c.png'), later, later);
    const third = { hashed: 0, reused: 0 };
    const changed = await fingerprintDataPath('data', dir, { cacheDir, stats: third });
    expect(third).toEqual({ hashed: 1, reused: 4 });
    expect(changed.hash).not.toBe(plain.hash);
    expect(changed).toEqual(await fingerprintDataPath('data', dir));
    // a file written just now is hashed every time until it is older than the racy window
    writeFileSync(join(dir, 'data', 'new.png'), 'fresh');
    for (let k = 0; k < 2; k++) {
      const st = { hashed: 0, reused: 0 };
      await fingerprintDataPath('data', dir, { cacheDir, stats: st });
      expect(st).toEqual({ hashed: 1, reused: 5 });
    }
    // a damaged cache file is a miss, not an error
    writeFileSync(join(cacheDir, readdirSync(cacheDir)[0]!), '{not json');
    const fifth = { hashed: 0, reused: 0 };
    expect(await fingerprintDataPath('data', dir, { cacheDir, stats: fifth })).toEqual(
      await fingerprintDataPath('data', dir),
    );
    expect(fifth.hashed).toBe(6);
  });
});

describe('typed stages', () => {
  test('inputs are loaded by kind, many-inputs arrive as lists, returned outputs are stored', async () => {
    const ws = workspace(`stages:
  src:
    uses: source
    matrix: { n: [2, 3] }
    with: { n: "\${matrix.n}", start: 1 }
  doubled:
    uses: scale
    with: { factor: 2 }
    needs: { values: src.3.values }
  sum:
    uses: total
    with: { scale: 10 }
    needs: { parts: "src.*.values" }
`);
    const out = mkdtempSync(join(tmpdir(), 'tf-out-'));
    const r = await run(ws, { outRoot: out });
    expect(r).toMatchObject({ ran: 4, failed: 0 });
    // (1+2) + (1+2+3) = 9, scaled by 10
    expect(readValue(join(out, 'pipeline', 'sum', 'sum.arrow'))).toBe(90);
    expect(readFileSync(join(out, 'pipeline', 'sum', 'report', 'index.html'), 'utf8')).toBe('<p>90</p>');
    expect(readFileSync(join(out, 'pipeline', 'sum', 'report', 'data', 'parts.txt'), 'utf8')).toBe('2');
  });
});

describe('artifact kinds at commit', () => {
  test("an output whose metadata record breaks its kind's schema is not committed; the failure names stage, output, kind and field", async () => {
    const ws = workspace(
      `stages:\n  data:\n    uses: examples\n    with: { n: 4 }\n  fit:\n    uses: fit\n    with: { seed: "one" }\n    needs: { dataset: data.dataset }\n`,
    );
    const r = await run(ws);
    expect(r).toMatchObject({ ran: 1, failed: 1 });
    const failed = r.events.find((e) => e.stage === 'fit')!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(
      /output 'weights' \(weights\): bad metadata record: demo\.run\.seed: Invalid input: expected number, received string/,
    );
    expect(await (await Store.open(ws.store)).readRecord(failed.key)).toBeNull();
  });

  test('a good metadata record is committed', async () => {
    const ws = workspace(
      `stages:\n  data:\n    uses: examples\n    with: { n: 4 }\n  fit:\n    uses: fit\n    with: { seed: 7 }\n    needs: { dataset: data.dataset }\n`,
    );
    expect(await run(ws)).toMatchObject({ ran: 2, failed: 0 });
  });
});

describe('cache keys', () => {
  async function keys(ws: { file: string; store: string }): Promise<Record<string, string>> {
    return Object.fromEntries((await run(ws)).events.map((e: StageEvent) => [e.stage, e.key]));
  }

  test('the same pipeline in another folder and another process gets the same keys', async () => {
    const ws1 = workspace(chain());
    const ws2 = workspace(chain());
    const k1 = await keys(ws1);
    expect(await keys(ws2)).toEqual(k1);
    const child = await execa('node', [join(FIXTURES, 'run.mjs'), ws2.file, join(ws2.dir, 'other-store')]);
    const fromChild = Object.fromEntries(
      child.stdout
        .split('\n')
        .map((l) => JSON.parse(l) as { stage?: string; key?: string })
        .filter((e) => e.key)
        .map((e) => [e.stage, e.key]),
    );
    expect(fromChild).toEqual(k1);
  });

  test('any change to params, inputs, code files or declared env gives a new key', async () => {
    const ws = workspace(chain());
    const base = await keys(ws);
    ws.write(chain(1, { value: 12 }));
    const param = await keys(ws);
    expect(param['b']).not.toBe(base['b']);
    expect(param['d']).not.toBe(base['d']); // its input content changed
    expect(param['a']).toBe(base['a']);
    writeFileSync(join(ws.dir, 'emit.mjs'), `${readFileSync(join(ws.dir, 'emit.mjs'), 'utf8')}\n// edited\n`);
    const code = await keys(ws);
    for (const s of ['a', 'b', 'c', 'd']) expect(code[s]).not.toBe(param[s]);
    ws.write(chain().replace('      deps: [emit.mjs]\n', '      deps: [emit.mjs]\n      env: { MODE: fast }\n'));
    const env = await keys(ws);
    expect(env['a']).not.toBe(code['a']);
  });
});

describe('many runs at once and crashes', () => {
  const slow = `stages:
${emit('a', { value: 1, sleepMs: 600 })}
${emit('b', { value: 2, sleepMs: 600 }, { x: 'a.out' })}
${emit('c', { value: 3, sleepMs: 600 })}
`;

  test('two concurrent runs of one pipeline on one store never run a stage twice, and both finish', async () => {
    const ws = workspace(slow);
    const [r1, r2] = await Promise.all([
      execa('node', [join(FIXTURES, 'run.mjs'), ws.file, ws.store], { reject: false }),
      execa('node', [join(FIXTURES, 'run.mjs'), ws.file, ws.store], { reject: false }),
    ]);
    expect(r1.exitCode).toBe(0);
    expect(r2.exitCode).toBe(0);
    expect(ws.calls().sort()).toEqual(['a', 'b', 'c']);
    const statuses = [r1, r2].flatMap((r) =>
      r.stdout
        .split('\n')
        .map((l) => JSON.parse(l) as { status?: string })
        .filter((e) => e.status)
        .map((e) => e.status),
    );
    expect(statuses.filter((s) => s === 'ran')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'cached')).toHaveLength(3);
  });

  test('kill -9 in the middle of a stage, then a rerun completes correctly', async () => {
    const ws = workspace(`stages:
${emit('a', { value: 1 })}
${emit('b', { value: 2, waitFor: 'never-created', startedFile: 'b.started' }, { x: 'a.out' })}
`);
    const child = execa('node', [join(FIXTURES, 'run.mjs'), ws.file, ws.store], { reject: false });
    await waitUntil(() => ws.calls().includes('b') && existsSync(join(ws.dir, 'b.started')));
    expect(ws.calls()).toEqual(['a', 'b']);
    child.kill('SIGKILL');
    await child;
    // The orphaned stage process notices its engine is gone and stops.
    const stagePid = Number(readFileSync(join(ws.dir, 'b.started'), 'utf8'));
    await waitUntil(() => !alive(stagePid));
    expect(readdirSync(join(ws.store, 'locks'))).toHaveLength(1); // b's lock, left by the dead run
    // Now let b finish, and run again: a is cached, b runs (its stale lock is broken), nothing is lost.
    writeFileSync(join(ws.dir, 'never-created'), '');
    const again = await run(ws);
    expect(statusOf(again.events)).toEqual({ a: 'cached', b: 'ran' });
    expect(readdirSync(join(ws.store, 'locks'))).toEqual([]);
  });

  test('SIGTERM stops running stages cleanly: no record, and the next run redoes them', async () => {
    const ws = workspace(`stages:\n${emit('a', { value: 1, waitFor: 'never-created', startedFile: 'a.started' })}\n`);
    const child = execa('node', [join(FIXTURES, 'run.mjs'), ws.file, ws.store], { reject: false });
    await waitUntil(() => existsSync(join(ws.dir, 'a.started')));
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const stagePid = Number(readFileSync(join(ws.dir, 'a.started'), 'utf8'));
    await waitUntil(() => !alive(stagePid), 10_000);
    expect(readdirSync(join(ws.store, 'runs'))).toEqual([]);
    expect(readdirSync(join(ws.store, 'tmp'))).toEqual([]);
  });
});
