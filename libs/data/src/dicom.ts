import { open, readFile } from 'node:fs/promises';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { decodeCodecFrame } from './dicom-codecs.js';
import { DataError } from './errors.js';
import { readFileBytes } from './read-bytes.js';

/** A decoded DICOM frame in modality units (after rescale slope/intercept). */
export interface DicomImage {
  width: number;
  height: number;
  /** 1 (MONOCHROME1/2) or 3 (RGB, YBR converted to RGB). */
  channels: number;
  photometric: string;
  /** Modality values, HWC. For MONOCHROME1 these are *not* inverted; `dicomToUint8` inverts for display. */
  values: Float32Array;
  window?: { center: number; width: number };
  viewPosition?: string;
  transferSyntax: string;
  frames: number;
}

const UNCOMPRESSED = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
]);
const RLE = '1.2.840.10008.1.2.5';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const JPEG_LS = new Set(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']);
const JPEG_2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);
const SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (12-bit)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
};

export async function readDicomFile(file: string): Promise<DicomImage> {
  const bytes = await readFileBytes(file, 'DICOM file');
  return decodeDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

/** File name extensions taken as DICOM without looking at the bytes. */
export const DICOM_EXTENSIONS = ['.dcm', '.dicom'];

/** True when the bytes carry the Part-10 magic "DICM" after the 128-byte preamble. */
export function hasDicomMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
  );
}

/** Identifying attributes of a DICOM file, read without its pixel data. */
export interface DicomHeader {
  /** PatientID (0010,0020), trimmed; undefined when absent or blank. */
  patientId?: string;
  /** SOPInstanceUID (0008,0018). */
  sopInstanceUid?: string;
  /** StudyInstanceUID (0020,000D). */
  studyInstanceUid?: string;
}

/** Bytes read first when only the header is needed; the whole file is read if the header is longer. */
const HEADER_PROBE_BYTES = 1 << 20;

/**
 * Reads the header of a DICOM Part-10 file up to the Pixel Data element (the first MiB, or the whole file when
 * the header is longer). Unreadable files throw DATA_BAD_DICOM naming the file.
 */
