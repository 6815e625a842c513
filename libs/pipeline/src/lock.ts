import { hostname } from 'node:os';
import { open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

/**
 * A per-key lock: a file created with O_EXCL holding its owner (host, pid, token). It is stale, and may be
 * broken, when its owner is a dead process on this host, or when its heartbeat (the file's mtime, touched every
 * few seconds) is older than `staleMs` (owners on other hosts of a shared store). So a kill -9 never leaves a lock
 * that needs a manual unlock.
 */
export interface LockOwner {
  host: string;
  pid: number;
  token: string;
  since: string;
}

const HEARTBEAT_MS = 5_000;
export const STALE_MS = 60_000;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLockOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** Whether the lock file at `path` is held by a live owner. A lock file being written reads as held. */
export async function lockIsLive(path: string, staleMs = STALE_MS): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
  } catch {
    return false;
  }
  const owner = await readLockOwner(path);
  if (owner === null) return Date.now() - mtimeMs < 2_000; // just created, owner not yet written
  if (owner.host === hostname()) return processAlive(owner.pid);
  return Date.now() - mtimeMs < staleMs;
}

export class KeyLock {
  private timer: NodeJS.Timeout | undefined;
  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Takes the lock if it is free or stale; returns null if a live owner holds it. */
  static async tryAcquire(path: string, staleMs = STALE_MS): Promise<KeyLock | null> {
    const owner: LockOwner = {
      host: hostname(),
      pid: process.pid,
      token: randomUUID(),
      since: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx');
        try {
          await fh.writeFile(JSON.stringify(owner));
        } finally {
          await fh.close();
        }
        const lock = new KeyLock(path, owner);
        lock.timer = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => undefined), HEARTBEAT_MS);
        lock.timer.unref();
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (await lockIsLive(path, staleMs)) return null;
      // Stale: move it aside (atomic), so of two breakers only one removes this very file.
      const aside = `${path}.stale-${owner.token}`;
      try {
        await rename(path, aside);
        await unlink(aside);
      } catch {
        /* someone else broke it first; try to create again */
      }
    }
    return null;
  }

  /** Whether we still own the lock (nobody broke it as stale in between). */
  async stillHeld(): Promise<boolean> {
    const current = await readLockOwner(this.path);
    return current?.token === this.owner.token;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if (await this.stillHeld()) await unlink(this.path).catch(() => undefined);
  }
}
