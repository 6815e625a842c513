import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { groupRuns } from './aggregate.js';
import { jsonReplacer, renderReport } from './build.js';
import { ReportError } from './errors.js';
import { evaluateFindings, FINDINGS_METHOD } from './findings.js';
import { parseReportOptions, type ReportOptionsInput } from './options.js';
import { parseStudyResults } from './validate.js';

export const summary = "the study's report: tables, figures, findings and provenance as one HTML page (+ report.md, results.json)";

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};

const OPTIONS_HELP = `Finding criteria (defaults in brackets):
  --auc-tolerance X          statements 1–2: an AUC difference within ±X counts as small [0.01 = 1 point]
  --transfer-gain-margin X   statement 3: large-model minus small-model transfer gain needed [0.005]
  --cca-gap-margin X         statement 4: Rand–Rand minus Rand–Pretrained gap that counts as real [0.01]
  --threshold-fraction F     steps-to-threshold level, relative to each task:
                             chance + F × (the task's best final validation AUC − chance) [0.9]
  --recovered-fraction F     statement 7: share of the speed-up transfusing ≤ block1 must recover [0.5]
  --large-model-ratio R      statements 2–5: "large" needs ≥ R × the parameters of the CBR it is compared with [5]
  --min-seeds N              seeds each side of a comparison needs, else "not testable" [2]
  --png-scale S              PNG pixel density relative to the SVG [2]`;

const HELP = `Usage: transfusion report <command> [options]

Commands:
  build      render the report (index.html, report.md, results.json, figures/) from study results
  findings   evaluate the paper's seven testable statements on study results and print the verdicts

Run 'transfusion report <command> --help' for a command's options.
`;

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

const FINDINGS_HELP = `Usage: transfusion report findings FILE [options]
       transfusion report findings --results FILE [options]

Evaluates the paper's seven testable statements on study results. Each comparison prints Δ with its
bootstrap interval (AUC: paired on the test images, test patients and seeds resampled), the seeds on
each side, DeLong's test for AUC differences, and one of five verdicts: supported, contradicted,
inconclusive, not testable (a precondition fails), not measured (no runs).

Options:
  FILE, --results FILE       study results JSON, or a results.json written by 'report build' (required)
  --json                     print the findings as JSON
${OPTIONS_HELP.split('\n').filter((l) => !l.includes('--png-scale')).join('\n')}
  -h, --help                 show this help

Exit codes: 0 ok, 1 failure, 2 bad input or usage.
`;

const num = z.coerce.number();
const flagsSchema = z
  .object({
    results: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    json: z.boolean().default(false),
    help: z.boolean().default(false),
    'auc-tolerance': num.optional(),
    'transfer-gain-margin': num.optional(),
    'cca-gap-margin': num.optional(),
    'threshold-fraction': num.optional(),
    'large-model-ratio': num.optional(),
    'min-seeds': num.optional(),
    'recovered-fraction': num.optional(),
    'png-scale': num.optional(),
  })
  .strict();
type Flags = z.infer<typeof flagsSchema>;

const stringFlags = ['results', 'out', 'auc-tolerance', 'transfer-gain-margin', 'cca-gap-margin', 'threshold-fraction', 'recovered-fraction', 'large-model-ratio', 'min-seeds', 'png-scale'];

class UsageError extends Error {}

