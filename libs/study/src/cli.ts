import { parseArgs } from 'node:util';
import { z } from 'zod';
import { publishReport } from './publish.js';

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

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    io.out(HELP);
    return command ? 0 : 2;
  }
  if (command !== 'publish') {
    io.err(`unknown command '${command}'; expected 'publish'\n\n${HELP}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { store: { type: 'string' }, stage: { type: 'string' }, dest: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const flags = flagsSchema.safeParse(parsed.values);
  if (!flags.success) {
    io.err(`${z.prettifyError(flags.error)}\n`);
    return 2;
  }
  if (flags.data.help) {
    io.out(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    io.err(`expected one pipeline file, got ${parsed.positionals.length}\n\n${HELP}`);
    return 2;
  }
  try {
    const r = await publishReport({
      pipelineFile: parsed.positionals[0]!, store: flags.data.store ?? process.env['TRANSFUSION_STORE'] ?? '.transfusion',
      ...(flags.data.stage ? { stage: flags.data.stage } : {}), ...(flags.data.dest ? { dest: flags.data.dest } : {}),
    });
    if (flags.data.json) io.out(`${JSON.stringify(r)}\n`);
    else io.out(`published ${r.files.length} files to ${r.dest} (${r.stages} stages, ${r.wallSeconds.toFixed(1)} s of stage time span)\n`);
    return 0;
  } catch (e) {
    io.err(`study publish: ${(e as Error).message}\n`);
    return 1;
  }
}
