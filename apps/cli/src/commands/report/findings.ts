// `transfusion report findings`: the paper's seven testable statements judged on study results.
import {
  evaluateFindings,
  FINDINGS_METHOD,
  groupRuns,
  jsonReplacer,
  parseReportOptions,
  readStudyResults,
} from '@transfusion/report';
import { UsageError } from '@transfusion/pipeline';
import type { CommandIo } from '../../command.js';
import { OPTIONS_HELP, parseFlags, reportOptions, stringFlags } from './flags.js';

const FINDINGS_HELP = `Usage: transfusion report findings FILE [options]
       transfusion report findings --results FILE [options]

Evaluates the paper's seven testable statements on study results. Each comparison prints Δ with its
bootstrap interval (AUC: paired on the test images, test patients and seeds resampled), the seeds on
each side, DeLong's test for AUC differences, and one of five verdicts: supported, contradicted,
inconclusive, not testable (a precondition fails), not measured (no runs).

Options:
  FILE, --results FILE       study results JSON, or a results.json written by 'report build' (required)
  --json                     print the findings as JSON
${OPTIONS_HELP.split('\n')
  .filter((l) => !l.includes('--png-scale'))
  .join('\n')}
  -h, --help                 show this help

Exit codes: 0 ok, 1 failure, 2 bad input or usage.
`;

export async function findings(argv: string[], io: CommandIo): Promise<number> {
  const f = parseFlags(
    argv,
    stringFlags.filter((k) => k !== 'out' && k !== 'png-scale'),
    1,
  );
  if (f.help) {
    io.stdout(FINDINGS_HELP);
    return 0;
  }
  if (!f.results) throw new UsageError('a results file is required (FILE or --results FILE)');
  const options = parseReportOptions(reportOptions(f));
  const results = await readStudyResults(f.results);
  io.stderr(
    `report: judging ${results.runs.length} runs (${results.evaluation.bootstrap.resamples} bootstrap resamples per comparison)\n`,
  );
  const list = evaluateFindings(results, groupRuns(results), options);
  if (f.json) io.stdout(`${JSON.stringify(list, jsonReplacer)}\n`);
  else
    io.stdout(
      `${FINDINGS_METHOD}\n\n${list.map((x) => `${x.id}. [${x.verdict}] ${x.statement}\n${x.evidence.map((e) => `     ${e}\n`).join('')}     rule: ${x.criterion}\n`).join('')}`,
    );
  return 0;
}
