import { createHash, randomUUID } from 'node:crypto';
import { type BigIntStats, statSync } from 'node:fs';
import { mkdir, opendir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { sha256, sha256File } from './hash.js';

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
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataPathError';
  }
}

/**
 * Content hashes of a tree's files from an earlier fingerprint, keyed by path relative to the tree: a file whose
 * size, mtime and inode are unchanged is not read again (git's index and DVC do the same). Kept in the store
 * (`<store>/fingerprints/`); the content hash stays what the cache key holds, so a cache hit and a fresh hash give
 * the same key.
 */
const statCacheSchema = z.object({
  format: z.literal('transfusion-fingerprints/1'),
  root: z.string(),
  /** rel -> [size, mtimeNs, ino, sha256]; each entry is checked when used (validating 224,000 up front costs seconds). */
  files: z.record(z.string(), z.unknown()),
});
type Entry = [number, string, string, string];
type StatCache = { format: 'transfusion-fingerprints/1'; root: string; files: Record<string, Entry> };

function isEntry(e: unknown): e is Entry {
  return (
    Array.isArray(e) &&
    e.length === 4 &&
    typeof e[0] === 'number' &&
    typeof e[1] === 'string' &&
    typeof e[2] === 'string' &&
    typeof e[3] === 'string' &&
    /^[0-9a-f]{64}$/.test(e[3])
  );
}

export interface FingerprintOptions {
  /** Folder holding the stat caches (one file per data path); without it every small file is hashed. */
  cacheDir?: string;
  /** Counts of this call: files whose content was read, and those whose hash came from the cache. */
  stats?: { hashed: number; reused: number };
}

/**
 * A file modified in the same clock tick as it was hashed could change again without its mtime moving; entries
 * this young are not cached (they are hashed again next time), as git does with "racily clean" files.
 */
const RACY_NS = 2_000_000_000n;

/** Read whole (one read) rather than streamed. */
const SMALL_FILE = 1 << 20;

async function loadStatCache(file: string, root: string): Promise<StatCache['files']> {
  try {
    const parsed = statCacheSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success && parsed.data.root === root ? (parsed.data.files as StatCache['files']) : {};
  } catch {
    return {}; // no cache yet, or a damaged one: a miss, rewritten below
  }
}

