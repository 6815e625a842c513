// Resumable imports: every shard is its own Arrow file in a work folder, committed atomically, and a progress
// file (also atomic) says which shards are complete and where in the index the next one starts. A rerun with
// the same index and options keeps those shards and decodes only the rest; the artifact is assembled from the
// shards at the end. The shard boundaries are the same however often the import was interrupted, so a resumed
// import writes the same file as an uninterrupted one.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBatchWriter, openArrowFile } from '@transfusion/arrow-io';
import { z } from 'zod';
import { concatImageSets, sliceImageSet, type ImageSet } from './image-set.js';
import { createImageSetWriter, imageSetSchema, type ImageSetHeader } from './artifact.js';
import { DataError, type RejectedRow } from './errors.js';
import { importChunks, parse, selectRows, setMeta, type ImportOptions, type ImportProgress } from './import.js';
import type { Manifest } from './manifest.js';

export interface ResumeOptions {
  /** Folder kept across attempts (completed shards and `progress.json`); the caller removes it after success. */
  workDir: string;
  /** Called after each shard is committed (tests interrupt the import here by throwing). */
  onShard?: (shard: number, rowsDone: number) => void;
  /** Told how many rows and shards a rerun found already done. */
  onResume?: (info: { shards: number; rows: number }) => void;
}

const rejectedSchema = z.object({
  file: z.string(),
  line: z.number(),
  id: z.string().optional(),
  reason: z.string(),
  message: z.string(),
});
const progressSchema = z.object({
  format: z.literal('transfusion-import-progress/1'),
  /** Digest of the index and the options: progress of another import is not reused. */
  key: z.string(),
  channels: z.number().int().positive().optional(),
  shards: z.array(
    z.object({ file: z.string(), rows: z.number().int().positive(), next: z.number().int().nonnegative() }),
  ),
  /** Rows rejected before the last complete shard's `next`, with their index in the selected rows. */
  rejected: z.array(z.object({ idx: z.number().int().nonnegative(), row: rejectedSchema })),
});
type Progress = z.infer<typeof progressSchema>;

const PROGRESS = 'progress.json';

function importKey(m: Manifest, o: ReturnType<typeof parse>, shardSize: number): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ v: 1, format: m.format, root: m.root, task: m.task, policy: m.policy ?? null, o, shardSize }),
  );
  for (const r of selectRows(m, o)) h.update(`${r.id}\0${r.path}\0${r.split}\0${r.patient}\0${r.raw.join(',')}\n`);
  return h.digest('hex');
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** The progress of an earlier attempt of the same import, with only the shards still on disk in order. */
async function loadProgress(dir: string, key: string): Promise<Progress | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, PROGRESS), 'utf8'));
  } catch {
    return undefined;
  }
  const p = progressSchema.safeParse(raw);
  if (!p.success || p.data.key !== key) return undefined;
  const kept = [];
  for (const s of p.data.shards) {
    if (!existsSync(path.join(dir, s.file))) break;
    kept.push(s);
  }
  // rejected rows after the last kept shard are found again when those rows are decoded again
  const next = kept.at(-1)?.next ?? 0;
  return { ...p.data, shards: kept, rejected: p.data.rejected.filter((r) => r.idx < next) };
}

/**
 * importManifestToArrow with resume: shards go to `workDir`, then are joined into `file` (written atomically).
 * Memory: one chunk plus one shard. An interrupted run leaves the completed shards and progress; a rerun with the
 * same index and options continues after the last complete shard.
 */
