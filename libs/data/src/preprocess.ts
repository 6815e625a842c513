import path from 'node:path';
import sharp from 'sharp';
import { decodeDicom, DICOM_EXTENSIONS, dicomToUint8, hasDicomMagic } from './dicom.js';
import { DataError, formatZodIssues } from './errors.js';
import { readFileBytes } from './read-bytes.js';
import { preprocessOptionsSchema, type ResolvedPreprocess } from './preprocess-options.js';

// The schemas live in preprocess-options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export * from './preprocess-options.js';

/** 8-bit pixels, HWC. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Output side of preprocessed images: `size`, raised to `minSize` when that is larger. */
export function outputSide(o: ResolvedPreprocess): number {
  return Math.max(o.size, o.minSize ?? 0);
}

export function parsePreprocessOptions(o: unknown): ResolvedPreprocess {
  const r = preprocessOptionsSchema.safeParse(o);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `preprocess options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

function isDicom(file: string, bytes: Uint8Array): boolean {
  return DICOM_EXTENSIONS.includes(path.extname(file).toLowerCase()) || hasDicomMagic(bytes);
}

/**
 * Decodes an image file (PNG, JPEG, TIFF, WebP, DICOM, ...) to 8-bit pixels, keeping its channel count
 * (grey stays 1 channel, RGBA loses alpha). Truncated or corrupt files throw DATA_BAD_IMAGE naming the file.
 */
export async function decodeImageFile(file: string, window: 'file' | 'minmax' = 'file'): Promise<RawImage> {
  const bytes = await readFileBytes(file, 'image');
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isDicom(file, u8)) {
    const d = await decodeDicom(u8, file);
    return { data: dicomToUint8(d, { window }), width: d.width, height: d.height, channels: d.channels };
  }
  try {
    const img = sharp(bytes, { failOn: 'truncated' });
    const meta = await img.metadata();
    // greyscale (with or without alpha) stays 1 channel; sharp would otherwise expand it to sRGB
    const grey = meta.channels === 1 || meta.channels === 2 || meta.space === 'b-w' || meta.space === 'grey16';
    const pipeline = grey ? img.extractChannel(0).toColourspace('b-w') : img.removeAlpha().toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: info.channels,
    };
  } catch (e) {
    throw new DataError(
      'DATA_BAD_IMAGE',
      `${file}: unreadable or truncated image (${(e as Error).message.split('\n')[0]})`,
      { file, cause: e },
    );
  }
}

/** Bounding box of pixels brighter than `threshold` (any channel); the whole image if none are. */
export function foregroundBox(
  img: RawImage,
  threshold: number,
): { left: number; top: number; width: number; height: number } {
  const { data, width, height, channels } = img;
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      let m = 0;
      for (let k = 0; k < channels; k++) if (data[o + k]! > m) m = data[o + k]!;
      if (m > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return { left: 0, top: 0, width, height };
  return { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Resizes, converts channels and applies fundus cropping to decoded pixels. */
export async function preprocessRaw(img: RawImage, options: ResolvedPreprocess): Promise<RawImage> {
  const o = options;
  const outChannels = o.channels === 'auto' ? (img.channels >= 3 ? 3 : 1) : o.channels;
  let pipeline = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 2 | 3 | 4 },
  });
  if (o.fundus !== 'none') {
    const box = foregroundBox(img, o.borderThreshold);
    if (box.width < img.width || box.height < img.height) pipeline = pipeline.extract(box);
  }
  const fit = o.fit === 'pad' ? 'contain' : o.fit === 'crop' ? 'cover' : 'fill';
  const side = outputSide(o);
  pipeline = pipeline.resize(side, side, { fit, background: { r: 0, g: 0, b: 0, alpha: 1 }, kernel: 'lanczos3' });
  pipeline = outChannels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  let out: Uint8Array = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.channels !== outChannels) out = convertChannels(out, info.channels, outChannels);
  const result: RawImage = { data: out, width: info.width, height: info.height, channels: outChannels };
  if (o.fundus === 'circle') maskCircle(result);
  if (o.fundus === 'graham') await grahamNormalise(result);
  return result;
}

/** Ben Graham's local colour normalisation, in place (radius = half the image side after trimming). */
export async function grahamNormalise(img: RawImage): Promise<void> {
  const { data, width, height, channels } = img;
  const r = Math.min(width, height) / 2;
  const blurred = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: channels as 1 | 3 },
  })
    .blur(Math.max(0.3, r / 30))
    .raw()
    .toBuffer();
  const cx = width / 2,
    cy = height / 2,
    limit = (0.9 * r) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= limit;
      for (let k = 0; k < channels; k++) {
        const i = (y * width + x) * channels + k;
        const v = inside ? 4 * data[i]! - 4 * blurred[i]! + 128 : 128;
        data[i] = v < 0 ? 0 : Math.min(v, 255);
      }
    }
  }
}

/** Decodes and preprocesses one file. */
export async function preprocessFile(file: string, options: ResolvedPreprocess): Promise<RawImage> {
  return preprocessRaw(await decodeImageFile(file, options.window), options);
}

/** Blacks out pixels outside the circle inscribed in the image (fundus camera aperture). */
export function maskCircle(img: RawImage): void {
  const { data, width, height, channels } = img;
  const cx = width / 2,
    cy = height / 2,
    r = Math.min(width, height) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r)
        data.fill(0, (y * width + x) * channels, (y * width + x + 1) * channels);
    }
  }
}

/** Grey → RGB by replication, colour → grey by Rec. 709 luma. */
export function convertChannels(data: Uint8Array, from: number, to: number): Uint8Array {
  const n = data.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) {
    if (to === 1) {
      // luma of the colour channels (ignoring a 4th/alpha channel)
      out[i] =
        from >= 3
          ? Math.round(0.2126 * data[i * from]! + 0.7152 * data[i * from + 1]! + 0.0722 * data[i * from + 2]!)
          : data[i * from]!;
    } else for (let k = 0; k < to; k++) out[i * to + k] = data[i * from + Math.min(k, from >= 3 ? k : 0)]!;
  }
  return out;
}