export async function readDicomHeader(file: string): Promise<DicomHeader> {
  let bytes: Uint8Array;
  let size: number;
  try {
    const fh = await open(file, 'r');
    try {
      size = (await fh.stat()).size;
      const buf = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `${file}: cannot read DICOM file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file, cause: e },
    );
  }
  let ds: dicomParser.DataSet;
  try {
    ds = parseUntilPixels(bytes);
  } catch (e) {
    if (bytes.length >= size)
      throw new DataError('DATA_BAD_DICOM', `${file}: not a readable DICOM file (${dicomParserMessage(e)})`, {
        file,
        cause: e,
      });
    const all = await readFile(file);
    try {
      ds = parseUntilPixels(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
    } catch (e2) {
      throw new DataError('DATA_BAD_DICOM', `${file}: not a readable DICOM file (${dicomParserMessage(e2)})`, {
        file,
        cause: e2,
      });
    }
  }
  const text = (tag: string): string | undefined => ds.string(tag)?.trim() || undefined;
  const patientId = text('x00100020');
  const sopInstanceUid = text('x00080018');
  const studyInstanceUid = text('x0020000d');
  return {
    ...(patientId ? { patientId } : {}),
    ...(sopInstanceUid ? { sopInstanceUid } : {}),
    ...(studyInstanceUid ? { studyInstanceUid } : {}),
  };
}

function parseUntilPixels(bytes: Uint8Array): dicomParser.DataSet {
  return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
}

/** dicom-parser throws plain objects or strings, not Errors. */
function dicomParserMessage(e: unknown): string {
  return typeof e === 'string'
    ? e
    : ((e as { exception?: string; message?: string }).exception ?? (e as Error).message ?? String(e));
}

/**
 * Parses a DICOM Part-10 file and decodes the first frame: uncompressed (little/big endian), RLE Lossless,
 * 8-bit JPEG baseline, JPEG 2000 (lossless and lossy, OpenJPEG) and JPEG-LS (lossless and near-lossless, CharLS).
 * Other compressed syntaxes (lossless/12-bit JPEG) give a DataError naming the syntax, so users can convert them
 * (e.g. `gdcmconv --raw`).
 */
export async function decodeDicom(bytes: Uint8Array, file = '<dicom>'): Promise<DicomImage> {
  const bad = (msg: string, cause?: unknown): DataError =>
    new DataError('DATA_BAD_DICOM', `${file}: ${msg}`, { file, cause });
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    const msg = dicomParserMessage(e);
    throw bad(`not a readable DICOM file (${msg.includes('overrun') ? 'truncated: ' : ''}${msg})`, e);
  }
  const syntax = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  const rows = ds.uint16('x00280010');
  const cols = ds.uint16('x00280011');
  const pixel = ds.elements['x7fe00010'];
  if (!rows || !cols) throw bad('missing Rows/Columns (0028,0010/0011): not an image');
  if (!pixel) throw bad('no Pixel Data (7FE0,0010)');
  const spp = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  const planar = ds.uint16('x00280006') ?? 0;
  const frames = Number.parseInt(ds.string('x00280008') ?? '1', 10) || 1;
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  if (spp !== 1 && spp !== 3) throw bad(`SamplesPerPixel ${spp}: expected 1 or 3`);
  if (photometric === 'PALETTE COLOR')
    throw bad('PALETTE COLOR images are not supported; expected MONOCHROME1/2, RGB or YBR_FULL');
  const n = rows * cols * spp;
  const frameBytes = n * (bitsAllocated / 8);

  let raw: Uint8Array;
  if (UNCOMPRESSED.has(syntax)) {
    if (pixel.dataOffset + frameBytes > bytes.length || pixel.length < frameBytes) {
      throw bad(
        `truncated pixel data: ${rows}×${cols}×${spp} at ${bitsAllocated} bits needs ${frameBytes} bytes, file has ${Math.min(pixel.length, bytes.length - pixel.dataOffset)}`,
      );
    }
    raw = bytes.subarray(pixel.dataOffset, pixel.dataOffset + frameBytes);
    if (syntax === '1.2.840.10008.1.2.2' && bitsAllocated === 16) raw = swap16(raw);
  } else if (syntax === RLE) {
    raw = decodeRle(firstFrame(ds, pixel, frames, bad), rows * cols, spp, bitsAllocated, bad);
  } else if (syntax === JPEG_BASELINE) {
    const jpeg = firstFrame(ds, pixel, frames, bad);
    try {
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      raw = info.channels === spp ? new Uint8Array(data) : keepChannels(new Uint8Array(data), info.channels, spp);
    } catch (e) {
      throw bad(`cannot decode JPEG baseline frame (${(e as Error).message})`, e);
    }
    return finish(toModalityValues(raw, 8, 8, false, 1, 0), 'RGB');
  } else if (JPEG_2000.has(syntax) || JPEG_LS.has(syntax)) {
    const name = SYNTAX_NAMES[syntax]!;
    let decoded: Awaited<ReturnType<typeof decodeCodecFrame>>;
    try {
      decoded = await decodeCodecFrame(
        JPEG_2000.has(syntax) ? 'jpeg2000' : 'jpeg-ls',
        firstFrame(ds, pixel, frames, bad),
      );
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw bad(`cannot decode ${name} frame (${(e as Error).message})`, e);
    }
    const { info, data } = decoded;
    if (info.width !== cols || info.height !== rows || info.componentCount !== spp) {
      throw bad(
        `${name} frame is ${info.width}×${info.height}×${info.componentCount}, but the header says Columns ${cols}, Rows ${rows}, SamplesPerPixel ${spp}`,
      );
    }
    const bits = info.bitsPerSample <= 8 ? 8 : 16;
    if (data.length !== n * (bits / 8))
      throw bad(`${name} frame decoded to ${data.length} bytes, expected ${n * (bits / 8)}`);
    // the codec's output is interleaved, and OpenJPEG undoes JPEG 2000's colour transform (YBR_RCT / YBR_ICT → RGB)
    const values = toModalityValues(data, bits, Math.min(bitsStored, bits), signed, slope, intercept);
    return finish(values, JPEG_2000.has(syntax) && spp === 3 ? 'RGB' : photometric, true);
  } else {
    throw bad(
      `unsupported transfer syntax ${SYNTAX_NAMES[syntax] ?? 'unknown'} (${syntax}); convert to uncompressed first, e.g. \`gdcmconv --raw in.dcm out.dcm\``,
    );
  }
  const values = toModalityValues(raw, bitsAllocated, bitsStored, signed, slope, intercept);
  return finish(values, photometric);

  function finish(v: Float32Array, photo: string, interleaved = syntax === JPEG_BASELINE): DicomImage {
    let out = v;
    if (spp === 3 && planar === 1 && !interleaved) out = interleave(v, rows! * cols!);
    if (spp === 3 && photo.startsWith('YBR_FULL')) ybrToRgb(out);
    const wc = ds.floatString('x00281050');
    const ww = ds.floatString('x00281051');
    return {
      width: cols!,
      height: rows!,
      channels: spp,
      photometric: spp === 3 ? 'RGB' : photometric,
      values: out,
      ...(wc !== undefined && ww !== undefined && ww > 0 ? { window: { center: wc, width: ww } } : {}),
      ...(ds.string('x00185101') ? { viewPosition: ds.string('x00185101')!.trim() } : {}),
      transferSyntax: syntax,
      frames,
    };
  }
}

export interface WindowOptions {
  /** 'file' uses WindowCenter/Width from the file (falling back to min–max), 'minmax' the value range. */
  window?: 'file' | 'minmax' | { center: number; width: number };
}

/**
 * Maps modality values to 8-bit display values with the DICOM linear VOI window (PS3.3 C.11.2.1.2),
 * and inverts MONOCHROME1 so that bone is bright in every output.
 */