async function saveStatCache(dir: string, file: string, root: string, files: StatCache['files']): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${randomUUID()}.tmp`);
    const body: StatCache = { format: 'transfusion-fingerprints/1', root, files };
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, file).catch(async (e: unknown) => {
      await rm(tmp, { force: true });
      throw e;
    });
  } catch {
    // the cache is only a speed-up: a read-only store still fingerprints correctly
  }
}

async function contentId(
  abs: string,
  rel: string,
  s: BigIntStats,
  cached: StatCache['files'],
  fresh: StatCache['files'] | undefined,
  startNs: bigint,
  o: FingerprintOptions,
): Promise<string> {
  const size = Number(s.size);
  if (size > CONTENT_HASH_LIMIT) return `mtime:${s.mtimeNs}`;
  const mtime = String(s.mtimeNs);
  const ino = String(s.ino);
  const hit = cached[rel];
  let sha: string;
  if (isEntry(hit) && hit[0] === size && hit[1] === mtime && hit[2] === ino) {
    sha = hit[3];
    if (o.stats) o.stats.reused++;
  } else {
    sha = size <= SMALL_FILE ? sha256(await readFile(abs)) : await sha256File(abs);
    if (o.stats) o.stats.hashed++;
  }
  if (fresh && s.mtimeNs < startNs - RACY_NS) fresh[rel] = [size, mtime, ino, sha];
  return `sha256:${sha}`;
}

/** Stats (and hashes) taken at once: a 224,000-file tree is bound by per-file latency, not bandwidth. */
const PARALLEL = 64;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/**
 * Every regular file under `dir` (symlinks followed, each folder once: a link back up the tree is not a loop),
 * as paths relative to it with their stats, in a stable order, a folder's files in groups.
 */
async function* walk(dir: string, seen: Set<string>, rel = ''): AsyncGenerator<[string, BigIntStats][]> {
  const id = await stat(dir, { bigint: true });
  const key = `${id.dev}:${id.ino}`;
  if (seen.has(key)) return;
  seen.add(key);
  const entries: string[] = [];
  for await (const e of await opendir(dir)) entries.push(e.name);
  entries.sort();
  // Synchronous stats: for a folder of thousands of small files they take microseconds each from the inode cache,
  // where the promise API's thread-pool round trips cost ten times that. A dangling link is not data.
  const stats = entries.map((name) => statSync(join(dir, name), { bigint: true, throwIfNoEntry: false }) ?? null);
  let files: [string, BigIntStats][] = [];
  for (const [i, name] of entries.entries()) {
    const r = rel ? `${rel}/${name}` : name;
    const s = stats[i];
    if (s?.isDirectory()) {
      if (files.length) yield files;
      files = [];
      yield* walk(join(dir, name), seen, r);
    } else if (s?.isFile()) files.push([r, s]);
  }
  if (files.length) yield files;
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
  const paths = manifest.flatMap((g) =>
    Array.isArray((g as { paths?: unknown } | null)?.paths)
      ? ((g as { paths: unknown[] }).paths.filter((p) => typeof p === 'string') as string[])
      : [],
  );
  return [...new Set(paths)].sort();
}

/**
 * Fingerprint of a file or a directory tree a stage reads from outside the store (a user's dataset). `path` is
 * relative to `baseDir` unless absolute. A tfjs layers model.json counts with its weight shards. Throws
 * DataPathError when it (or a listed shard) does not exist. With `cacheDir`, files whose size, mtime and inode
 * match the previous fingerprint are not read again.
 */
export async function fingerprintDataPath(
  path: string,
  baseDir: string,
  options: FingerprintOptions = {},
): Promise<DataFingerprint> {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  const top = await stat(abs, { bigint: true }).catch(() => null);
  if (!top) throw new DataPathError(path, `${path}: no such file or directory (resolved to ${abs})`);
  const cacheFile = options.cacheDir ? join(options.cacheDir, `${sha256(abs)}.json`) : undefined;
  const cached = cacheFile ? await loadStatCache(cacheFile, abs) : {};
  const fresh: StatCache['files'] | undefined = cacheFile ? {} : undefined;
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const digest = createHash('sha256');
  let files = 0;
  let bytes = 0;
  try {
    if (top.isFile()) {
      digest.update(`.\t${top.size}\t${await contentId(abs, '.', top, cached, fresh, startNs, options)}\n`);
      files = 1;
      bytes = Number(top.size);
      for (const shard of await layersModelShards(abs, Number(top.size))) {
        const s = await stat(join(dirname(abs), shard), { bigint: true }).catch(() => null);
        if (!s?.isFile())
          throw new DataPathError(
            path,
            `${path}: its weightsManifest lists ${shard}, which is not a file beside it (${join(dirname(abs), shard)})`,
          );
        digest.update(
          `${shard}\t${s.size}\t${await contentId(join(dirname(abs), shard), shard, s, cached, fresh, startNs, options)}\n`,
        );
        files += 1;
        bytes += Number(s.size);
      }
    } else {
      for await (const group of walk(abs, new Set())) {
        const ids = await mapLimit(group, PARALLEL, ([rel, s]) =>
          contentId(join(abs, rel), rel, s, cached, fresh, startNs, options),
        );
        group.forEach(([rel, s], i) => {
          digest.update(`${rel}\t${s.size}\t${ids[i]}\n`);
          files += 1;
          bytes += Number(s.size);
        });
      }
    }
  } catch (err) {
    if (err instanceof DataPathError) throw err;
    // unreadable folder or file, a file removed while we read: bad input, named
    throw new DataPathError(path, `${path}: cannot read it (${(err as Error).message})`);
  }
  if (cacheFile && fresh && !sameEntries(cached, fresh)) await saveStatCache(options.cacheDir!, cacheFile, abs, fresh);
  return { hash: digest.digest('hex'), files, bytes };
}

function sameEntries(a: StatCache['files'], b: StatCache['files']): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = a[k];
    const y = b[k];
    return x !== undefined && y !== undefined && x[0] === y[0] && x[1] === y[1] && x[2] === y[2] && x[3] === y[3];
  });
}
