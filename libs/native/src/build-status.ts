// build-native's record of what it built (build/native-status.json): why there is no addon, the OpenBLAS
// outcome, and the hash of the sources the addon was compiled from. One reader for the loaders.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const STATUS_PATH = fileURLToPath(new URL('../build/native-status.json', import.meta.url));

const buildStatusSchema = z.object({
  ok: z.boolean(),
  reason: z.string().optional(),
  sources: z.string().optional(),
  blas: z.object({ ok: z.boolean(), reason: z.string().optional() }).optional(),
});
export type BuildStatus = z.infer<typeof buildStatusSchema>;

/** The status file's content, 'missing', or why it cannot be read (a message naming the file). */
export function readBuildStatus(path = STATUS_PATH): BuildStatus | 'missing' | { unreadable: string } {
  if (!existsSync(path)) return 'missing';
  try {
    return buildStatusSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    return { unreadable: `${path}: unreadable build status (${(err as Error).message})` };
  }
}
