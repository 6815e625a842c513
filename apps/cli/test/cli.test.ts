import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
// polling and pid checks for the processes these tests start, shared with the pipeline lib's tests
import { alive, waitUntil } from '../../../libs/pipeline/test/helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../dist/main.js');
const EMIT = resolve(here, '../../../libs/pipeline/test/fixtures/emit.mjs');

function workspace(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-cli-'));
  cpSync(EMIT, join(dir, 'emit.mjs'));
  symlinkSync(resolve(here, '../../../node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'p.yaml'), yaml);
  return { dir, file: join(dir, 'p.yaml') };
}

const cli = (args: string[], cwd: string) =>
  execa('node', [CLI, ...args], { cwd, reject: false, env: { TRANSFUSION_STORE: join(cwd, '.store') } });

const twoStages = (value = 1) => `stages:
  make:
    uses: exec
    with: { command: [node, emit.mjs], deps: [emit.mjs], params: { name: make, value: ${value} } }
    outputs: { out: table }
  use:
    uses: exec
    needs: { table: make.out }
    with: { command: [node, emit.mjs], deps: [emit.mjs], params: { name: use } }
    outputs: { out: table }
`;

describe('transfusion CLI', () => {
  test('every command has --help; unknown commands and flags exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-cli-'));
    const top = await cli(['--help'], dir);
    expect(top.exitCode).toBe(0);
    for (const c of [
      'run',
      'explain',
      'status',
      'dag',
      'runs',
      'params',
      'metrics',
      'export',
      'gc',
      'worker',
      'cca',
      'data',
      'models',
      'study',
      'report',
      'bench',
    ])
      expect(top.stdout).toContain(`  ${c} `);
    for (const c of ['run', 'explain', 'status', 'dag', 'runs', 'params', 'metrics', 'export', 'gc', 'worker']) {
      const r = await cli([c, '--help'], dir);
      expect(r.exitCode, c).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: transfusion ${c}`));
    }
    for (const c of ['cca', 'data', 'models', 'study', 'report', 'bench']) {
      const r = await cli([c, '--help'], dir);
      expect(r.exitCode, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`transfusion ${c}`));
    }
    expect((await cli(['frobnicate'], dir)).exitCode).toBe(2);
    const bad = await cli(['run', 'x.yaml', '--bogus'], dir);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'/);
    expect((await cli(['run', 'x.yaml', '--jobs', '0'], dir)).stderr).toMatch(/--jobs 0: expected a whole number ≥ 1/);
  });

  test('run --json: one event per stage, then a summary; a rerun is all cached', async () => {
    const ws = workspace(twoStages());
    const first = await cli(['run', ws.file, '--json'], ws.dir);
    expect(first.exitCode).toBe(0);
    const lines = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 2).map((l) => [l['stage'], l['status']])).toEqual([
      ['make', 'ran'],
      ['use', 'ran'],
    ]);
    for (const e of lines.slice(0, 2)) {
      expect(e['key']).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof e['seconds']).toBe('number');
    }
    expect(lines[2]).toMatchObject({ summary: { pipeline: 'p', stages: 2, ran: 2, cached: 0, failed: 0 } });
    expect(first.stderr).toMatch(/ran\s+make/); // progress lines on stderr without a TTY
    const again = await cli(['run', ws.file, '--json'], ws.dir);
    expect(
      again.stdout
        .trim()
        .split('\n')
        .slice(0, 2)
        .map((l) => (JSON.parse(l) as { status: string }).status),
    ).toEqual(['cached', 'cached']);
  });

  test('a bad pipeline exits 2 naming file, line and path; a failing stage exits 1', async () => {
    const ws = workspace(twoStages().replace('needs: { table: make.out }', 'needs: { table: mkae.out }'));
    const bad = await cli(['run', ws.file], ws.dir);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/p\.yaml:\d+:\d+: stages\.use\.needs\.table: 'mkae\.out' names no stage/);
    const failing = workspace(twoStages().replace('name: make,', 'name: make, fail: true,'));
    const r = await cli(['run', failing.file], failing.dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/failed make/);
    expect(r.stderr).toMatch(/boom: make was asked to fail/);
    expect(r.stdout).toMatch(/p: 2 stages — 0 cached, 0 ran, 1 failed, 1 skipped/);
  });

  test('explain and status say what changed and what is cached; gc keeps the latest run', async () => {
    const ws = workspace(twoStages());
    expect((await cli(['status', ws.file], ws.dir)).stdout).toMatch(/make\s+missing\nuse\s+missing/);
    await cli(['run', ws.file], ws.dir);
    expect((await cli(['status', ws.file], ws.dir)).stdout).toMatch(/p: 2 cached, 0 stale, 0 missing/);
    writeFileSync(ws.file, twoStages(2));
    const explain = await cli(['explain', ws.file], ws.dir);
    expect(explain.stdout).toMatch(
      /make {2}rerun\s+[0-9a-f]{12}\n {4}params\.params\.value: 1 → 2\nuse {2}rerun\n {4}inputs: upstream make will rerun first/,
    );
    const status = await cli(['status', ws.file, '--json'], ws.dir);
    expect(JSON.parse(status.stdout)).toMatchObject({ counts: { cached: 0, stale: 2, missing: 0 } });
    await cli(['run', ws.file], ws.dir);
    const dry = await cli(['gc', '--dry-run'], ws.dir);
    expect(dry.stdout).toMatch(/would remove 2 runs/);
    const gc = await cli(['gc', '--json'], ws.dir);
    expect(JSON.parse(gc.stdout)).toMatchObject({ keptRecords: 2, removed: { records: expect.any(Array) } });
    expect((await cli(['status', ws.file], ws.dir)).stdout).toMatch(/2 cached/);
  });

  test('dag: tree, Mermaid and JSON of the file; nothing written', async () => {
    const ws = workspace(twoStages());
    const tree = await cli(['dag', ws.file], ws.dir);
    expect(tree.exitCode).toBe(0);
    expect(tree.stdout).toBe('make (exec)\n└─ use (exec)');
    const mermaid = await cli(['dag', ws.file, '--mermaid'], ws.dir);
    expect(mermaid.stdout).toContain('flowchart LR\n  n0["make<br/><small>exec</small>"]');
    expect(mermaid.stdout).toContain('n0 -->|table| n1');
    const json = await cli(['dag', ws.file, '--json'], ws.dir);
    expect(JSON.parse(json.stdout)).toEqual({
      pipeline: 'p',
      nodes: [
        { id: 'make', uses: 'exec', instances: ['make'] },
        { id: 'use', uses: 'exec', instances: ['use'] },
      ],
      edges: [{ from: 'make', to: 'use', inputs: ['table'] }],
    });
    expect(existsSync(join(ws.dir, '.store'))).toBe(false);
    expect((await cli(['dag', ws.file, '--json', '--mermaid'], ws.dir)).exitCode).toBe(2);
  });

  test('run --dry-run: what would run and why, nothing written; --force and --downstream', async () => {
    const ws = workspace(twoStages());
    const fresh = await cli(['run', ws.file, '--dry-run'], ws.dir);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toBe(
      'run     make  never ran in this store\nrun     use   inputs: upstream make will rerun first\np: 2 stages — 2 would run, 0 cached (dry run: nothing was run or written)',
    );
    expect(existsSync(join(ws.dir, '.store'))).toBe(false);
    expect(existsSync(join(ws.dir, 'out'))).toBe(false);
    await cli(['run', ws.file], ws.dir);
    writeFileSync(ws.file, twoStages(2));
    const changed = await cli(['run', ws.file, '--dry-run', '--json'], ws.dir);
    const lines = changed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ stage: 'make', action: 'run', changes: ['params.params.value: 1 → 2'] });
    expect(lines[2]).toEqual({ summary: { pipeline: 'p', stages: 2, run: 2, cached: 0, dryRun: true } });
    writeFileSync(ws.file, twoStages());
    const forced = await cli(['run', ws.file, '--force', 'use', '--json'], ws.dir);
    expect(
      forced.stdout
        .trim()
        .split('\n')
        .slice(0, 2)
        .map((l) => (JSON.parse(l) as { status: string }).status),
    ).toEqual(['cached', 'ran']);
    const down = await cli(['run', ws.file, '--downstream', 'use', '--dry-run'], ws.dir);
    expect(down.stdout).toMatch(/^cached {2}make\s*\ncached {2}use\s*\np: 2 stages — 0 would run, 2 cached/);
    expect((await cli(['run', ws.file, '--dry-run', '--pin', 'x'], ws.dir)).stderr).toMatch(
      /--pin has no effect with --dry-run/,
    );
  });

  test('runs lists the history; params diff and metrics diff compare the last two', async () => {
    const ws = workspace(twoStages());
    expect((await cli(['runs', ws.file], ws.dir)).stdout).toBe('p: no recorded runs in this store');
    await cli(['run', ws.file], ws.dir);
    await cli(['run', ws.file, '--set', 'stages.make.with.params.value=7'], ws.dir);
    const runs = await cli(['runs', ws.file], ws.dir);
    const lines = runs.stdout.split('\n');
    expect(lines[0]).toMatch(/^id\s+started\s+status\s+ran\/cached\/failed\s+wall\s+params changed$/);
    expect(lines[1]).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}\s+\S+ \S+\s+ok\s+2\/0\/0\s+[\d.]+ s\s+\(first run\)$/);
    expect(lines[2]).toMatch(/ok\s+2\/0\/0\s+[\d.]+ s\s+params of 1 stage$/);
    const params = await cli(['params', 'diff', 'p'], ws.dir);
    expect(params.stdout).toMatch(/stages\.make\.params\.value: 1 → 7/);
    const metrics = await cli(['metrics', 'diff', ws.file, '--json'], ws.dir);
    expect(JSON.parse(metrics.stdout)).toMatchObject({ rows: [], missing: [] });
    const bad = await cli(['params', 'diff', 'p', 'zzz'], ws.dir);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/zzz: no run of 'p' has this id/);
  });
});

describe('transfusion run under a wrapper (as the Nx targets start it)', () => {
  test('--exit-with-parent: when the wrapper is killed with SIGKILL, run stops its stages and exits', async () => {
    const ws = workspace(`stages:
  hold:
    uses: exec
    with: { command: [node, emit.mjs], deps: [emit.mjs], params: { name: hold, waitFor: never-created, startedFile: hold.pid } }
    outputs: { out: table }
`);
    // The wrapper starts `transfusion run` and stays alive, like nx does, until it is killed.
    const wrapperSource = `
      const { spawn } = require('node:child_process');
      const run = spawn(process.execPath, ${JSON.stringify([CLI, 'run', ws.file, '--exit-with-parent', '--no-out'])}, { stdio: 'ignore', env: { ...process.env, TRANSFUSION_STORE: ${JSON.stringify(join(ws.dir, '.store'))} } });
      process.stdout.write(run.pid + '\\n');
      setInterval(() => {}, 1000);
    `;
    const wrapper = execa('node', ['-e', wrapperSource], { cwd: ws.dir, reject: false, buffer: false });
    const runPid = await new Promise<number>((res) =>
      wrapper.stdout!.once('data', (chunk: Buffer) => res(Number(chunk.toString().trim()))),
    );
    const startedFile = join(ws.dir, 'hold.pid');
    await waitUntil(() => existsSync(startedFile) && readFileSync(startedFile, 'utf8') !== '');
    const stagePid = Number(readFileSync(startedFile, 'utf8'));
    try {
      wrapper.kill('SIGKILL');
      await wrapper;
      // Generous limits: they only turn a hang into a failure.
      await waitUntil(() => !alive(stagePid) && !alive(runPid));
    } finally {
      for (const pid of [stagePid, runPid]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
