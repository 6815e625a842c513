import { randomUUID } from 'node:crypto';
import { type BigIntStats, constants } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { KeyPreimage } from './cache-key.js';
import { StoreError } from './errors.js';
import { sha256File } from './hash.js';
import { KeyLock, lockIsLive } from './lock.js';

/**
 * The content-addressed artifact store (layout in the README):
 *   objects/ab/<sha256>        write-once, read-only blobs: Arrow files and the files of folder outputs
 *   runs/ab/<key>.json         one run record per cache key; renaming it into place is the commit
 *   verified/ab/<sha256>       "this object had this size/mtime/inode when its hash was last checked"
 *   tmp/<uuid>/                private staging folder per attempt
 *   work/<key>/                a stage's working folder (resume checkpoints): kept across failed attempts of the
 *                              key, removed when its record is committed
 *   locks/<key>.lock           per-key locks
 *   pipelines/<name>.json      the latest run of each pipeline: instance → key (gc roots, explain baseline)
 *   pins/<name>.json           pinned runs (gc roots)
 *   active/<host>-<pid>.json   runs in progress (gc waits for them)
 *   runlog/<pipeline>/<id>.json one log per run: flags, vars, params, status, counts, wall time, stage keys (runs.ts)
 *   fingerprints/<sha256>.json size/mtime/inode → content hash of each file of an external data path (status/run
 *                              fingerprint a 224,000-file dataset without reading it again)
 */
export const outputRecordSchema = z.object({
  kind: z.enum(['file', 'dir']),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});
export type OutputRecord = z.infer<typeof outputRecordSchema>;

