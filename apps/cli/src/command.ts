// The one shape of a `transfusion` command, shared by every command in ./commands.

/** Where a command writes: results to stdout, progress, warnings and errors to stderr. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Exit codes of every command: 0 success, 1 failure, 2 bad input or usage (nothing was done). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** `transfusion <name> ...`: a one-line summary for the top-level help and an entry point returning the exit code. */
export interface Command {
  summary: string;
  main(argv: string[], io?: CommandIo): Promise<number>;
}

/**
 * Runs a command body and turns what it throws into an exit code with one message on stderr:
 * a bad-input error (as `isBadInput` says) exits 2, anything else 1 with its stack (a bug or an environment problem).
 */
export async function guarded(
  io: CommandIo,
  prefix: string,
  body: () => Promise<number>,
  isBadInput: (e: unknown) => boolean,
  usageHint = '',
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (isBadInput(e)) {
      io.stderr(`${prefix}: ${(e as Error).message}\n${usageHint}`);
      return EXIT.usage;
    }
    io.stderr(`${prefix}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failure;
  }
}
