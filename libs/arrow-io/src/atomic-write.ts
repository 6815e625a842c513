import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArrowFileError } from './errors.js';

/**
 * A file being written under a temporary name in the destination folder. `commit` fsyncs it, renames it
 * over `path` (atomic on POSIX filesystems) and fsyncs the folder; `abort` removes it. Readers therefore
 * see either the old file, the complete new one, or nothing — never a half-written file.
 */
export class AtomicFile {
  private done = false;
  bytesWritten = 0;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      return new AtomicFile(path, tempPath, await open(tempPath, 'wx'));
    } catch (err) {
      throw ioError(path, 'could not create a temporary file for writing', err);
    }
  }

  async write(chunks: Uint8Array[]): Promise<void> {
    try {
      // Vectored writes: a record batch is many small buffers, one syscall per group is enough.
      for (let i = 0; i < chunks.length; i += 512) {
        const group = chunks.slice(i, i + 512);
        const total = group.reduce((n, c) => n + c.byteLength, 0);
        const { bytesWritten } = await this.fh.writev(group);
        if (bytesWritten < total) await this.writeRest(group, bytesWritten);
        this.bytesWritten += total;
      }
    } catch (err) {
      await this.abort();
      throw ioError(this.path, 'write failed', err);
    }
  }

  /** Finishes a short vectored write chunk by chunk. */
  private async writeRest(group: Uint8Array[], skip: number): Promise<void> {
    for (const c of group) {
      let done = Math.min(skip, c.byteLength);
      skip -= done;
      while (done < c.byteLength) {
        const { bytesWritten } = await this.fh.write(c, done, c.byteLength - done);
        done += bytesWritten;
      }
    }
  }

  async commit(): Promise<void> {
    if (this.done) throw new ArrowFileError('ARROW_IO', this.path, 'writer is already closed');
    try {
      await this.fh.sync();
      await this.fh.close();
      this.done = true;
      await rename(this.tempPath, this.path);
    } catch (err) {
      await this.abort();
      throw ioError(this.path, 'could not finish writing', err);
    }
    await syncFolder(dirname(this.path));
  }

  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => undefined);
    }
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/** Writes `chunks` to `path` atomically. */
export async function writeFileAtomic(path: string, chunks: Uint8Array[]): Promise<void> {
  const f = await AtomicFile.create(path);
  await f.write(chunks);
  await f.commit();
}

/** Makes the rename durable; some filesystems cannot fsync a folder, which is not an error. */
async function syncFolder(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EINVAL/EPERM on some platforms: the data itself is already synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function ioError(path: string, what: string, err: unknown): ArrowFileError {
  const detail = err instanceof Error ? err.message : String(err);
  return new ArrowFileError('ARROW_IO', path, `${what}: ${detail}`, { cause: err });
}
