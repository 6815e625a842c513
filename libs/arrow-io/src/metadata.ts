import { z } from 'zod';
import { ArrowArgumentError } from './errors.js';
import { KIND_KEY } from './parse-file.js';

export const DTYPE_KEY = 'transfusion.dtype';
export const SHAPE_KEY = 'transfusion.shape';
const RESERVED = [KIND_KEY, DTYPE_KEY, SHAPE_KEY];

const metaSchema = z.record(z.string(), z.string()).optional();

/** Validates user metadata: string keys and values, none of the keys this lib writes itself. */
export function checkUserMeta(meta: unknown): Record<string, string> {
  const r = metaSchema.safeParse(meta);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ArrowArgumentError(
      `meta${issue?.path.length ? `.${issue.path.join('.')}` : ''}`,
      `expected a record of string values (${issue?.message ?? 'invalid'})`,
    );
  }
  const out = r.data ?? {};
  for (const k of RESERVED) {
    if (k in out) throw new ArrowArgumentError(`meta["${k}"]`, 'is reserved: this lib writes it itself');
  }
  return out;
}

export function toMetaMap(meta: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(meta));
}

/** Parses a shape stored as a JSON array; null if malformed. */
export function parseShape(text: string | undefined): number[] | null {
  if (text === undefined) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d >= 0)) return null;
  return v as number[];
}
