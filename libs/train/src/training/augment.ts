// Seeded augmentation of training images in JS, on pixels in [0,1] units (u = x/255) before the input
// transform: the same run gives the same batches on every backend. One image: random resized crop (resized
// back with bilinear interpolation inside the crop box), then flips and rotation in one bilinear resample
// (outside the image is 0, the black background of x-rays and fundus photographs), then contrast about the
// image mean and an additive brightness shift. Values are not clipped.
import type { Augment } from '../options/augment.js';
import { mixSeedMurmur, mulberry32 } from '@transfusion/random';

/** Keeps augmentation's streams apart from any other use of (seed, step, row). */
const AUGMENT_STREAM = 0xa06e;

/** The random choices for one image. */
export interface AugmentDraw {
  hflip: boolean;
  vflip: boolean;
  /** Degrees, positive = counter-clockwise on screen. */
  rotate: number;
  /** Crop box in source pixels; absent = the whole image. */
  crop?: { top: number; left: number; height: number; width: number };
  /** Added to every value. */
  brightness: number;
  /** Multiplies the deviation from the image mean. */
  contrast: number;
}

const uniform = (rnd: () => number, lo: number, hi: number) => lo + (hi - lo) * rnd();

/** torchvision's RandomResizedCrop.get_params: 10 tries at a random area and aspect, then a centre crop. */
function drawCrop(
  crop: NonNullable<Augment['crop']>,
  height: number,
  width: number,
  rnd: () => number,
): NonNullable<AugmentDraw['crop']> {
  const area = height * width;
  const [s0, s1] = crop.scale;
  const [r0, r1] = crop.ratio;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rnd, s0, s1);
    const aspect = Math.exp(uniform(rnd, Math.log(r0), Math.log(r1)));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return {
        top: Math.floor(rnd() * (height - h + 1)),
        left: Math.floor(rnd() * (width - w + 1)),
        height: h,
        width: w,
      };
    }
  }
  let w = width;
  let h = height;
  if (width / height < r0) h = Math.round(w / r0);
  else if (width / height > r1) w = Math.round(h * r1);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Draws one image's augmentation. The five draws of flips, rotation, brightness and contrast always happen
 * first, so switching one part on or off leaves the other parts' random values unchanged.
 */
export function drawAugmentation(o: Augment, height: number, width: number, rnd: () => number): AugmentDraw {
  const u = [rnd(), rnd(), rnd(), rnd(), rnd()] as const;
  const d: AugmentDraw = {
    hflip: o.hflip && u[0] < 0.5,
    vflip: o.vflip && u[1] < 0.5,
    rotate: (2 * u[2] - 1) * o.rotate,
    brightness: (2 * u[3] - 1) * o.brightness,
    contrast: 1 + (2 * u[4] - 1) * o.contrast,
  };
  if (o.crop) d.crop = drawCrop(o.crop, height, width, rnd);
  return d;
}

/** Bilinear resize of the crop box back to height x width (half-pixel centres, coordinates clamped to the box). */
function resizeCrop(
  src: Float32Array,
  height: number,
  width: number,
  channels: number,
  box: NonNullable<AugmentDraw['crop']>,
): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * box.height) / height - 0.5, 0), box.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, box.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(((x + 0.5) * box.width) / width - 0.5, 0), box.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, box.width - 1);
      const fx = sx - x0;
      const at = (yy: number, xx: number) => ((box.top + yy) * width + box.left + xx) * channels;
      const a = at(y0, x0);
      const b = at(y0, x1);
      const c = at(y1, x0);
      const e = at(y1, x1);
      const o = (y * width + x) * channels;
      for (let k = 0; k < channels; k++) {
        out[o + k] =
          (src[a + k]! * (1 - fx) + src[b + k]! * fx) * (1 - fy) + (src[c + k]! * (1 - fx) + src[e + k]! * fx) * fy;
      }
    }
  }
  return out;
}

/** Flips and rotation about the image centre in one inverse mapping; bilinear, 0 outside the image. */
function flipRotate(src: Float32Array, height: number, width: number, channels: number, d: AugmentDraw): Float32Array {
  const out = new Float32Array(src.length);
  const rad = (d.rotate * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  /** Offset of pixel (yy, xx), or -1 outside the image (where the value is 0). */
  const offset = (yy: number, xx: number) =>
    yy < 0 || xx < 0 || yy >= height || xx >= width ? -1 : (yy * width + xx) * channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (d.hflip ? width - 1 - x : x) - cx;
      const dy = (d.vflip ? height - 1 - y : y) - cy;
      const o = (y * width + x) * channels;
      if (d.rotate === 0) {
        // Flips only: an exact permutation.
        const s = ((dy + cy) * width + dx + cx) * channels;
        for (let k = 0; k < channels; k++) out[o + k] = src[s + k]!;
        continue;
      }
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const a = offset(y0, x0);
      const b = offset(y0, x0 + 1);
      const c = offset(y0 + 1, x0);
      const e = offset(y0 + 1, x0 + 1);
      for (let k = 0; k < channels; k++) {
        const top = (a < 0 ? 0 : src[a + k]!) * (1 - fx) + (b < 0 ? 0 : src[b + k]!) * fx;
        const bottom = (c < 0 ? 0 : src[c + k]!) * (1 - fx) + (e < 0 ? 0 : src[e + k]!) * fx;
        out[o + k] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/** One HWC image in [0,1] units, augmented as `d` says (a new array; `src` is not changed). */
export function applyAugmentation(
  src: Float32Array,
  shape: readonly [number, number, number],
  d: AugmentDraw,
): Float32Array {
  const [height, width, channels] = shape;
  let img = src;
  const c = d.crop;
  if (c && !(c.top === 0 && c.left === 0 && c.height === height && c.width === width))
    img = resizeCrop(img, height, width, channels, c);
  if (d.hflip || d.vflip || d.rotate !== 0) img = flipRotate(img, height, width, channels, d);
  if (img === src) img = Float32Array.from(src);
  if (d.brightness !== 0 || d.contrast !== 1) {
    let mean = 0;
    for (let i = 0; i < img.length; i++) mean += img[i]!;
    mean /= img.length;
    for (let i = 0; i < img.length; i++) img[i] = (img[i]! - mean) * d.contrast + mean + d.brightness;
  }
  return img;
}

/**
 * Augments a batch of n NHWC images in [0,1] units in place. Row r of optimiser step `step` (0-based) draws
 * from a stream seeded by (seed, step, r): repeatable, independent of the backend and of the other rows.
 */
export function augmentBatch(
  pixels: Float32Array,
  n: number,
  shape: readonly [number, number, number],
  o: Augment,
  seed: number,
  step: number,
): Float32Array {
  const per = shape[0] * shape[1] * shape[2];
  for (let r = 0; r < n; r++) {
    const rnd = mulberry32(mixSeedMurmur(seed, step, r, AUGMENT_STREAM));
    const d = drawAugmentation(o, shape[0], shape[1], rnd);
    pixels.set(applyAugmentation(pixels.subarray(r * per, (r + 1) * per), shape, d), r * per);
  }
  return pixels;
}