function parseFlags(argv: string[], allowed: string[], positionals: 0 | 1 = 0): Flags {
  let values: Record<string, unknown>;
  try {
    const options = Object.fromEntries([
      ...allowed.map((k) => [k, { type: 'string' as const }]),
      ['json', { type: 'boolean' as const }],
      ['help', { type: 'boolean' as const, short: 'h' }],
    ]);
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals > 0 });
    values = parsed.values;
    if (parsed.positionals.length > positionals) throw new Error(`unexpected argument '${parsed.positionals[positionals]}'`);
    // `findings FILE`: the positional is the results file
    if (parsed.positionals.length === 1) {
      if (values['results'] !== undefined) throw new Error(`give the results file once: '${parsed.positionals[0]}' or --results`);
      values = { ...values, results: parsed.positionals[0] };
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError(`--${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

function reportOptions(f: Flags): ReportOptionsInput {
  const o: Record<string, number> = {};
  const map: [keyof Flags, string][] = [
    ['auc-tolerance', 'aucTolerance'],
    ['transfer-gain-margin', 'transferGainMargin'],
    ['cca-gap-margin', 'ccaGapMargin'],
    ['threshold-fraction', 'thresholdFraction'],
    ['large-model-ratio', 'largeModelRatio'],
    ['min-seeds', 'minSeeds'],
    ['recovered-fraction', 'recoveredFraction'],
    ['png-scale', 'pngScale'],
  ];
  for (const [flag, key] of map) if (f[flag] !== undefined) o[key] = f[flag] as number;
  return o;
}

/** Reads study results, or the `input` of a results.json written by this lib. */
async function readResults(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ReportError(`cannot read ${file}: ${(e as Error).message}`, 'invalid-results', file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: not valid JSON: ${(e as Error).message}`, 'invalid-results', file);
  }
  const o = json as { generator?: unknown; input?: unknown };
  return o && typeof o === 'object' && o.generator === '@transfusion/report' && o.input !== undefined ? o.input : json;
}

async function build(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags(argv, stringFlags);
  if (f.help) {
    io.stdout(BUILD_HELP);
    return 0;
  }
  if (!f.results || !f.out) throw new UsageError('--results and --out are required');
  const options = parseReportOptions(reportOptions(f));
  const input = await readResults(f.results);
  io.stderr(`report: validating ${f.results}\n`);
  const results = parseStudyResults(input, f.results);
  io.stderr(`report: rendering ${results.runs.length} runs, ${results.cca.length} CCA variant(s), ${results.filters.length} filter snapshot(s) into ${f.out}\n`);
  const { files } = await renderReport(results, f.out, options);
  io.stderr(`report: wrote ${files.length} files\n`);
  io.stdout(f.json ? `${JSON.stringify({ files })}\n` : files.map((p) => `${p}\n`).join(''));
  return 0;
}

async function findings(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags(argv, stringFlags.filter((k) => k !== 'out' && k !== 'png-scale'), 1);
  if (f.help) {
    io.stdout(FINDINGS_HELP);
    return 0;
  }
  if (!f.results) throw new UsageError('a results file is required (FILE or --results FILE)');
  const options = parseReportOptions(reportOptions(f));
  const results = parseStudyResults(await readResults(f.results), f.results);
  io.stderr(`report: judging ${results.runs.length} runs (${results.evaluation.bootstrap.resamples} bootstrap resamples per comparison)\n`);
  const list = evaluateFindings(results, groupRuns(results), options);
  if (f.json) io.stdout(`${JSON.stringify(list, jsonReplacer)}\n`);
  else io.stdout(`${FINDINGS_METHOD}\n\n${list.map((x) => `${x.id}. [${x.verdict}] ${x.statement}\n${x.evidence.map((e) => `     ${e}\n`).join('')}     rule: ${x.criterion}\n`).join('')}`);
  return 0;
}

/** `transfusion report build|findings ...`; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      (command === undefined ? io.stderr : io.stdout)(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'build') return await build(rest, io);
    if (command === 'findings') return await findings(rest, io);
    throw new UsageError(`unknown command "${command}" (expected build or findings)`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`transfusion report: ${e.message}\nRun 'transfusion report --help' for usage.\n`);
      return 2;
    }
    if (e instanceof ReportError) {
      io.stderr(`transfusion report: ${e.message}\n`);
      return e.code === 'invalid-results' || e.code === 'invalid-options' ? 2 : 1;
    }
    io.stderr(`transfusion report: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
