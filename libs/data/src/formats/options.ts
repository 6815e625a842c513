import { z } from 'zod';
import { splitFractionsSchema } from '../split.js';

/** Options shared by every real-format loader. */
export const loaderBaseSchema = z.object({
  /** Dataset root folder. */
  root: z.string().min(1),
  /** Bad rows: 'skip' reports and continues, 'fail' stops at the first one. */
  onBadRow: z.enum(['skip', 'fail']).default('skip'),
  /** Seed of the patient-level split. */
  seed: z.number().int().min(0).default(0),
  /** Check that every image file exists inside the root (turn off only for huge indexes you trust). */
  checkFiles: z.boolean().default(true),
});
