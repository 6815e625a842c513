// Benchmark flags to benchmark options: `--generate-only` is the option generateOnly; the benchmark's schema checks
// (and coerces) the values, and its errors name the flags again.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BenchOptionsError } from '@transfusion/bench';
import { UsageError } from '@transfusion/pipeline';
import type { CommandIo } from '../../command.js';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (option: string) => option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A benchmark's flags (strict; --json and -h/--help added) as its options and whether to print JSON; null once
 * --help has printed `help`. A bad flag is parseArgs's error, which `transfusion bench` reports as bad input.
 */
export function benchArgs(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  help: string,
  io: CommandIo,
): { json: boolean; options: Record<string, unknown> } | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values['help']) {
    io.stdout(help);
    return null;
  }
  const { json, help: _, ...flags } = values;
  return { json: Boolean(json), options: benchOptionsFromFlags(flags) };
}

/** The given flags (absent ones left out) as options keyed the benchmark's way. */
function benchOptionsFromFlags(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [camel(k), v]),
  );
}

/** A benchmark's option error as a usage error naming the flags (`--import-size: ...`). */
export function asUsageError(e: BenchOptionsError): UsageError {
  return new UsageError(e.issues.map((i) => `--${kebab(i.option)}: ${i.message}`).join('; '));
}
