import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import { DataError } from './errors.js';

/** One member of a zip archive, from its central directory. */
export interface ZipMember {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/**
 * Reads a zip's central directory (ZIP64 aware) without loading the archive, so members larger than a
 * Node Buffer (4 GiB) can be streamed. Only stored (0) and deflated (8) members are supported — what
 * numpy's savez / savez_compressed write.
 */
export async function listZip(file: string): Promise<ZipMember[]> {
  const fh = await openOrThrow(file);
  try {
    const { size } = await fh.stat();
    const bad = (m: string): DataError => new DataError('DATA_BAD_NPZ', `${file}: ${m}`, { file });
    const tailLen = Math.min(size, 65557);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0)
      throw bad(size === 0 ? 'empty file' : 'not a zip/npz archive (no end-of-central-directory record; truncated?)');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) throw bad('ZIP64 locator missing');
      const z64Offset = Number(tail.readBigUInt64LE(loc + 8));
      const z64 = await readAt(fh, z64Offset, 56);
      if (z64.readUInt32LE(0) !== 0x06064b50) throw bad('ZIP64 end-of-central-directory record damaged');
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > size)
      throw bad(`central directory (${cdOffset}+${cdSize}) lies beyond the end of the file (${size} bytes): truncated`);
    const cd = await readAt(fh, cdOffset, cdSize);
    const members: ZipMember[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw bad(`central directory entry ${i} damaged`);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      // ZIP64 extended information: only the fields that are 0xFFFFFFFF in the record, in this order
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (usize === 0xffffffff) {
            usize = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
          if (localHeaderOffset === 0xffffffff) {
            localHeaderOffset = Number(cd.readBigUInt64LE(q));
            q += 8;
          }
        }
        e += 4 + len;
      }
      members.push({ name, method, crc32: crc, compressedSize, size: usize, localHeaderOffset });
      p = eEnd + commentLen;
    }
    return members;
  } finally {
    await fh.close();
  }
}

/** Streams a member's uncompressed bytes, chunk by chunk. */
export async function* streamZipMember(file: string, m: ZipMember): AsyncGenerator<Uint8Array> {
  const bad = (msg: string): DataError =>
    new DataError('DATA_BAD_NPZ', `${file}: member ${m.name}: ${msg}`, { file, field: m.name });
  if (m.method !== 0 && m.method !== 8)
    throw bad(`compression method ${m.method} not supported (expected stored or deflate)`);
  const fh = await openOrThrow(file);
  let dataStart: number;
  let fileSize: number;
  try {
    fileSize = (await fh.stat()).size;
    const lh = await readAt(fh, m.localHeaderOffset, 30);
    if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50) throw bad('local header damaged');
    dataStart = m.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  if (dataStart + m.compressedSize > fileSize) throw bad(`data runs past the end of the file: truncated`);
  if (m.compressedSize === 0) return;
  const raw = createReadStream(file, {
    start: dataStart,
    end: dataStart + m.compressedSize - 1,
    highWaterMark: 1 << 20,
  });
  const stream = m.method === 8 ? raw.pipe(createInflateRaw()) : raw;
  if (m.method === 8) raw.on('error', (e) => stream.destroy(e));
  let total = 0;
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      crc = crc32(chunk, crc);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (e) {
    throw new DataError('DATA_BAD_NPZ', `${file}: member ${m.name}: cannot inflate (${(e as Error).message})`, {
      file,
      cause: e,
    });
  } finally {
    raw.destroy();
  }
  if (total !== m.size) throw bad(`expected ${m.size} bytes, got ${total}: damaged or truncated`);
  if (crc >>> 0 !== m.crc32) throw bad('CRC-32 mismatch: the member is damaged');
}

async function openOrThrow(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (e) {
    throw new DataError('DATA_NOT_FOUND', `${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      file,
      cause: e,
    });
  }
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, pos);
  return buf.subarray(0, bytesRead);
}
