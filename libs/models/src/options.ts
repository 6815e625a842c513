import type { z } from 'zod';
import { ModelsError } from './errors.js';

/** zod-validates an options object; the error names the function and each bad field. */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, fn: string): z.output<S> {
  const r = schema.safeParse(options);
  if (!r.success) {
    const issues = r.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`)
      .join('; ');
    throw new ModelsError('BAD_OPTIONS', `${fn}: invalid options: ${issues}`);
  }
  return r.data;
}
