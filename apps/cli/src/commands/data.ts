import type { CommandIo } from '../command.js';
import { EXIT, processIo } from '../command.js';

export const summary = 'inspect and import datasets: summary, preview, import, synthetic';

const HELP = `transfusion data <command> [options]

Commands:
  summary    per split: images, patients, label counts; rejected rows with reasons
  preview    write a PNG contact sheet of sample images with their labels
  import     decode + preprocess a dataset into a sharded Arrow dataset artifact
  synthetic  generate a synthetic demo set (natural | fundus | chest) into an Arrow artifact

Run \`transfusion data <command> --help\` for its options.
`;

/** The subcommands, loaded when used (they pull in sharp and the DICOM codecs). */
const COMMANDS: Record<string, () => Promise<typeof import('./data/summary.js')>> = {
  summary: () => import('./data/summary.js'),
  preview: () => import('./data/preview.js'),
  import: () => import('./data/import.js'),
  synthetic: () => import('./data/synthetic.js'),
};

/** Data errors that mean bad input (a flag, a missing file or column, bad rows): exit 2; the others exit 1. */
const BAD_INPUT = new Set([
  'DATA_BAD_OPTIONS',
  'DATA_MISSING_COLUMN',
  'DATA_NOT_FOUND',
  'DATA_BAD_CSV',
  'DATA_BAD_ROWS',
]);

/** Entry point of `transfusion data ...`; returns the exit code (0 ok, 1 failure, 2 bad input/usage). */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(HELP);
    return cmd === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    io.stderr(`transfusion data: unknown command "${cmd}"\n\n${HELP}`);
    return EXIT.usage;
  }
  const [command, { parseDataFlags }, { DataError }, { UsageError }] = await Promise.all([
    load(),
    import('./data/flags.js'),
    import('@transfusion/data'),
    import('@transfusion/pipeline'),
  ]);
  try {
    const flags = parseDataFlags(rest);
    if (flags.help) {
      io.stdout(command.help);
      return EXIT.ok;
    }
    return await command.run(flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`transfusion data ${cmd}: ${e.message}\nRun \`transfusion data ${cmd} --help\` for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof DataError) {
      io.stderr(`transfusion data ${cmd}: ${e.code}: ${e.message}\n`);
      return BAD_INPUT.has(e.code) ? EXIT.usage : EXIT.failure;
    }
    io.stderr(`transfusion data ${cmd}: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
}
