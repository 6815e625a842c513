// Flag values shared by the `transfusion models` commands, and how their problems are reported.
import { z } from 'zod';
import type { CommandIo } from '../../command.js';

export const intFlag = (flag: string) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a positive integer`)
    .transform(Number)
    .refine((n) => n >= 1, `${flag} must be at least 1`);

export const widthFlag = z
  .string()
  .regex(/^\d*\.?\d+$/, '--width must be a positive number')
  .transform(Number)
  .refine((n) => n > 0 && n <= 16, '--width must be in (0, 16]')
  .default(1);

/** Validates parsed flags; on failure prints every problem and returns undefined (exit code 2). */
export function parseFlags<S extends z.ZodType>(
  schema: S,
  values: unknown,
  command: string,
  io: CommandIo,
): z.output<S> | undefined {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  io.stderr(`transfusion models ${command}: ${parsed.error.issues.map((i) => i.message).join('; ')}\n`);
  return undefined;
}
