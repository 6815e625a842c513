import { UsageError } from '@transfusion/pipeline';

/** Runs node:util parseArgs (strict); an unknown flag or a missing value becomes a usage error naming it (exit 2). */
export function parseFlags<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(`transfusion ${command}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (see transfusion ${command} --help)`);
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

/** Flags every pipeline command shares (run, explain, status). */
export const PIPELINE_FLAGS = {
  help: { type: 'boolean', short: 'h' },
  set: { type: 'string', multiple: true },
  store: { type: 'string' },
  registry: { type: 'string' },
  json: { type: 'boolean' },
} as const;
