import type { z } from 'zod';
import { createImageSetWriter } from './artifact.js';
import { importResumable, type ResumeOptions } from './import-resume.js';
import { DataError, formatZodIssues, rejectedToError, type RejectedRow } from './errors.js';
import { concatImageSets, packSamples, type ImageSet } from './image-set.js';
import { applyUncertaintyPolicy } from './labels.js';
import type { Manifest, ManifestRow } from './manifest.js';
import { convertChannels, outputSide, preprocessFile, type ResolvedPreprocess } from './preprocess.js';
import { importOptionsSchema, type ImportOptions } from './import-options.js';

// The options schema lives in import-options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { importOptionsSchema, type ImportOptions };

export interface ImportProgress {
  done: number;
  total: number;
  rejected: number;
}

export interface ImportResult {
  set: ImageSet;
  /** Rows rejected by the index loader and while decoding, in that order. */
  rejected: RejectedRow[];
}

export function parse(o: ImportOptions): z.infer<typeof importOptionsSchema> {
  const r = importOptionsSchema.safeParse(o);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `import options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/** Training targets of one row from its raw labels and the manifest's policy. */
export function rowTargets(m: Manifest, row: ManifestRow): { labels: number[]; mask: number[] } {
  if (m.task.kind === 'multilabel') {
    return applyUncertaintyPolicy(row.raw, m.policy?.uncertainty ?? 'ignore', m.policy?.blank ?? 'zero');
  }
  return { labels: row.raw.slice(), mask: row.raw.map(() => 1) };
}

export function selectRows(m: Manifest, o: z.infer<typeof importOptionsSchema>): ManifestRow[] {
  let rows = o.splits ? m.rows.filter((r) => o.splits!.includes(r.split)) : m.rows;
  if (o.limit !== undefined) rows = rows.slice(0, o.limit);
  return rows;
}

/**
 * Decodes and preprocesses the rows of an index in order, in chunks. Unreadable or truncated images become
 * rejected rows ('unreadable-image') or stop the import when onBadRow is 'fail'.
 */
export async function* importChunks(
  m: Manifest,
  options: ImportOptions,
  onProgress?: (p: ImportProgress) => void,
  /** Resume: start at this index of the selected rows, with the channel count an 'auto' import found before. */
  from: { row: number; channels?: number; rejected?: number } = { row: 0 },
): AsyncGenerator<{
  chunk: ImageSet;
  rejected: RejectedRow[];
  keptRows: number[];
  rejectedRows: number[];
  end: number;
}> {
  const o = parse(options);
  const rows = selectRows(m, o);
  const pre: ResolvedPreprocess = o.preprocess;
  let done = from.row;
  let rejectedCount = from.rejected ?? 0;
  let channels: number | undefined = pre.channels === 'auto' ? from.channels : pre.channels;
  for (let start = from.row; start < rows.length; start += o.chunkSize) {
    const part = rows.slice(start, start + o.chunkSize);
    const results: ({ ok: true; data: Uint8Array; channels: number } | { ok: false; error: Error })[] = new Array(
      part.length,
    );
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < part.length) {
        const i = next++;
        try {
          const img = await preprocessFile(
            part[i]!.path,
            channels === undefined ? pre : { ...pre, channels: channels as 1 | 3 },
          );
          results[i] = { ok: true, data: img.data, channels: img.channels };
        } catch (e) {
          results[i] = { ok: false, error: e as Error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, part.length) }, worker));
    const rejected: RejectedRow[] = [];
    const kept: { row: ManifestRow; data: Uint8Array }[] = [];
    const keptRows: number[] = [];
    const rejectedRows: number[] = [];
    results.forEach((r, i) => {
      const row = part[i]!;
      if (r.ok) {
        // 'auto' channels: the first decodable image fixes the set's channel count; later ones are converted
        if (channels === undefined) channels = r.channels;
        kept.push({ row, data: r.channels === channels ? r.data : convertChannels(r.data, r.channels, channels) });
        keptRows.push(start + i);
      } else {
        const rej: RejectedRow = {
          file: row.source.file,
          line: row.source.line,
          id: row.id,
          reason: 'unreadable-image',
          message: r.error.message,
        };
        if (o.onBadRow === 'fail') throw rejectedToError(rej);
        rejected.push(rej);
        rejectedRows.push(start + i);
      }
    });
    done += part.length;
    rejectedCount += rejected.length;
    onProgress?.({ done, total: rows.length, rejected: rejectedCount });
    const chunk = packSamples(
      kept.map(({ row, data }) => ({
        image: data,
        ...rowTargets(m, row),
        id: row.id,
        patient: row.patient,
        split: row.split,
      })),
      {
        name: m.format,
        height: outputSide(pre),
        width: outputSide(pre),
        channels: channels ?? 1,
        task: m.task,
        meta: {},
      },
    );
    yield {
      chunk,
      rejected,
      keptRows,
      rejectedRows,
      end: start + part.length,
    };
  }
}

export function setMeta(m: Manifest, pre: ResolvedPreprocess): Record<string, string> {
  return {
    format: m.format,
    root: m.root,
    preprocess: JSON.stringify(pre),
    ...(m.policy ? { policy: JSON.stringify(m.policy) } : {}),
  };
}

/** Imports a whole index into memory. */
export async function importManifest(
  m: Manifest,
  options: ImportOptions,
  onProgress?: (p: ImportProgress) => void,
): Promise<ImportResult> {
  const o = parse(options);
  const chunks: ImageSet[] = [];
  const rejected: RejectedRow[] = [...m.rejected];
  for await (const { chunk, rejected: r } of importChunks(m, o, onProgress)) {
    chunks.push(chunk);
    rejected.push(...r);
  }
  const n = chunks.reduce((a, c) => a + c.ids.length, 0);
  if (n === 0)
    throw new DataError(
      'DATA_EMPTY',
      `${m.format} dataset at ${m.root}: no image could be imported (${rejected.length} rejected)`,
      { file: m.root },
    );
  const first = chunks.find((c) => c.ids.length > 0)!;
  const set = concatImageSets(
    chunks.filter((c) => c.ids.length > 0),
    first,
  );
  return {
    set: { ...set, meta: setMeta(m, o.preprocess) },
    rejected,
  };
}

/**
 * Imports an index straight into a sharded Arrow dataset artifact (memory stays at one chunk). With `resume`, the
 * import can be interrupted and rerun: see importResumable.
 */
export async function importManifestToArrow(
  m: Manifest,
  file: string,
  options: ImportOptions & { shardSize?: number },
  onProgress?: (p: ImportProgress) => void,
  resume?: ResumeOptions,
): Promise<{ rows: number; shards: number; rejected: RejectedRow[] }> {
  if (resume) return importResumable(m, file, options, resume, onProgress);
  const { shardSize, ...rest } = options;
  const o = parse(rest);
  const rejected: RejectedRow[] = [...m.rejected];
  let writer: Awaited<ReturnType<typeof createImageSetWriter>> | undefined;
  try {
    for await (const { chunk, rejected: r } of importChunks(m, o, onProgress)) {
      rejected.push(...r);
      if (chunk.ids.length === 0) continue;
      writer ??= await createImageSetWriter(
        file,
        {
          name: m.format,
          height: chunk.height,
          width: chunk.width,
          channels: chunk.channels,
          dtype: 'uint8',
          task: m.task,
          meta: setMeta(m, o.preprocess),
        },
        shardSize ?? 512,
      );
      await writer.write(chunk);
    }
  } catch (e) {
    await writer?.abort();
    throw e;
  }
  if (!writer)
    throw new DataError(
      'DATA_EMPTY',
      `${m.format} dataset at ${m.root}: no image could be imported (${rejected.length} rejected)`,
      { file: m.root },
    );
  const r = await writer.close();
  return { ...r, rejected };
}
