// pipelines/nx-run.mjs, the Nx pipeline targets' command: run flags reach the run only; publish gets the store.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
// polling and pid checks for the processes these tests start, shared with the pipeline lib's tests
import { alive, waitUntil } from '../../../libs/pipeline/test/helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const NX_RUN = resolve(here, '../../../pipelines/nx-run.mjs');

/** A fake CLI that records its arguments (the step is `run` or `study publish`); the run exits with `runExit`. */
function fakes(runExit = 0): { dir: string; env: Record<string, string>; calls(): { step: string; args: string[] }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-nxrun-'));
  const log = join(dir, 'calls.jsonl');
  const script = `import { appendFileSync } from 'node:fs';
const args = process.argv.slice(2);
const step = args[0] === 'run' ? 'run' : args.slice(0, 2).join(' ');
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ step, args }) + '\\n');
process.exit(step === 'run' ? ${runExit} : 0);
`;
  writeFileSync(join(dir, 'cli.mjs'), script);
  return {
    dir,
    env: { TRANSFUSION_NX_CLI: join(dir, 'cli.mjs') },
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { step: string; args: string[] })
        : [],
  };
}

describe('npx nx run pipeline:<name> [flags]', () => {
  test('--set, --only and the rest reach the run only; publish gets the pipeline and the store', async () => {
    const f = fakes();
    const r = await execa(
      'node',
      [NX_RUN, 'pipelines/quick.yaml', '--set', 'vars.steps=3', '--only', 'train', '--store=/tmp/s'],
      { env: f.env, reject: false },
    );
    expect(r.exitCode).toBe(0);
    expect(f.calls()).toEqual([
      {
        step: 'run',
        args: [
          'run',
          'pipelines/quick.yaml',
          '--exit-with-parent',
          '--set',
          'vars.steps=3',
          '--only',
          'train',
          '--store=/tmp/s',
        ],
      },
      { step: 'study publish', args: ['study', 'publish', 'pipelines/quick.yaml', '--store', '/tmp/s'] },
    ]);
  });

  test('no publish after --dry-run or a failed run (whose exit code is kept)', async () => {
    const dry = fakes();
    expect(
      (await execa('node', [NX_RUN, 'p.yaml', '--dry-run', '--set', 'vars.x=1'], { env: dry.env, reject: false }))
        .exitCode,
    ).toBe(0);
    expect(dry.calls().map((c) => c.step)).toEqual(['run']);
    const failed = fakes(1);
    expect((await execa('node', [NX_RUN, 'p.yaml'], { env: failed.env, reject: false })).exitCode).toBe(1);
    expect(failed.calls().map((c) => c.step)).toEqual(['run']);
  });

  test('every pipeline target execs nx-run.mjs (Nx is its parent), so no flag reaches a publish command', () => {
    const project = JSON.parse(readFileSync(resolve(here, '../../../pipelines/project.json'), 'utf8')) as {
      targets: Record<string, { options: { commands: unknown[] } }>;
    };
    for (const [name, t] of Object.entries(project.targets)) {
      expect(t.options.commands, name).toEqual([`exec node pipelines/nx-run.mjs pipelines/${name}.yaml`]);
    }
  });

  test('when Nx dies (even by SIGKILL) nx-run.mjs stops its step and exits', async () => {
    const f = fakes();
    const pidFile = join(f.dir, 'run.pid');
    writeFileSync(
      f.env.TRANSFUSION_NX_CLI!,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`,
    );
    // stands in for nx: starts nx-run.mjs, prints its pid, stays alive until killed
    const nx = execa(
      'node',
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify([NX_RUN, 'p.yaml'])}, { stdio: 'ignore', env: { ...process.env, ...${JSON.stringify(f.env)} } }); process.stdout.write(c.pid + '\\n'); setInterval(() => {}, 1000);`,
      ],
      { reject: false, buffer: false },
    );
    const nxRunPid = await new Promise<number>((res) =>
      nx.stdout!.once('data', (chunk: Buffer) => res(Number(chunk.toString().trim()))),
    );
    await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '');
    const runPid = Number(readFileSync(pidFile, 'utf8'));
    try {
      nx.kill('SIGKILL');
      await nx;
      await waitUntil(() => !alive(nxRunPid) && !alive(runPid)); // the limit only turns a hang into a failure
    } finally {
      for (const pid of [nxRunPid, runPid]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    expect(f.calls()).toEqual([]); // the fake run never logged: it was stopped, and publish never started
  });
});
