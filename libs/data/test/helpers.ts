import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { listZip, streamZipMember } from '../src/zip-reader.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** Real sample images and DICOM files (copies of the project's shared samples; see fixtures/samples/README.md). */
export const SAMPLES = path.join(FIXTURES, 'samples');

/** Real sample files used by loader tests (read-only; copied into temp layouts). */
export const SAMPLE = {
  cxr1: path.join(SAMPLES, 'chest-xray/nih_00000001_000.png'),
  cxr2: path.join(SAMPLES, 'chest-xray/nih_00027426_000.png'),
  retina: path.join(SAMPLES, 'fundus/retina.jpg'),
  microaneurysms: path.join(SAMPLES, 'fundus/microaneurysms.png'),
  dicom: (name: string) => path.join(SAMPLES, 'dicom', name),
};

export async function tempDir(prefix = 'tf-data-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Copies `src` to `root/rel`, creating folders. */
export async function place(root: string, rel: string, src: string): Promise<string> {
  const dst = path.join(root, rel);
  await mkdir(path.dirname(dst), { recursive: true });
  await copyFile(src, dst);
  return dst;
}

export async function writeText(root: string, rel: string, text: string | Uint8Array): Promise<string> {
  const dst = path.join(root, rel);
  await mkdir(path.dirname(dst), { recursive: true });
  await writeFile(dst, text);
  return dst;
}

/** A small solid-colour PNG (w×h, 1 or 3 channels) written to root/rel. */
export async function writePng(
  root: string,
  rel: string,
  w: number,
  h: number,
  channels: 1 | 3,
  value = 128,
): Promise<string> {
  const dst = path.join(root, rel);
  await mkdir(path.dirname(dst), { recursive: true });
  await sharp(Buffer.alloc(w * h * channels, value), { raw: { width: w, height: h, channels } })
    .png()
    .toFile(dst);
  return dst;
}

/** Writes the first half of `src` to root/rel: a truncated image. */
export async function writeTruncated(root: string, rel: string, src: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(src);
  return writeText(root, rel, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/**
 * Minimal DICOM Part-10 writer (explicit VR little endian) for tests that need header values real files
 * lack: MONOCHROME1, BitsStored < BitsAllocated, slope/intercept, windows.
 */
export function makeDicom(o: {
  rows: number;
  cols: number;
  pixels?: number[];
  photometric?: string;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  slope?: number;
  intercept?: number;
  window?: [number, number];
  samplesPerPixel?: number;
  /** Explicit VR big endian (retired syntax 1.2.840.10008.1.2.2) for the data set. */
  bigEndian?: boolean;
  /** Encapsulated frames (e.g. a JPEG) with this transfer syntax instead of native pixels. */
  encapsulated?: { syntax: string; frame: Uint8Array };
  /** SOPInstanceUID (0008,0018) and PatientID (0010,0020), written when given. */
  sopInstanceUid?: string;
  patientId?: string;
}): Uint8Array {
  const parts: Buffer[] = [];
  const el = (group: number, elem: number, vr: string, value: Buffer, be = false): Buffer => {
    const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    const pad = value.length % 2 ? Buffer.from([vr === 'UI' || vr === 'OB' ? 0 : 0x20]) : Buffer.alloc(0);
    const v = Buffer.concat([value, pad]);
    const h = Buffer.alloc(long ? 12 : 8);
    if (be) {
      h.writeUInt16BE(group, 0);
      h.writeUInt16BE(elem, 2);
    } else {
      h.writeUInt16LE(group, 0);
      h.writeUInt16LE(elem, 2);
    }
    h.write(vr, 4, 'latin1');
    if (long) be ? h.writeUInt32BE(v.length, 8) : h.writeUInt32LE(v.length, 8);
    else be ? h.writeUInt16BE(v.length, 6) : h.writeUInt16LE(v.length, 6);
    return Buffer.concat([h, v]);
  };
  const be = o.bigEndian ?? false;
  const us = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(n);
    else b.writeUInt16LE(n);
    return b;
  };
  const str = (s: string): Buffer => Buffer.from(s, 'latin1');
  const syntaxUid = o.encapsulated?.syntax ?? (be ? '1.2.840.10008.1.2.2' : '1.2.840.10008.1.2.1');
  const syntax = el(0x0002, 0x0010, 'UI', str(syntaxUid));
  const metaLen = Buffer.alloc(4);
  metaLen.writeUInt32LE(syntax.length);
  parts.push(Buffer.alloc(128), str('DICM'), el(0x0002, 0x0000, 'UL', metaLen), syntax);
  const ba = o.bitsAllocated ?? 16;
  const spp = o.samplesPerPixel ?? 1;
  const d = (g: number, e: number, vr: string, v: Buffer): number => parts.push(el(g, e, vr, v, be));
  if (o.sopInstanceUid) d(0x0008, 0x0018, 'UI', str(o.sopInstanceUid));
  if (o.patientId) d(0x0010, 0x0020, 'LO', str(o.patientId));
  d(0x0028, 0x0002, 'US', us(spp));
  d(0x0028, 0x0004, 'CS', str(o.photometric ?? 'MONOCHROME2'));
  d(0x0028, 0x0010, 'US', us(o.rows));
  d(0x0028, 0x0011, 'US', us(o.cols));
  d(0x0028, 0x0100, 'US', us(ba));
  d(0x0028, 0x0101, 'US', us(o.bitsStored ?? ba));
  d(0x0028, 0x0102, 'US', us((o.bitsStored ?? ba) - 1));
  d(0x0028, 0x0103, 'US', us(o.signed ? 1 : 0));
  if (o.window) {
    d(0x0028, 0x1050, 'DS', str(String(o.window[0])));
    d(0x0028, 0x1051, 'DS', str(String(o.window[1])));
  }
  if (o.intercept !== undefined) d(0x0028, 0x1052, 'DS', str(String(o.intercept)));
  if (o.slope !== undefined) d(0x0028, 0x1053, 'DS', str(String(o.slope)));
  if (o.encapsulated) {
    // undefined-length OB: empty basic offset table item, one fragment, sequence delimiter
    const item = (tag: number, body: Buffer): Buffer => {
      const h = Buffer.alloc(8);
      h.writeUInt16LE(0xfffe, 0);
      h.writeUInt16LE(tag, 2);
      h.writeUInt32LE(body.length, 4);
      return Buffer.concat([h, body]);
    };
    const frame = Buffer.from(o.encapsulated.frame);
    const padded = frame.length % 2 ? Buffer.concat([frame, Buffer.from([0])]) : frame;
    const head = Buffer.alloc(12);
    head.writeUInt16LE(0x7fe0, 0);
    head.writeUInt16LE(0x0010, 2);
    head.write('OB', 4, 'latin1');
    head.writeUInt32LE(0xffffffff, 8);
    parts.push(head, item(0xe000, Buffer.alloc(0)), item(0xe000, padded), item(0xe0dd, Buffer.alloc(0)));
  } else {
    const pixels = o.pixels ?? [];
    const px = Buffer.alloc(pixels.length * (ba / 8));
    pixels.forEach((v, i) =>
      ba === 8
        ? px.writeUInt8(v & 0xff, i)
        : be
          ? px.writeUInt16BE(v & 0xffff, i * 2)
          : px.writeUInt16LE(v & 0xffff, i * 2),
    );
    d(0x7fe0, 0x0010, ba === 8 ? 'OB' : 'OW', px);
  }
  const b = Buffer.concat(parts);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The uncompressed bytes of a zip member, e.g. one .npy array of an .npz. */
export async function zipMemberBytes(file: string, name: string): Promise<Buffer> {
  const m = (await listZip(file)).find((x) => x.name === name);
  if (!m) throw new Error(`${file} has no member ${name}`);
  const chunks: Uint8Array[] = [];
  for await (const c of streamZipMember(file, m)) chunks.push(c.slice());
  return Buffer.concat(chunks);
}
