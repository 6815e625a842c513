import { list } from './commands/list.js';
import { importCommand } from './commands/import.js';
import type { CliIo } from './commands/shared.js';
import { ModelsError } from './errors.js';

export const summary = 'the model zoo: list models (stages, parameters, FLOPs), import converted Keras weights';

export type { CliIo } from './commands/shared.js';
const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const HELP = `Usage: transfusion models <command> [options]

Commands:
  list     every model with its stages, parameter counts and forward FLOPs
  import   check converted Keras weights (model.json + shards) against a zoo model and save them as Arrow

Run 'transfusion models <command> --help' for the options of a command.
`;

/** `transfusion models ...`; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'list') return await list(rest, io);
    if (command === 'import') return await importCommand(rest, io);
    io.err(`transfusion models: unknown command '${command}'\n\n${HELP}`);
    return 2;
  } catch (e) {
    const err = e as Error & { code?: string };
    io.err(`transfusion models ${command}: ${err.message}\n`);
    // parseArgs reports unknown/malformed flags with ERR_PARSE_ARGS_* codes; ModelsErrors are bad input too.
    return err.code?.startsWith('ERR_PARSE_ARGS') || e instanceof ModelsError ? 2 : 1;
  }
}