export async function importResumable(
  m: Manifest,
  file: string,
  options: ImportOptions & { shardSize?: number },
  resume: ResumeOptions,
  onProgress?: (p: ImportProgress) => void,
): Promise<{ rows: number; shards: number; rejected: RejectedRow[] }> {
  const { shardSize: size, ...rest } = options;
  const shardSize = size ?? 512;
  const o = parse(rest);
  const dir = resume.workDir;
  await mkdir(dir, { recursive: true });
  const key = importKey(m, o, shardSize);
  const loaded = await loadProgress(dir, key);
  const state: Progress =
    loaded && loaded.shards.length > 0
      ? loaded
      : { format: 'transfusion-import-progress/1', key, shards: [], rejected: [] };
  if (state.shards.length > 0) resume.onResume?.({ shards: state.shards.length, rows: state.shards.at(-1)!.next });
  const from = state.shards.at(-1)?.next ?? 0;
  const header = (channels: number): ImageSetHeader => ({
    name: m.format,
    height: o.preprocess.size,
    width: o.preprocess.size,
    channels,
    dtype: 'uint8',
    task: m.task,
    meta: setMeta(m, o.preprocess),
  });
  let first: ImageSet | undefined; // the decoded set's real height/width (outputSide), from the first chunk
  let pending: ImageSet[] = [];
  let pendingIdx: number[] = [];
  const pendingRejected: { idx: number; row: RejectedRow }[] = [];

  const commitShard = async (rows: ImageSet, next: number): Promise<void> => {
    const name = `shard-${String(state.shards.length).padStart(6, '0')}.arrow`;
    const w = await createImageSetWriter(
      path.join(dir, name),
      { ...header(rows.channels), height: rows.height, width: rows.width },
      shardSize,
    );
    try {
      await w.write(rows);
    } catch (e) {
      await w.abort();
      throw e;
    }
    await w.close();
    state.channels = rows.channels;
    state.shards.push({ file: name, rows: rows.ids.length, next });
    while (pendingRejected.length && pendingRejected[0]!.idx < next) state.rejected.push(pendingRejected.shift()!);
    await writeAtomic(path.join(dir, PROGRESS), JSON.stringify(state));
    resume.onShard?.(state.shards.length - 1, next);
  };

  const total = selectRows(m, o).length;
  const fromRejected = state.rejected.length;
  for await (const c of importChunks(m, o, onProgress, {
    row: from,
    ...(state.channels ? { channels: state.channels } : {}),
    rejected: fromRejected,
  })) {
    c.rejectedRows.forEach((idx, i) => pendingRejected.push({ idx, row: c.rejected[i]! }));
    if (c.chunk.ids.length === 0) continue;
    first ??= c.chunk;
    pending.push(c.chunk);
    pendingIdx.push(...c.keptRows);
    while (pendingIdx.length >= shardSize) {
      const all = concatImageSets(pending, first);
      const isLast = pendingIdx.length === shardSize && c.end === total;
      await commitShard(sliceImageSet(all, 0, shardSize), isLast ? total : pendingIdx[shardSize - 1]! + 1);
      const restRows = sliceImageSet(all, shardSize, all.ids.length);
      pending = restRows.ids.length ? [restRows] : [];
      pendingIdx = pendingIdx.slice(shardSize);
    }
  }
  if (pendingIdx.length > 0) await commitShard(concatImageSets(pending, first!), total);
  while (pendingRejected.length) state.rejected.push(pendingRejected.shift()!);
  if (state.shards.length === 0) {
    throw new DataError(
      'DATA_EMPTY',
      `${m.format} dataset at ${m.root}: no image could be imported (${m.rejected.length + state.rejected.length} rejected)`,
      { file: m.root },
    );
  }
  // Join the shards: one record batch each, copied batch by batch (memory: one shard).
  const firstShard = await openArrowFile(path.join(dir, state.shards[0]!.file));
  const schema = firstShard.info.schema;
  await firstShard.close();
  const out = await createBatchWriter(file, imageSetSchema(headerFromSchema(schema)));
  let rows = 0;
  try {
    for (const s of state.shards) {
      const f = await openArrowFile(path.join(dir, s.file));
      try {
        for (let i = 0; i < f.info.numBatches; i++) await out.write(await f.batch(i));
        rows += f.info.numRows;
      } finally {
        await f.close();
      }
    }
  } catch (e) {
    await out.abort();
    throw e;
  }
  await out.close();
  return {
    rows,
    shards: state.shards.length,
    rejected: [...m.rejected, ...state.rejected.map((r) => r.row as RejectedRow)],
  };
}

/** The header a shard was written with (all shards share it). */
function headerFromSchema(schema: import('apache-arrow').Schema): ImageSetHeader {
  const meta = (k: string) => schema.metadata.get(k) ?? '';
  const [height, width, channels] = JSON.parse(meta('transfusion.shape')) as [number, number, number];
  return {
    name: meta('transfusion.name'),
    height,
    width,
    channels,
    dtype: 'uint8',
    task: JSON.parse(meta('transfusion.task')) as ImageSetHeader['task'],
    meta: JSON.parse(meta('transfusion.meta')) as Record<string, string>,
  };
}

/** Removes an import's work folder (after the artifact is safely written). */
export async function removeImportWork(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
