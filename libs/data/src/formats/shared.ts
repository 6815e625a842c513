import path from 'node:path';
import { DataError, formatZodIssues } from '../errors.js';
import type { RejectLog } from '../manifest.js';
import type { DatasetRoot } from '../safe-path.js';
import type { z } from 'zod';

export function parseLoaderOptions<S extends z.ZodType>(schema: S, options: unknown, format: string): z.infer<S> {
  const r = schema.safeParse(options);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `${format} options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/**
 * Resolves an index path inside the root, or rejects the row (path escape, missing file) and returns undefined.
 * With checkFiles off only the lexical escape checks run.
 */
export async function resolveRowPath(
  files: DatasetRoot,
  rel: string,
  checkFiles: boolean,
  log: RejectLog,
  where: { file: string; line: number; id: string },
): Promise<string | undefined> {
  if (checkFiles) {
    const r = await files.resolve(rel);
    if (r.ok) return r.path;
    log.reject({ ...where, reason: r.reason, message: r.message });
    return undefined;
  }
  const full = path.resolve(files.root, rel);
  const inside = path.relative(path.resolve(files.root), full);
  if (path.isAbsolute(rel) || inside.startsWith('..') || rel.includes('\0')) {
    log.reject({ ...where, reason: 'path-escape', message: `"${rel}" escapes the dataset root` });
    return undefined;
  }
  return full;
}

/** Parses an integer grade in [0, max]; undefined when the cell is anything else. */
export function parseGrade(cell: string, max: number): number | undefined {
  const s = cell.trim();
  if (!/^\d+(\.0+)?$/.test(s)) return undefined;
  const v = Number(s);
  return v <= max ? v : undefined;
}
