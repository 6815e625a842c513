import { z } from 'zod';

/** What the engine hands a stage-runner process (as a JSON file in the attempt folder). */
export const jobSchema = z.object({
  registry: z.string(),
  stage: z.string(),
  instance: z.string(),
  params: z.unknown(),
  /** Kinds by name: the stage process resolves them with its registry (`kindsOf`). */
  inputs: z.record(z.string(), z.object({ kind: z.string(), many: z.boolean(), paths: z.array(z.string()) })),
  outputs: z.record(z.string(), z.string()),
  outDir: z.string(),
  /** The stage's working folder: kept across attempts of the same key, removed by the engine after the commit. */
  workDir: z.string(),
  pipelineDir: z.string(),
});
export type Job = z.infer<typeof jobSchema>;
