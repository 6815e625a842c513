import { z } from 'zod';
import { CcaError } from './errors.js';
import { linalgModeSchema } from './linalg-mode.js';

export const METHODS = ['mean', 'svcca', 'pwcca', 'pwcca-google', 'cka', 'cka-debiased'] as const;
export type Method = (typeof METHODS)[number];

export const similarityOptionsSchema = z
  .object({
    /** Neurons with variance < neuronEps · (max variance in the layer) are dropped and reported. */
    neuronEps: z.number().min(0).lt(1).default(1e-10),
    /** google/svcca's `epsilon` for `pwcca-google`: neurons with variance < ε · max variance are dropped and ε · max
     * variance is added to the others (their ridge); 0 (their default) keeps constant neurons. */
    googleNeuronEps: z.number().min(0).lt(1).default(0),
    /** SVCCA: keep the fewest principal directions whose share of the total reaches this fraction. */
    svccaKeep: z.number().gt(0).max(1).default(0.99),
    /** SVCCA: share of Σσ² ('variance', the SVCCA paper) or of Σσ ('singular', anatome / tutorial text). */
    svccaCriterion: z.enum(['variance', 'singular']).default('variance'),
    /** SVCCA: keep exactly this many directions per layer instead (the google tutorial uses 20). */
    svccaDims: z.number().int().positive().optional(),
    /** Allow N ≤ neurons, where every canonical correlation is 1 and CCA-type values are meaningless. */
    allowUnderdetermined: z.boolean().default(false),
    /** Threshold of google's `mean` (reported next to the plain mean for method 'mean'). */
    googleMeanThreshold: z.number().gt(0).max(1).default(0.98),
    /** Products and decompositions: 'auto' (OpenBLAS/LAPACK when built, else TypeScript), 'native' or 'typescript'. */
    linalg: linalgModeSchema.default('auto'),
  })
  .strict();

export type SimilarityOptions = z.input<typeof similarityOptionsSchema>;
export type ResolvedOptions = z.output<typeof similarityOptionsSchema>;

export function resolveOptions(o: SimilarityOptions | undefined): ResolvedOptions {
  const r = similarityOptionsSchema.safeParse(o ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new CcaError('CCA_BAD_OPTIONS', `invalid option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** Parses a method list such as "mean,svcca,cka" (also accepts an array), rejecting unknown names. */
export function parseMethods(spec: string | readonly string[]): Method[] {
  const names = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0)
    throw new CcaError('CCA_BAD_OPTIONS', `no method given; expected some of ${METHODS.join(', ')}`);
  const out: Method[] = [];
  for (const name of names) {
    if (!(METHODS as readonly string[]).includes(name)) {
      throw new CcaError('CCA_BAD_OPTIONS', `unknown method "${name}"; expected one of ${METHODS.join(', ')}`);
    }
    if (!out.includes(name as Method)) out.push(name as Method);
  }
  return out;
}
