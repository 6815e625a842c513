import { z } from 'zod';
import { DataError, formatZodIssues } from './errors.js';
import type { ImageSet } from './image-set.js';
import { createRng, mixSeed, type Rng } from '@transfusion/random';

/**
 * Training-time augmentation. Defaults suit both sets: horizontal flips, ±10° rotations, ±10 % brightness
 * and contrast. (For chest x-rays users may turn hflip off because of cardiac laterality.)
 */
export const augmentOptionsSchema = z
  .object({
    hflip: z.boolean().default(true),
    vflip: z.boolean().default(false),
    /** Maximum absolute rotation in degrees (uniform in ±rotate). */
    rotate: z.number().min(0).max(180).default(10),
    /** Additive brightness shift, uniform in ±brightness (pixel scale 0..1). */
    brightness: z.number().min(0).max(1).default(0.1),
    /** Contrast factor, uniform in 1 ± contrast, around the image mean. */
    contrast: z.number().min(0).max(1).default(0.1),
  })
  .strict();
export type AugmentOptions = z.input<typeof augmentOptionsSchema>;
export type ResolvedAugment = z.infer<typeof augmentOptionsSchema>;

export function parseAugmentOptions(o: unknown): ResolvedAugment {
  const r = augmentOptionsSchema.safeParse(o);
  if (!r.success) throw new DataError('DATA_BAD_OPTIONS', `augment options: ${formatZodIssues(r.error.issues)}`);
  return r.data;
}

/**
 * Augments one HWC image with values in [0,1] (returns a new array). Rotation samples bilinearly about the
 * centre and fills with 0 outside the source.
 */
export function augmentImage(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  rng: Rng,
  o: ResolvedAugment,
): Float32Array {
  const flipX = o.hflip && rng.bernoulli(0.5);
  const flipY = o.vflip && rng.bernoulli(0.5);
  const angle = ((o.rotate ? rng.uniform(-o.rotate, o.rotate) : 0) * Math.PI) / 180;
  const bright = o.brightness ? rng.uniform(-o.brightness, o.brightness) : 0;
  const contrast = o.contrast ? rng.uniform(1 - o.contrast, 1 + o.contrast) : 1;
  const out = new Float32Array(h * w * c);
  const cs = Math.cos(angle);
  const sn = Math.sin(angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // inverse map: output pixel → source coordinates (rotate back, then undo flips)
      const dx = x - cx;
      const dy = y - cy;
      let sx = cs * dx + sn * dy + cx;
      let sy = -sn * dx + cs * dy + cy;
      if (flipX) sx = w - 1 - sx;
      if (flipY) sy = h - 1 - sy;
      const o0 = (y * w + x) * c;
      if (angle === 0) {
        const ix = Math.round(sx);
        const iy = Math.round(sy);
        for (let k = 0; k < c; k++) out[o0 + k] = src[(iy * w + ix) * c + k]!;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let k = 0; k < c; k++) {
        const p = (xx: number, yy: number): number =>
          xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : src[(yy * w + xx) * c + k]!;
        out[o0 + k] =
          (p(x0, y0) * (1 - fx) + p(x0 + 1, y0) * fx) * (1 - fy) +
          (p(x0, y0 + 1) * (1 - fx) + p(x0 + 1, y0 + 1) * fx) * fy;
      }
    }
  }
  if (bright !== 0 || contrast !== 1) {
    let mean = 0;
    for (let i = 0; i < out.length; i++) mean += out[i]!;
    mean /= out.length;
    for (let i = 0; i < out.length; i++) out[i] = (out[i]! - mean) * contrast + mean + bright;
  }
  return out;
}

/**
 * Augmented copies of the given rows as one float32 NHWC batch in [0,1] units. The randomness of row r in
 * epoch e depends only on (seed, epoch, row id index), so results do not depend on batch composition.
 */
export function augmentBatch(
  set: ImageSet,
  rows: readonly number[],
  seed: number,
  epoch: number,
  options: AugmentOptions = {},
): Float32Array {
  const o = parseAugmentOptions(options);
  const d = set.height * set.width * set.channels;
  const scale = set.images instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(rows.length * d);
  const src = new Float32Array(d);
  rows.forEach((r, j) => {
    const img = set.images.subarray(r * d, (r + 1) * d);
    for (let i = 0; i < d; i++) src[i] = img[i]! * scale;
    const rng = createRng(mixSeed(seed, epoch, r));
    out.set(augmentImage(src, set.height, set.width, set.channels, rng, o), j * d);
  });
  return out;
}
