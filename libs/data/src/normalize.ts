import { DataError } from './errors.js';
import type { ImageSet, Split } from './image-set.js';

/** Per-channel mean and standard deviation of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  mean: number[];
  std: number[];
  /** Number of images the stats were computed on. */
  images: number;
  splits: Split[];
}

function scaleOf(set: ImageSet): number {
  return set.images instanceof Uint8Array ? 1 / 255 : 1;
}

/**
 * Per-channel mean/std over the given splits (the training split by default, so validation and test data
 * never leak into the normalisation). Uses float64 accumulators.
 */
export function computeChannelStats(set: ImageSet, splits: readonly Split[] = ['train']): ChannelStats {
  const c = set.channels;
  const d = set.height * set.width * c;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const s = scaleOf(set);
  let images = 0;
  for (let i = 0; i < set.ids.length; i++) {
    if (!splits.includes(set.splits[i]!)) continue;
    images++;
    const base = i * d;
    for (let p = 0; p < d; p += c) {
      for (let k = 0; k < c; k++) {
        const v = set.images[base + p + k]! * s;
        sum[k]! += v;
        sq[k]! += v * v;
      }
    }
  }
  if (images === 0)
    throw new DataError(
      'DATA_EMPTY',
      `image set "${set.name}": no images in split(s) ${splits.join(', ')} to compute normalisation statistics on`,
    );
  const n = images * set.height * set.width;
  const mean = Array.from(sum, (v) => v / n);
  const std = Array.from(sq, (v, k) => Math.sqrt(Math.max(v / n - mean[k]! ** 2, 0)) || 1);
  return { mean, std, images, splits: [...splits] };
}

/** (x/255 − mean)/std per channel, as float32 NHWC. */
export function normalizeImages(set: ImageSet, stats: ChannelStats): Float32Array {
  if (stats.mean.length !== set.channels) {
    throw new DataError(
      'DATA_BAD_SET',
      `image set "${set.name}": stats have ${stats.mean.length} channels, images have ${set.channels}`,
      { field: 'stats' },
    );
  }
  return normalizePixels(set.images, set.channels, stats, scaleOf(set));
}

/** Normalises any NHWC pixel buffer; `scale` maps stored values to [0,1] (1/255 for uint8). */
export function normalizePixels(
  pixels: ArrayLike<number>,
  channels: number,
  stats: ChannelStats,
  scale: number,
): Float32Array {
  const out = new Float32Array(pixels.length);
  const inv = stats.std.map((s) => 1 / s);
  for (let i = 0; i < pixels.length; i++) {
    const k = i % channels;
    out[i] = (pixels[i]! * scale - stats.mean[k]!) * inv[k]!;
  }
  return out;
}

/** A float32 copy of the set normalised with `stats` (stats are recorded in meta). */
export function normalizedSet(set: ImageSet, stats: ChannelStats): ImageSet {
  return { ...set, images: normalizeImages(set, stats), meta: { ...set.meta, normalization: JSON.stringify(stats) } };
}