export const runRecordSchema = z.object({
  format: z.literal('transfusion-run/1'),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  preimage: z.custom<KeyPreimage>((v) => typeof v === 'object' && v !== null && 'format' in v),
  instance: z.string(),
  pipeline: z.string(),
  outputs: z.record(z.string(), outputRecordSchema),
  log: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  startedAt: z.string(),
  seconds: z.number(),
  host: z.string(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

const dirManifestSchema = z.object({
  format: z.literal('transfusion-dir/1'),
  files: z.array(
    z.object({ path: z.string(), hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  ),
});
export type DirManifest = z.infer<typeof dirManifestSchema>;

export const latestSchema = z.object({
  pipeline: z.string(),
  file: z.string(),
  updatedAt: z.string(),
  stages: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type LatestRun = z.infer<typeof latestSchema>;

const DIR_MARKER = '.transfusion-object';

async function fsyncPath(path: string, flags = constants.O_RDONLY): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } catch {
    /* some filesystems cannot fsync a folder; the rename is still atomic */
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export class Store {
  private constructor(
    readonly root: string,
    /** Opened with `openReadOnly`: nothing is created or written (no folders, no verification markers). */
    readonly readOnly = false,
  ) {}

  /**
   * A store for looking only (`explain`, `status`, `run --dry-run`): creates nothing, even when the folder does not
   * exist yet (every lookup then misses), and writes no verification markers.
   */
  static openReadOnly(root: string): Store {
    return new Store(resolve(root), true);
  }

  static async open(root: string): Promise<Store> {
    root = resolve(root); // stage processes run in other folders
    try {
      for (const d of ['objects', 'runs', 'verified', 'tmp', 'work', 'locks', 'pipelines', 'pins', 'active'])
        await mkdir(join(root, d), { recursive: true });
    } catch (e) {
      throw new StoreError(
        `store ${root}: cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --store PATH to a writable folder`,
      );
    }
    return new Store(root);
  }

  objectPath(hash: string): string {
    return join(this.root, 'objects', hash.slice(0, 2), hash);
  }

  recordPath(key: string): string {
    return join(this.root, 'runs', key.slice(0, 2), `${key}.json`);
  }

  lockPath(key: string): string {
    return join(this.root, 'locks', `${key}.lock`);
  }

  /** The working folder of a cache key (`ctx.workDir`): only the holder of the key's lock uses it. */
  workDir(key: string): string {
    return join(this.root, 'work', key);
  }

  /** A fresh private folder for one attempt; nobody else writes into it. */
  async makeTmpDir(): Promise<string> {
    const dir = join(this.root, 'tmp', randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** True if the object exists with the expected size and its content hashes to its name. */
  async verifyObject(hash: string, size?: number): Promise<boolean> {
    const path = this.objectPath(hash);
    let st: BigIntStats;
    try {
      st = await stat(path, { bigint: true });
    } catch {
      return false;
    }
    if (size !== undefined && st.size !== BigInt(size)) return false;
    const signature = `${st.size}:${st.mtimeNs}:${st.ino}`;
    const marker = join(this.root, 'verified', hash.slice(0, 2), hash);
    const known = await readFile(marker, 'utf8').catch(() => '');
    if (known === signature) return true;
    if ((await sha256File(path)) !== hash) return false;
    if (this.readOnly) return true;
    await mkdir(dirname(marker), { recursive: true });
    const tmp = `${marker}.${randomUUID()}`;
    await writeFile(tmp, signature);
    await rename(tmp, marker);
    return true;
  }

  /** Moves a finished file (inside this store's tmp/) into objects/; returns its hash. Idempotent, race-safe. */
  async putFile(path: string): Promise<{ hash: string; size: number }> {
    const size = (await stat(path)).size;
    const hash = await sha256File(path);
    await chmod(path, 0o444);
    await fsyncPath(path);
    const dest = this.objectPath(hash);
    if (await this.verifyObject(hash, size)) {
      await unlink(path);
    } else {
      await mkdir(dirname(dest), { recursive: true });
      await rename(path, dest); // replaces a damaged object of the same name atomically
      await fsyncPath(dirname(dest));
    }
    return { hash, size };
  }

  async putBytes(bytes: Uint8Array | string): Promise<{ hash: string; size: number }> {
    const dir = await this.makeTmpDir();
    try {
      const path = join(dir, 'blob');
      await writeFile(path, bytes);
      return await this.putFile(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Stores every file of a folder, then its manifest; the manifest's hash is the folder's content hash. */
  async putDir(dir: string): Promise<{ hash: string; size: number }> {
    const files: DirManifest['files'] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = join(d, entry.name);
        const rel = relative(dir, full).split(sep).join('/');
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) files.push({ path: rel, ...(await this.putFile(full)) });
        else
          throw new StoreError(
            `${rel}: only regular files and folders can be outputs (found a ${entry.isSymbolicLink() ? 'symbolic link' : 'special file'})`,
          );
      }
    };
    await walk(dir);
    const manifest: DirManifest = { format: 'transfusion-dir/1', files };
    const put = await this.putBytes(JSON.stringify(manifest));
    return { hash: put.hash, size: files.reduce((a, f) => a + f.size, 0) };
  }

  async readManifest(hash: string): Promise<DirManifest | null> {
    try {
      return dirManifestSchema.parse(JSON.parse(await readFile(this.objectPath(hash), 'utf8')));
    } catch {
      return null;
    }
  }

  /** Every object an output needs: the file, or a folder's manifest and its files. */
  async outputObjects(out: OutputRecord): Promise<{ hash: string; size?: number }[] | null> {
    if (out.kind === 'file') return [{ hash: out.hash, size: out.size }];
    const manifest = await this.readManifest(out.hash);
    if (!manifest) return null;
    return [{ hash: out.hash }, ...manifest.files.map((f) => ({ hash: f.hash, size: f.size }))];
  }

  /**
   * The committed record for a key, or null: a missing, unreadable or malformed record, or one whose objects are
   * missing or damaged, reads as a miss (the stage reruns and repairs the store).
   */
  async readRecord(key: string): Promise<RunRecord | null> {
    let record: RunRecord;
    try {
      record = runRecordSchema.parse(JSON.parse(await readFile(this.recordPath(key), 'utf8')));
    } catch {
      return null;
    }
    if (record.key !== key) return null;
    for (const out of Object.values(record.outputs)) {
      if (out.kind === 'dir' && !(await this.verifyObject(out.hash))) return null;
      const objects = await this.outputObjects(out);
      if (!objects) return null;
      for (const o of objects) if (!(await this.verifyObject(o.hash, o.size))) return null;
    }
    return record;
  }

  /** The commit: the record goes in by one rename, after every object it names is durable. */
  async writeRecord(record: RunRecord): Promise<void> {
    const dest = this.recordPath(record.key);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(this.root, 'tmp', `record-${randomUUID()}.json`);
    await writeFile(tmp, JSON.stringify(record, null, 1));
    await fsyncPath(tmp);
    await rename(tmp, dest);
    await fsyncPath(dirname(dest));
  }

  async readRecordUnchecked(key: string): Promise<RunRecord | null> {
    try {
      return runRecordSchema.parse(JSON.parse(await readFile(this.recordPath(key), 'utf8')));
    } catch {
      return null;
    }
  }

  tryLock(key: string): Promise<KeyLock | null> {
    return KeyLock.tryAcquire(this.lockPath(key));
  }

  async readLatest(pipeline: string): Promise<LatestRun | null> {
    try {
      return latestSchema.parse(JSON.parse(await readFile(join(this.root, 'pipelines', `${pipeline}.json`), 'utf8')));
    } catch {
      return null;
    }
  }

  async writeJsonAtomic(path: string, value: unknown): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(value, null, 1));
    await rename(tmp, path);
  }

  async writeLatest(latest: LatestRun): Promise<void> {
    await this.writeJsonAtomic(join(this.root, 'pipelines', `${latest.pipeline}.json`), latest);
  }

  async writePin(name: string, latest: LatestRun): Promise<void> {
    await this.writeJsonAtomic(join(this.root, 'pins', `${name}.json`), latest);
  }

  /** Marks a run as in progress (gc refuses to sweep while one is live); returns the function that unmarks it. */
  async markActive(pipeline: string): Promise<() => Promise<void>> {
    const path = join(this.root, 'active', `${hostname()}-${process.pid}-${randomUUID()}.lock`);
    await writeFile(
      path,
      JSON.stringify({
        host: hostname(),
        pid: process.pid,
        token: randomUUID(),
        since: new Date().toISOString(),
        pipeline,
      }),
    );
    const timer = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => undefined), 5_000);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await rm(path, { force: true });
    };
  }

  async liveLocks(): Promise<string[]> {
    const live: string[] = [];
    for (const sub of ['active', 'locks']) {
      for (const name of await readdir(join(this.root, sub)).catch(() => [] as string[])) {
        if (await lockIsLive(join(this.root, sub, name))) live.push(`${sub}/${name}`);
      }
    }
    return live;
  }

  /**
   * Makes `dest` show an output: a link to its object, or a folder of links for a folder output (marked with
   * the manifest hash, so an unchanged output is left as it is).
   */
  async materialize(out: OutputRecord, dest: string): Promise<void> {
    const marker = join(dest, DIR_MARKER);
    if (out.kind === 'file' && (await readlink(dest).catch(() => '')) === this.objectPath(out.hash)) return;
    if (out.kind === 'dir' && (await readFile(marker, 'utf8').catch(() => '')) === out.hash) return;
    await rm(dest, { recursive: true, force: true });
    await mkdir(dirname(dest), { recursive: true });
    if (out.kind === 'file') {
      await symlink(this.objectPath(out.hash), dest);
      return;
    }
    const manifest = await this.readManifest(out.hash);
    if (!manifest) throw new StoreError(`object ${out.hash} is not a folder manifest`);
    await mkdir(dest, { recursive: true });
    for (const f of manifest.files) {
      const target = join(dest, ...f.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await symlink(this.objectPath(f.hash), target);
    }
    await writeFile(marker, out.hash);
  }

  async hasObject(hash: string): Promise<boolean> {
    return exists(this.objectPath(hash));
  }
}
