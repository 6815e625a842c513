import { z } from 'zod';
import { mixSeed } from '@transfusion/random';
import type { Split } from './image-set.js';

/** Fractions of patients per split; they must sum to 1. */
export const splitFractionsSchema = z
  .object({ train: z.number().min(0).max(1), val: z.number().min(0).max(1), test: z.number().min(0).max(1) })
  .strict()
  .refine((f) => Math.abs(f.train + f.val + f.test - 1) < 1e-6, { message: 'train + val + test must sum to 1' });
export type SplitFractions = z.infer<typeof splitFractionsSchema>;

export const DEFAULT_SPLIT: SplitFractions = { train: 0.7, val: 0.15, test: 0.15 };

/** 32-bit FNV-1a of a string (UTF-16 code units). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Split of a patient, a pure function of (patient id, seed): every image of one patient lands in the
 * same split, and adding or removing other patients never moves it.
 */
export function splitForPatient(patient: string, seed: number, fractions: SplitFractions = DEFAULT_SPLIT): Split {
  const u = mixSeed(hashString(patient), seed, 0x5eed) / 4294967296;
  if (u < fractions.train) return 'train';
  if (u < fractions.train + fractions.val) return 'val';
  return 'test';
}
