import type { z } from 'zod';

/** One bad benchmark option: its key and what is wrong with it. */
export interface BenchOptionIssue {
  option: string;
  message: string;
}

/** Benchmark options that do not pass their schema; `issues` names each bad option. */
export class BenchOptionsError extends Error {
  override readonly name = 'BenchOptionsError';
  constructor(readonly issues: BenchOptionIssue[]) {
    super(issues.map((i) => `${i.option}: ${i.message}`).join('; '));
  }
}

/** Parses benchmark options with their schema, or throws a BenchOptionsError naming every problem. */
export function parseBenchOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new BenchOptionsError(
    parsed.error.issues.map((i) => ({ option: i.path.join('.') || 'options', message: i.message })),
  );
}
