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
     * Convergence threshold for steps-to-threshold: an absolute validation AUC applied to every task (the paper
     * used 0.91 on its EyePACS RETINA data). When unset (the default, and what pipelines should use) the level is
     * relative to each task: chance + `thresholdFraction` × (the lowest best-AUC among the compared inits − chance).
     */
    convergenceThreshold: z.number().gt(0).lt(1).optional(),
    thresholdFraction: z.number().gt(0).max(1).default(0.9),
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
