import { DataError, formatZodIssues } from './errors.js';
import { imageAt, type ImageSet } from './image-set.js';
import {
  convertChannels,
  parsePreprocessOptions,
  preprocessRaw,
  resizeOptionsSchema,
  type RawImage,
  type ResizeOptions,
  type ResolvedResize,
} from './preprocess.js';

export function parseResizeOptions(o: unknown): ResolvedResize {
  const r = resizeOptionsSchema.safeParse(o);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `resize options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/** Output side for an image of height × width, or undefined when the options leave its size alone. */
export function resizeTarget(height: number, width: number, o: ResolvedResize): number | undefined {
  let side = o.size;
  if (o.minSize !== undefined && Math.min(side ?? height, side ?? width) < o.minSize) side = o.minSize;
  if (side === undefined || (side === height && side === width)) return undefined;
  return side;
}

/** Channel count after the options: 'auto' keeps grey grey and colour RGB (as `preprocessRaw` does). */
export function resizeChannels(channels: number, o: ResolvedResize): 1 | 3 {
  return o.channels !== 'auto' ? o.channels : channels >= 3 ? 3 : 1;
}

/**
 * Resizes and converts one decoded image with sharp (the same pipeline as file preprocessing). An image the
 * options leave unchanged is returned as is, pixel for pixel.
 */
export async function resizeRaw(img: RawImage, o: ResolvedResize): Promise<RawImage> {
  const side = resizeTarget(img.height, img.width, o);
  const channels = resizeChannels(img.channels, o);
  if (side === undefined)
    return channels === img.channels
      ? img
      : { ...img, data: convertChannels(img.data, img.channels, channels), channels };
  return preprocessRaw(img, parsePreprocessOptions({ size: side, fit: o.fit, channels }));
}

/**
 * A new set with every image resized (`size`, `minSize`, `fit`) and/or converted to 1 or 3 channels; labels,
 * mask, ids, patients and splits are kept, `meta.resize` records the options. When nothing changes the pixel
 * array is shared with the input (sets are treated as immutable throughout this library).
 */
export async function resizeImageSet(set: ImageSet, options: ResizeOptions): Promise<ImageSet> {
  const o = parseResizeOptions(options);
  if (!(set.images instanceof Uint8Array)) {
    throw new DataError(
      'DATA_BAD_SET',
      `image set "${set.name}": images: resizing needs uint8 pixels, got float32 (resize before normalising)`,
      { field: 'images' },
    );
  }
  const side = resizeTarget(set.height, set.width, o);
  const channels = resizeChannels(set.channels, o);
  const meta = { ...set.meta, resize: JSON.stringify({ ...o, from: [set.height, set.width, set.channels] }) };
  if (side === undefined && channels === set.channels) return { ...set, meta };
  const height = side ?? set.height;
  const width = side ?? set.width;
  const per = height * width * channels;
  const images = new Uint8Array(set.ids.length * per);
  for (let i = 0; i < set.ids.length; i++) {
    const out = await resizeRaw(
      { data: imageAt(set, i) as Uint8Array, height: set.height, width: set.width, channels: set.channels },
      o,
    );
    images.set(out.data, i * per);
  }
  return { ...set, height, width, channels, images, meta };
}
