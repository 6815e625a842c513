import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

/** Where a command writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

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
export function parseFlags<S extends z.ZodType>(schema: S, values: unknown, command: string, io: CliIo): z.output<S> | undefined {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  io.err(`transfusion models ${command}: ${parsed.error.issues.map((i) => i.message).join('; ')}\n`);
  return undefined;
}

/** The cpu backend, with prod mode silencing tfjs's "install tfjs-node" banner (it cannot be installed offline). */
export async function useCpuBackend(): Promise<void> {
  tf.enableProdMode();
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
}