export function dicomToUint8(img: DicomImage, options: WindowOptions = {}): Uint8Array {
  const v = img.values;
  const out = new Uint8Array(v.length);
  if (img.channels === 3) {
    for (let i = 0; i < v.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(v[i]!)));
    return out;
  }
  const choice = options.window ?? 'file';
  let win = typeof choice === 'object' ? choice : choice === 'file' ? img.window : undefined;
  if (!win) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      if (v[i]! < lo) lo = v[i]!;
      if (v[i]! > hi) hi = v[i]!;
    }
    win = { center: (lo + hi + 1) / 2, width: Math.max(1, hi - lo + 1) };
  }
  const c = win.center - 0.5;
  const w = Math.max(1, win.width - 1);
  const invert = img.photometric === 'MONOCHROME1';
  for (let i = 0; i < v.length; i++) {
    const y = ((v[i]! - c) / w + 0.5) * 255;
    const q = y <= 0 ? 0 : y >= 255 ? 255 : Math.round(y);
    out[i] = invert ? 255 - q : q;
  }
  return out;
}

function toModalityValues(
  raw: Uint8Array,
  bitsAllocated: number,
  bitsStored: number,
  signed: boolean,
  slope: number,
  intercept: number,
): Float32Array {
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new RangeError(`BitsAllocated ${bitsAllocated}: expected 8, 16 or 32`);
  }
  const count = raw.length / (bitsAllocated / 8);
  const out = new Float32Array(count);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shift = bitsAllocated - bitsStored;
  for (let i = 0; i < count; i++) {
    let x: number;
    if (bitsAllocated === 8) x = raw[i]!;
    else if (bitsAllocated === 16) x = dv.getUint16(i * 2, true);
    else x = dv.getUint32(i * 4, true);
    // keep only the stored bits; sign-extend signed data from bitsStored
    if (bitsAllocated === 32) {
      x = signed ? (x << shift) >> shift : (x << shift) >>> shift;
    } else {
      x &= (1 << bitsStored) - 1;
      if (signed && x & (1 << (bitsStored - 1))) x -= 1 << bitsStored;
    }
    out[i] = x * slope + intercept;
  }
  return out;
}

function firstFrame(
  ds: dicomParser.DataSet,
  pixel: dicomParser.Element,
  frames: number,
  bad: (m: string, c?: unknown) => DataError,
): Uint8Array {
  if (!pixel.encapsulatedPixelData) throw bad('compressed transfer syntax but pixel data is not encapsulated');
  try {
    if (pixel.basicOffsetTable?.length) return dicomParser.readEncapsulatedImageFrame(ds, pixel, 0);
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, frames === 1 ? pixel.fragments!.length : 1);
  } catch (e) {
    throw bad(`cannot read encapsulated frame (${String((e as Error).message ?? e)})`, e);
  }
}

/** DICOM RLE Lossless (PS3.5 Annex G): one PackBits segment per byte plane, most significant byte first. */
function decodeRle(
  frame: Uint8Array,
  pixels: number,
  spp: number,
  bitsAllocated: number,
  bad: (m: string) => DataError,
): Uint8Array {
  if (frame.length < 64) throw bad('RLE frame shorter than its 64-byte header');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = dv.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segments !== spp * bytesPerSample)
    throw bad(`RLE header has ${segments} segments, expected ${spp * bytesPerSample}`);
  const out = new Uint8Array(pixels * spp * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? dv.getUint32(8 + 4 * s, true) : frame.length;
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segments are MSB first; output is little endian
    let p = start;
    let i = 0;
    const write = (b: number): void => {
      if (i < pixels) out[(i * spp + sample) * bytesPerSample + byteInSample] = b;
      i++;
    };
    while (p < end && i < pixels) {
      const h = (frame[p++]! << 24) >> 24;
      if (h >= 0) for (let k = 0; k <= h && p < end; k++) write(frame[p++]!);
      else if (h !== -128) {
        const b = frame[p++]!;
        for (let k = 0; k < 1 - h; k++) write(b);
      }
    }
    if (i < pixels) throw bad(`RLE segment ${s + 1} ends after ${i} of ${pixels} pixels (truncated)`);
  }
  return out;
}

function swap16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1]!;
    out[i + 1] = b[i]!;
  }
  return out;
}

function interleave(v: Float32Array, n: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = v[k * n + i]!;
  return out;
}

function ybrToRgb(v: Float32Array): void {
  for (let i = 0; i < v.length; i += 3) {
    const y = v[i]!,
      cb = v[i + 1]! - 128,
      cr = v[i + 2]! - 128;
    v[i] = y + 1.402 * cr;
    v[i + 1] = y - 0.344136 * cb - 0.714136 * cr;
    v[i + 2] = y + 1.772 * cb;
  }
}

function keepChannels(data: Uint8Array, from: number, to: number): Uint8Array {
  const n = data.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) for (let k = 0; k < to; k++) out[i * to + k] = data[i * from + Math.min(k, from - 1)]!;
  return out;
}
