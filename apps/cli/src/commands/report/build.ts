// `transfusion report build`: the report (index.html, report.md, results.json, figures/) from study results.
import { parseReportOptions, readStudyResults, renderReport } from '@transfusion/report';
import { UsageError } from '@transfusion/pipeline';
import type { CommandIo } from '../../command.js';
import { OPTIONS_HELP, parseFlags, reportOptions, stringFlags } from './flags.js';

const BUILD_HELP = `Usage: transfusion report build --results FILE --out DIR [options]

Renders the study report into DIR: index.html (self-contained), report.md, results.json and figures/*.png|svg.
FILE is study results JSON (the StudyResults schema) or a results.json written by an earlier build, whose
"input" is re-rendered (e.g. with other criteria).

Options:
  --results FILE             study results JSON (required)
  --out DIR                  output folder, created if needed (required)
  --json                     print {"files":[...]} on stdout instead of one path per line
${OPTIONS_HELP}
  -h, --help                 show this help

Exit codes: 0 ok, 1 failure, 2 bad input or usage.
`;

export async function build(argv: string[], io: CommandIo): Promise<number> {
  const f = parseFlags(argv, stringFlags);
  if (f.help) {
    io.stdout(BUILD_HELP);
    return 0;
  }
  if (!f.results || !f.out) throw new UsageError('--results and --out are required');
  const options = parseReportOptions(reportOptions(f));
  io.stderr(`report: validating ${f.results}\n`);
  const results = await readStudyResults(f.results);
  io.stderr(
    `report: rendering ${results.runs.length} runs, ${results.cca.length} CCA variant(s), ${results.filters.length} filter snapshot(s) into ${f.out}\n`,
  );
  const { files } = await renderReport(results, f.out, options);
  io.stderr(`report: wrote ${files.length} files\n`);
  io.stdout(f.json ? `${JSON.stringify({ files })}\n` : files.map((p) => `${p}\n`).join(''));
  return 0;
}
