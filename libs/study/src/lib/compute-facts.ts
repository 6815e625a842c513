// The compute facts of the libs the stages run on, for the stages' cache keys: libs/train knows its kernels and
// libs/cca its linear algebra. Imported when the engine asks, from the libs' light entries (the addon, not tfjs or
// Arrow), so planning a pipeline stays fast.

/** libs/train's `computeFacts`: the native oneDNN kernels serving training and inference, and their build. */
export async function trainingComputeFacts(): Promise<Record<string, string>> {
  const { computeFacts } = await import('@transfusion/train/compute-facts');
  return computeFacts();
}

/** libs/cca's `linalgFacts`: OpenBLAS/LAPACK (and the addon build) or the TypeScript kernels. */
export async function linalgFacts(): Promise<Record<string, string>> {
  const { linalgFacts: facts } = await import('@transfusion/cca/linalg-facts');
  return facts();
}
