import { EXIT, processIo, type CommandIo } from '../command.js';

export const summary =
  "the study's report: tables, figures, findings and provenance as one HTML page (+ report.md, results.json)";

const HELP = `Usage: transfusion report <command> [options]

Commands:
  build      render the report (index.html, report.md, results.json, figures/) from study results
  findings   evaluate the paper's seven testable statements on study results and print the verdicts

Run 'transfusion report <command> --help' for a command's options.
`;

/** `transfusion report build|findings ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command !== 'build' && command !== 'findings') {
    io.stderr(
      `transfusion report: unknown command "${command}" (expected build or findings)\nRun 'transfusion report --help' for usage.\n`,
    );
    return EXIT.usage;
  }
  // loaded when used: the report lib pulls in vega and sharp
  const [{ ReportError }, { UsageError }] = await Promise.all([
    import('@transfusion/report'),
    import('@transfusion/pipeline'),
  ]);
  try {
    if (command === 'build') return await (await import('./report/build.js')).build(rest, io);
    return await (await import('./report/findings.js')).findings(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`transfusion report: ${e.message}\nRun 'transfusion report --help' for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof ReportError) {
      io.stderr(`transfusion report: ${e.message}\n`);
      return e.code === 'invalid-results' || e.code === 'invalid-options' ? EXIT.usage : EXIT.failure;
    }
    io.stderr(`transfusion report: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
}
