// Benchmark flags to benchmark options: `--generate-only` is the option generateOnly; the benchmark's schema checks
// (and coerces) the values, and its errors name the flags again.
import type { BenchOptionsError } from '@transfusion/bench';
import { UsageError } from '@transfusion/pipeline';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (option: string) => option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The given flags (absent ones left out) as options keyed the benchmark's way. */
export function benchOptionsFromFlags(values: Record<string, unknown>): Record<string, unknown> {
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
