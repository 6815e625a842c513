import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '@transfusion/pipeline';
import type { z } from 'zod';

/** Runs node:util parseArgs (strict); an unknown flag or a missing value becomes a usage error naming it (exit 2). */
export function parseFlags<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(
      `transfusion ${command}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (see transfusion ${command} --help)`,
    );
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${value}: expected a whole number ≥ 1`);
  return n;
}

export function defaultStore(flag: string | undefined): string {
  return flag ?? process.env['TRANSFUSION_STORE'] ?? '.transfusion';
}

export const REGISTRY_DEFAULT = new URL('./registry.js', import.meta.url).href;

/**
 * The start of the pipeline commands: parses argv strictly with -h/--help added (a bad flag is a usage error) and
 * prints the help when asked for it, returning null then (the command exits 0).
 */
export function commandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  help: string,
  options: O,
  allowPositionals = true,
): CommandArgs<O> | null {
  const parsed = parseFlags(command, () =>
    parseArgs({ args: argv, allowPositionals, strict: true, options: { ...HELP_FLAG, ...options } }),
  );
  // The values' type follows the caller's options, which TypeScript cannot resolve here; --help is always among them.
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    return null;
  }
  return parsed;
}

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/** The values (typed by the command's options) and positionals commandArgs returns. */
type CommandArgs<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: boolean; strict: true; options: typeof HELP_FLAG & O }>
>;

/** What --registry and --set say about where a pipeline's stages come from, as the pipeline lib takes it. */
export function pipelineSource(
  pipelineFile: string,
  values: { registry?: string | undefined; set?: string[] | undefined },
): { pipelineFile: string; registry: string; sets: string[] } {
  return { pipelineFile, registry: values.registry ?? REGISTRY_DEFAULT, sets: values.set ?? [] };
}

/** Flags every pipeline command shares (run, explain, status); commandArgs adds -h/--help. */
export const PIPELINE_FLAGS = {
  set: { type: 'string', multiple: true },
  store: { type: 'string' },
  registry: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Issues = readonly z.core.$ZodIssue[];

/** The first problem, naming its flag (`--threads: Invalid input: expected number`). */
function firstIssue(issues: Issues, prefix: string): string {
  const issue = issues[0]!;
  const flag = issue.path.length > 0 ? `--${issue.path.join('.')}: ` : '';
  return `${prefix}${flag}${issue.message}`;
}

/**
 * The flags of a command with a zod schema: parseArgs (strict), then the schema. An unknown flag, a missing value
 * or a value the schema refuses is a usage error; `wording` says the schema's issues the command's way (default:
 * the first one, naming its flag, after `prefix`).
 */
export function parseCheckedFlags<const O extends NonNullable<ParseArgsConfig['options']>, S extends z.ZodType>(
  argv: string[],
  options: O,
  schema: S,
  {
    positionals = false,
    prefix = '',
    wording = (issues: Issues) => firstIssue(issues, prefix),
  }: { positionals?: boolean; prefix?: string; wording?: (issues: Issues) => string } = {},
): { flags: z.output<S>; positionals: string[] } {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const checked = schema.safeParse(parsed.values);
  if (!checked.success) throw new UsageError(wording(checked.error.issues));
  return { flags: checked.data, positionals: parsed.positionals };
}

/**
 * Usage errors and node:util parseArgs's errors (unknown option, missing value: codes ERR_PARSE_ARGS_*) are bad
 * input (exit 2); commands add their libs' bad-input errors to this.
 */
export const isUsageError = (e: unknown): boolean =>
  e instanceof UsageError ||
  (e instanceof Error && String((e as Error & { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'));
