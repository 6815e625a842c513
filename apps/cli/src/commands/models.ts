import { EXIT, processIo, type CommandIo } from '../command.js';

export const summary = 'the model zoo: list models (stages, parameters, FLOPs), import converted Keras weights';

const HELP = `Usage: transfusion models <command> [options]

Commands:
  list     every model with its stages, parameter counts and forward FLOPs
  import   check converted Keras weights (model.json + shards) against a zoo model and save them as Arrow

Run 'transfusion models <command> --help' for the options of a command.
`;

/** `transfusion models ...`; returns the exit code (0 ok, 1 failure, 2 bad input). */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command !== 'list' && command !== 'import') {
    io.stderr(`transfusion models: unknown command '${command}'\n\n${HELP}`);
    return EXIT.usage;
  }
  // loaded when used: the models pull in tfjs
  const { ModelsError } = await import('@transfusion/models');
  try {
    if (command === 'list') return await (await import('./models/list.js')).list(rest, io);
    return await (await import('./models/import.js')).importCommand(rest, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    io.stderr(`transfusion models ${command}: ${err.message}\n`);
    // parseArgs reports unknown/malformed flags with ERR_PARSE_ARGS_* codes; ModelsErrors are bad input too.
    return err.code?.startsWith('ERR_PARSE_ARGS') || e instanceof ModelsError ? EXIT.usage : EXIT.failure;
  }
}
