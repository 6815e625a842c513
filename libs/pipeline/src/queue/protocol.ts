import { z } from 'zod';

/**
 * What coordinator and workers agree on besides the job payload (a `StageTask`): queue names, the progress a
 * worker reports while it holds a job, and the value it returns.
 */
export const RESOURCE_CLASSES = ['cpu', 'gpu'] as const;
export type ResourceClass = (typeof RESOURCE_CLASSES)[number];

/** BullMQ key prefix: several studies can share one Redis under different prefixes. */
export const DEFAULT_PREFIX = 'transfusion';

/** One queue per resource class, e.g. `transfusion:gpu:*` in Redis. */
export function queueName(resources: ResourceClass): string {
  return resources;
}

export const prefixSchema = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ., _ or -');

/** `job.updateProgress(...)`: who holds the job, which attempt, and the stage's latest log line. */
export const jobProgressSchema = z.object({
  worker: z.string(),
  attempt: z.number().int().positive(),
  line: z.string().optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

/** The job's return value: the record itself lives in the shared store. */
export const jobResultSchema = z.object({
  status: z.enum(['ran', 'cached']),
  worker: z.string(),
  host: z.string(),
  store: z.string(),
});
export type JobResult = z.infer<typeof jobResultSchema>;
