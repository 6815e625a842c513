import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Job } from './job.js';

const RUNNER = fileURLToPath(new URL('./stage-runner.js', import.meta.url));
const KILL_GRACE_MS = 5_000;

export interface StageProcessResult {
  ok: boolean;
  interrupted: boolean;
  /** The last lines of the stage's output, for error messages. */
  tail: string;
  logFile: string;
}

/**
 * Runs one stage attempt in its own process group (so an interrupt reaches every process the stage started),
 * with stdout and stderr captured to `<attemptDir>/log`. `onLine` sees each stderr line (progress display).
 */
export async function spawnStage(
  job: Job,
  attemptDir: string,
  signal: AbortSignal,
  onLine: (line: string) => void,
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
    env: { TRANSFUSION_STAGE: job.instance },
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
  return { ok: !interrupted && result.exitCode === 0, interrupted, tail: tail.join('\n'), logFile };
}
