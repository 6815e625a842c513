// Runs a command's main in this process with its output captured.
import type { CommandIo } from '../src/command.js';

export interface Captured {
  io: CommandIo;
  out(): string;
  err(): string;
}

export function captureIo(): Captured {
  let out = '';
  let err = '';
  const stdout = (s: string): void => {
    out += s;
  };
  const stderr = (s: string): void => {
    err += s;
  };
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** Runs `main(argv)` with captured output; resolves with the exit code and what was written. */
export async function runCommand(
  main: (argv: string[], io: CommandIo) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}
