import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Job } from './job.js';

const RUNNER = fileURLToPath(new URL('./stage-runner.js', import.meta.url));
const KILL_GRACE_MS = 5_000;
/** The most threads any compute backend here uses (libs/train MAX_WASM_THREADS); more would be refused. */
const MAX_STAGE_THREADS = 8;

/**
 * The environment that gives each of `jobs` concurrent stage processes its share of the cores: TRANSFUSION_THREADS
 * = ⌊cores / jobs⌋ (1 to 8), so that jobs × threads ≤ cores. Empty when the user set TRANSFUSION_THREADS: theirs wins.
 */
export function stageThreadsEnv(
  jobs: number,
  env: NodeJS.ProcessEnv = process.env,
  cores = availableParallelism(),
): Record<string, string> {
  const own = env['TRANSFUSION_THREADS'];
  if (own !== undefined && own !== '') return {};
  return { TRANSFUSION_THREADS: String(Math.max(1, Math.min(MAX_STAGE_THREADS, Math.floor(cores / jobs)))) };
}

export interface StageProcessResult {
  ok: boolean;
  interrupted: boolean;
  /** The signal that ended the stage process, when one did. */
  signal?: string;
  /** The last lines of the stage's output, for error messages. */
  tail: string;
  logFile: string;
}

/**
 * Runs one stage attempt in its own process group (so an interrupt reaches every process the stage started),
 * with stdout and stderr captured to `<attemptDir>/log`. `onLine` sees each stderr line (progress display).
 * `env` is added to this process's environment. The stage process learns our pid (TRANSFUSION_ENGINE_PID) and
 * takes its whole group down when we are gone, however we died (stage-runner.ts).
 */
export async function spawnStage(
  job: Job,
  attemptDir: string,
  signal: AbortSignal,
  onLine: (line: string) => void,
  env: Record<string, string> = {},
): Promise<StageProcessResult> {
  const jobFile = join(attemptDir, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const logFile = join(attemptDir, 'log');
  const log = createWriteStream(logFile);
  const child = execa(process.execPath, [RUNNER, jobFile], {
    cwd: attemptDir,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    env: { ...env, TRANSFUSION_STAGE: job.instance, TRANSFUSION_ENGINE_PID: String(process.pid) },
  });
  const tail: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => log.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const text = partial + chunk.toString('utf8');
    const lines = text.split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      onLine(line);
    }
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  let interrupted = false;
  let hardKill: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    interrupted = true;
    killGroup('SIGTERM');
    hardKill = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const result = await child;
  signal.removeEventListener('abort', onAbort);
  clearTimeout(hardKill);
  if (partial.trim()) tail.push(partial);
  await new Promise<void>((res) => log.end(res));
  const out: StageProcessResult = {
    ok: !interrupted && result.exitCode === 0,
    interrupted,
    tail: tail.join('\n'),
    logFile,
  };
  if (result.signal) out.signal = result.signal;
  return out;
}
