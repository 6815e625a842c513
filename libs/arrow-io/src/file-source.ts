import { type FileHandle, open } from 'node:fs/promises';
import { ArrowFileError, asArrowFileError } from './errors.js';
import { type ParsedFile, parseWith } from './parse-file.js';

/**
 * A read-only file handle that reads exact byte ranges and counts what it read, so callers (and tests)
 * can see that only headers and the requested batches were touched.
 */
export class FileSource {
  bytesRead = 0;
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'r');
      const st = await fh.stat();
      if (!st.isFile()) throw new ArrowFileError('ARROW_IO', path, 'is not a regular file');
      return new FileSource(path, fh, st.size);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      throw asArrowFileError(err, path);
    }
  }

  /** Reads exactly `length` bytes at `offset` into `into` (or a new buffer); a short read means the file shrank. */
  async readAt(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const out = into ?? new Uint8Array(length);
    let done = 0;
    // fh.read is limited to 2 GiB per call; loop in chunks.
    while (done < length) {
      const chunk = Math.min(length - done, 1 << 30);
      const { bytesRead } = await this.fh.read(out, done, chunk, offset + done);
      if (bytesRead === 0) {
        throw new ArrowFileError(
          'ARROW_TRUNCATED',
          this.path,
          `ended at ${offset + done} bytes while reading ${length} bytes at offset ${offset} (file changed while reading?)`,
        );
      }
      done += bytesRead;
    }
    this.bytesRead += length;
    return out;
  }

  /** Validates the file structure, reading only magic, footer and message headers. */
  async parse(): Promise<ParsedFile> {
    try {
      return await parseWith(this.size, (o, l) => this.readAt(o, l));
    } catch (err) {
      throw asArrowFileError(err, this.path);
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Opens `path`, runs `fn`, and always closes the handle. */
export async function withSource<T>(path: string, fn: (src: FileSource) => Promise<T>): Promise<T> {
  const src = await FileSource.open(path);
  try {
    return await fn(src);
  } catch (err) {
    throw asArrowFileError(err, path);
  } finally {
    await src.close();
  }
}
