import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainError } from '../src/errors.js';
import { trainModel } from '../src/training/train-model.js';
import { RESUME_FILE } from '../src/training/resume.js';
import { base, blobs, tinyCbr, wasmSuiteWithTempDir } from './helpers.js';

// Resumable training, end to end: a training process killed with SIGKILL and started again finishes with the
// same weights (bitwise: same backend, one thread) and history as one that was never interrupted. The child runs
// the built library (nx builds it before testing).
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/resume-child.mjs', import.meta.url));
// As in native-backend.test.ts: where oneDNN and a compiler are installed (CI) the native backend must start.
const nativeToolchain =
  existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && ['/usr/bin/g++', '/usr/bin/c++'].some((p) => existsSync(p));

interface ChildResult {
  backend: string;
  weights: Record<string, string>;
  checkpoints: [string, string][];
  history: unknown[];
  steps: number;
  epochs: number;
}

type Backend = 'wasm' | 'native';

function start(
  backend: Backend,
  args: string[],
): { proc: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const env = { ...process.env, RESUME_BACKEND: backend, TRANSFUSION_NATIVE: 'auto' };
  const proc = spawn(process.execPath, [child, dist, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    proc.on('exit', (code, signal) => res({ code, signal, stderr })),
  );
  return { proc, done };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function run(backend: Backend, args: string[]): Promise<ChildResult> {
  const { done } = start(backend, args);
  const { code, stderr } = await done;
  expect(code, stderr).toBe(0);
  return JSON.parse(await readFile(args[0]!, 'utf8')) as ChildResult;
}

describe.each([
  { backend: 'wasm' as const, available: true },
  { backend: 'native' as const, available: nativeToolchain },
])('resumable training on $backend', ({ backend, available }) => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tf-resume-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.runIf(available)(
    'a run killed with SIGKILL and run again ends with the same weights and history as an uninterrupted one',
    async () => {
      const uninterrupted = await run(backend, [join(dir, 'plain.json')]);
      expect(uninterrupted).toMatchObject({ backend, steps: 18 });

      // Killed in the middle of step 9 (epoch 1, third batch): the latest resume checkpoint is step 8's.
      const resumeDir = join(dir, 'resume');
      const resultFile = join(dir, 'resumed.json');
      const killed = start(backend, [resultFile, resumeDir, '9']);
      // Generous: only turns a hang into a failure, not a timing check.
      for (let i = 0; i < 1200 && !(await exists(`${resultFile}.hanging`)); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await exists(`${resultFile}.hanging`)).toBe(true);
      expect(await exists(join(resumeDir, RESUME_FILE))).toBe(true);
      killed.proc.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
      expect(await exists(resultFile)).toBe(false);

      const resumed = await run(backend, [resultFile, resumeDir]);
      expect(resumed).toEqual(uninterrupted);
      expect(Object.keys(resumed.weights)).toContain('bn1/moving_mean');

      // Running it once more with the finished checkpoint only returns the same result.
      expect(await run(backend, [resultFile, resumeDir])).toEqual(uninterrupted);
    },
  );
});

describe('resume checkpoints', () => {
  const tmp = wasmSuiteWithTempDir('tf-resume-unit-');

  it('refuse a checkpoint written with other options, naming the file', async () => {
    const resume = { dir: join(tmp(), 'other'), every: 2 };
    await trainModel(tinyCbr(2), { train: blobs(32, 1) }, { ...base, maxSteps: 2, resume });
    const err = await trainModel(
      tinyCbr(2),
      { train: blobs(32, 1) },
      { ...base, maxSteps: 2, batchSize: 8, resume },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe('TRAIN_BAD_CHECKPOINT');
    expect((err as TrainError).message).toContain(join(resume.dir, RESUME_FILE));
    expect((err as TrainError).message).toMatch(/other training options/);
  });

  it('reject a bad resume option with the field named', async () => {
    const err = await trainModel(
      tinyCbr(2),
      { train: blobs(32, 1) },
      { ...base, resume: { dir: tmp(), every: 0 } },
    ).catch((e: unknown) => e);
    expect((err as TrainError).code).toBe('TRAIN_BAD_OPTIONS');
    expect((err as TrainError).message).toMatch(/resume\.every/);
  });
});
