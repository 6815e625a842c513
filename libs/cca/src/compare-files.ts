// Similarity of two activation files (.npy or Arrow tensors), end to end: read, accumulate the statistics in
// parallel, compute the methods. What `transfusion cca A B` and the CCA benchmark call.
import { z } from 'zod';
import { CcaError } from './errors.js';
import { linalgModeSchema, resolveLinalg } from './linalg.js';
import { pairMomentsParallel } from './moments.js';
import { METHODS, similarityOptionsSchema } from './options.js';
import { readActivations } from './read-activations.js';
import type { SimilarityResult } from './results.js';
import { similarityFromMomentsParallel } from './similarity.js';

export const compareFilesOptionsSchema = z
  .object({
    methods: z.array(z.enum(METHODS)).min(1).default(['mean']),
    /** Method options (neuronEps, svccaKeep, ...); `linalg` is taken from the field below. */
    similarity: similarityOptionsSchema.omit({ linalg: true }).partial().default({}),
    /** Threads for the statistics and decompositions (default: available cores). */
    threads: z.number().int().positive().optional(),
    linalg: linalgModeSchema.default('auto'),
  })
  .strict();

export type CompareFilesOptions = z.input<typeof compareFilesOptionsSchema>;

export interface CompareFilesResult {
  a: { rows: number; cols: number };
  b: { rows: number; cols: number };
  /** The linear algebra used, e.g. "OpenBLAS 0.3.26" or "TypeScript". */
  linalg: string;
  results: SimilarityResult[];
  seconds: { statistics: number; total: number };
}

/** Compares the activations in fileA and fileB; `log` receives one progress line at a time (no newline). */
export async function compareActivationFiles(
  fileA: string,
  fileB: string,
  options: CompareFilesOptions = {},
  log: (line: string) => void = () => undefined,
): Promise<CompareFilesResult> {
  const parsed = compareFilesOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CcaError('CCA_BAD_OPTIONS', `invalid option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const o = parsed.data;
  const t0 = performance.now();
  const [a, b] = await Promise.all([readActivations(fileA), readActivations(fileB)]);
  log(`A ${a.rows}×${a.cols}, B ${b.rows}×${b.cols}; accumulating statistics…`);
  const parallel = { ...(o.threads === undefined ? {} : { threads: o.threads }), linalg: o.linalg };
  const linalg = resolveLinalg(o.linalg).description;
  log(`linear algebra: ${linalg}`);
  const m = await pairMomentsParallel(a, b, parallel, fileA, fileB);
  const statistics = (performance.now() - t0) / 1000;
  log(`statistics in ${statistics.toFixed(2)} s; computing ${o.methods.join(', ')}…`);
  const results = await similarityFromMomentsParallel(m, o.methods, { ...o.similarity, linalg: o.linalg }, parallel);
  const total = (performance.now() - t0) / 1000;
  log(`done in ${total.toFixed(2)} s`);
  return {
    a: { rows: a.rows, cols: a.cols },
    b: { rows: b.rows, cols: b.cols },
    linalg,
    results,
    seconds: { statistics, total },
  };
}
