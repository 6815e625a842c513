import { createHash } from 'node:crypto';
import { opendir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { sha256File } from './hash.js';

/**
 * Files up to this size are keyed by content: label CSVs, split lists, small archives. Larger ones (images of a
 * 35 GB dataset, a 300 MB .npz) by size and modification time, as make and DVC's quick check do, so a run does not
 * read the whole image set to find nothing changed; `touch` a file to force its stage to rerun.
 */
export const CONTENT_HASH_LIMIT = 16 * 1024 * 1024;

/** What the cache key holds for one external data path: a digest of its listing, and counts for `explain`. */
export interface DataFingerprint {
  hash: string;
  files: number;
  bytes: number;
}

export class DataPathError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
    this.name = 'DataPathError';
  }
}

async function fileLine(abs: string, rel: string, size: number, mtimeNs: bigint): Promise<string> {
  const id = size <= CONTENT_HASH_LIMIT ? `sha256:${await sha256File(abs)}` : `mtime:${mtimeNs}`;
  return `${rel}\t${size}\t${id}\n`;
}

/**
 * Every regular file under `dir` (symlinks followed, each folder once: a link back up the tree is not a loop),
 * as paths relative to it, in a stable order.
 */
async function* walk(dir: string, seen: Set<string>, rel = ''): AsyncGenerator<string> {
  const id = await stat(dir, { bigint: true });
  const key = `${id.dev}:${id.ino}`;
  if (seen.has(key)) return;
  seen.add(key);
  const entries: string[] = [];
  for await (const e of await opendir(dir)) entries.push(e.name);
  entries.sort();
  for (const name of entries) {
    const r = rel ? `${rel}/${name}` : name;
    const s = await stat(join(dir, name)).catch(() => null); // a dangling link is not data
    if (s?.isDirectory()) yield* walk(join(dir, name), seen, r);
    else if (s?.isFile()) yield r;
  }
}

/**
 * The weight shards a tfjs layers model.json lists (`weightsManifest[].paths`, relative to it): the model is its
 * model.json and every shard, so a changed `.bin` changes the fingerprint. Empty for any other file.
 */
async function layersModelShards(abs: string, size: number): Promise<string[]> {
  if (!abs.endsWith('.json') || size > CONTENT_HASH_LIMIT) return [];
  let json: unknown;
  try {
    json = JSON.parse(await readFile(abs, 'utf8'));
  } catch {
    return []; // not JSON: a plain data file
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths = manifest.flatMap((g) => ((g as { paths?: unknown } | null)?.paths instanceof Array ? ((g as { paths: unknown[] }).paths.filter((p) => typeof p === 'string') as string[]) : []));
  return [...new Set(paths)].sort();
}

/**
 * Fingerprint of a file or a directory tree a stage reads from outside the store (a user's dataset). `path` is
 * relative to `baseDir` unless absolute. A tfjs layers model.json counts with its weight shards. Throws
 * DataPathError when it (or a listed shard) does not exist.
 */
export async function fingerprintDataPath(path: string, baseDir: string): Promise<DataFingerprint> {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  const top = await stat(abs, { bigint: true }).catch(() => null);
  if (!top) throw new DataPathError(path, `${path}: no such file or directory (resolved to ${abs})`);
  const digest = createHash('sha256');
  let files = 0;
  let bytes = 0;
  try {
    if (top.isFile()) {
      digest.update(await fileLine(abs, '.', Number(top.size), top.mtimeNs));
      files = 1;
      bytes = Number(top.size);
      for (const shard of await layersModelShards(abs, Number(top.size))) {
        const s = await stat(join(dirname(abs), shard), { bigint: true }).catch(() => null);
        if (!s?.isFile()) throw new DataPathError(path, `${path}: its weightsManifest lists ${shard}, which is not a file beside it (${join(dirname(abs), shard)})`);
        digest.update(await fileLine(join(dirname(abs), shard), shard, Number(s.size), s.mtimeNs));
        files += 1;
        bytes += Number(s.size);
      }
    } else {
      for await (const rel of walk(abs, new Set())) {
        const s = await stat(join(abs, rel), { bigint: true });
        digest.update(await fileLine(join(abs, rel), rel, Number(s.size), s.mtimeNs));
        files += 1;
        bytes += Number(s.size);
      }
    }
  } catch (err) {
    if (err instanceof DataPathError) throw err;
    // unreadable folder or file, a file removed while we read: bad input, named
    throw new DataPathError(path, `${path}: cannot read it (${(err as Error).message})`);
  }
  return { hash: digest.digest('hex'), files, bytes };
}
