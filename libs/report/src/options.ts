import { z } from 'zod';
import { ReportError } from './errors.js';

/** Criteria of the findings and rendering knobs. Every criterion is printed beside its verdict. */
export const reportOptionsSchema = z
  .object({
    /** Statements 1 and 2: an AUC difference up to this (as a fraction, 0.01 = 1 point) counts as "small". */
    aucTolerance: z.number().positive().max(0.5).default(0.01),
    /** Statement 3: the large models' transfer gain must exceed the small models' by at least this. */
    transferGainMargin: z.number().nonnegative().max(0.5).default(0.005),
    /** Statement 4: a Rand–Rand minus Rand–Pretrained gap above this counts as a real gap. */
    ccaGapMargin: z.number().nonnegative().max(1).default(0.01),
    /**
     * Convergence threshold of steps-to-threshold, relative to each task (never an absolute AUC): chance +
     * `thresholdFraction` × (the task's best final validation AUC − chance).
     */
    thresholdFraction: z.number().gt(0).max(1).default(0.9),
    /** Statements 2–5 compare "large" and "small" models only when the large one has at least this many times the parameters. */
    largeModelRatio: z.number().gt(1).default(5),
    /** A comparison needs at least this many seeds on each side (else "not testable"): a seed spread needs two. */
    minSeeds: z.number().int().min(2).default(2),
    /** Statement 7: share of the full-transfer speed-up that transfusing up to block1 must recover. */
    recoveredFraction: z.number().gt(0).max(1).default(0.5),
    /** PNG pixel density relative to the SVG size. */
    pngScale: z.number().min(1).max(4).default(2),
  })
  .strict();
export type ReportOptions = z.infer<typeof reportOptionsSchema>;
export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;

export function parseReportOptions(input: unknown = {}): ReportOptions {
  const parsed = reportOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(root)';
    throw new ReportError(`report options: ${path}: ${issue.message}`, 'invalid-options', path);
  }
  return parsed.data;
}
