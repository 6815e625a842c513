import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultStore } from '../args.js';
import { EXIT, processIo, type CommandIo } from '../command.js';

export const summary = 'publish a study report from the store to reports/<pipeline>/';

const HELP = `transfusion study publish <pipeline.yaml> [--store PATH] [--stage NAME] [--dest DIR] [--json]

Copies the report stage's output of the pipeline's latest run to reports/<pipeline>/ (index.html, report.md,
results.json, figures/, tables/) and fills its provenance with the run's cache keys and timings.

  --store PATH   artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --stage NAME   instance name of the report stage (default: report)
  --dest DIR     destination (default: reports/<pipeline name>)
  --json         print {"dest","files","stages","wallSeconds"} on stdout
`;

const flagsSchema = z.strictObject({
  store: z.string().min(1).optional(),
  stage: z.string().min(1).optional(),
  dest: z.string().min(1).optional(),
  json: z.boolean().optional(),
  help: z.boolean().optional(),
});

const parsePublishFlags = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      store: { type: 'string' },
      stage: { type: 'string' },
      dest: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

/** `transfusion study publish <pipeline.yaml> ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    io.stdout(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command !== 'publish') {
    io.stderr(`unknown command '${command}'; expected 'publish'\n\n${HELP}`);
    return EXIT.usage;
  }
  let parsed: ReturnType<typeof parsePublishFlags>;
  try {
    parsed = parsePublishFlags(rest);
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const flags = flagsSchema.safeParse(parsed.values);
  if (!flags.success) {
    io.stderr(`${z.prettifyError(flags.error)}\n`);
    return EXIT.usage;
  }
  if (flags.data.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length !== 1) {
    io.stderr(`expected one pipeline file, got ${parsed.positionals.length}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    const { publishReport } = await import('@transfusion/study'); // loaded when used: the study pulls in every lib
    const r = await publishReport({
      pipelineFile: parsed.positionals[0]!,
      store: defaultStore(flags.data.store),
      ...(flags.data.stage ? { stage: flags.data.stage } : {}),
      ...(flags.data.dest ? { dest: flags.data.dest } : {}),
    });
    if (flags.data.json) io.stdout(`${JSON.stringify(r)}\n`);
    else
      io.stdout(
        `published ${r.files.length} files to ${r.dest} (${r.stages} stages, ${r.wallSeconds.toFixed(1)} s of stage time span)\n`,
      );
    return EXIT.ok;
  } catch (e) {
    io.stderr(`study publish: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
}
