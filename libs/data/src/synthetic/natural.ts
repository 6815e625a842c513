import { z } from 'zod';
import type { Rng } from '@transfusion/random';
import type { ImageSet } from '../image-set.js';
import { hsv } from './color.js';
import {
  generateSynthetic,
  parseOptions,
  streamSynthetic,
  syntheticBaseSchema,
  type SyntheticGenerator,
  type SyntheticSample,
} from './common.js';
import type { Paint, Raster } from './raster.js';

/**
 * "Natural image" source set (RGB): our offline stand-in for ImageNet pretraining. Class c is the
 * combination of an object shape, a surface texture and a dominant hue:
 *   shape   = SHAPES[c % 8], texture = TEXTURES[(c mod 6 + ⌊c / 24⌋) mod 6], hue = frac(c · 0.618034)
 * (distinct for up to 48 classes). Every image has a textured background of random gratings and colour
 * blobs, 0–3 distractor objects of other shapes and random textures, and the class object at a random
 * position, scale and rotation, in its class texture and hue (jittered). Learning the classes therefore
 * needs edges, corners, oriented gratings, blobs and colour — the low-level features pretraining is meant
 * to provide. Difficulty widens hue jitter, adds distractors and noise and shrinks the object.
 */
export const naturalOptionsSchema = syntheticBaseSchema
  .extend({
    classes: z.number().int().min(2).max(48).default(16),
  })
  .strict();
export type NaturalOptions = z.input<typeof naturalOptionsSchema>;
type P = z.infer<typeof naturalOptionsSchema>;

export const SHAPES = ['disc', 'square', 'triangle', 'star', 'ring', 'cross', 'hexagon', 'crescent'] as const;
export const TEXTURES = ['solid', 'stripes', 'checker', 'dots', 'gradient', 'grain'] as const;
type Shape = (typeof SHAPES)[number];
type Texture = (typeof TEXTURES)[number];

export interface NaturalClass {
  shape: Shape;
  texture: Texture;
  hue: number;
}

export function naturalClass(c: number): NaturalClass {
  return {
    shape: SHAPES[c % SHAPES.length]!,
    texture: TEXTURES[((c % TEXTURES.length) + Math.floor(c / 24)) % TEXTURES.length]!,
    hue: (c * 0.618034) % 1,
  };
}

export function naturalClassName(c: number): string {
  const k = naturalClass(c);
  return `${k.shape}-${k.texture}-h${Math.round(k.hue * 360)}`;
}

const natural: SyntheticGenerator<P> = {
  name: 'synthetic-natural',
  channels: 3,
  task: (p) => ({ kind: 'multiclass', names: Array.from({ length: p.classes }, (_, c) => naturalClassName(c)) }),
  describe: (p) => ({
    labelRule: 'class c = shape SHAPES[c%8] x texture TEXTURES[(c%6+floor(c/24))%6] x hue frac(0.618034c)',
    classes: String(p.classes),
    difficulty: String(p.difficulty),
  }),
  render(rng, r, index, p) {
    const c = rng.int(0, p.classes - 1);
    drawNatural(rng, r, c, p.difficulty);
    const id = `n${String(index).padStart(7, '0')}`;
    return { labels: [c], patient: id, id };
  },
};

/** A texture in two colours, in coordinates relative to (cx, cy), rotated by `angle`. */
function texturePaint(
  rng: Rng,
  texture: Texture,
  a: readonly number[],
  b: readonly number[],
  cx: number,
  cy: number,
  scale: number,
): Paint {
  const ang = rng.uniform(0, Math.PI);
  const cs = Math.cos(ang);
  const sn = Math.sin(ang);
  const period = scale * rng.uniform(0.25, 0.45);
  const mix = (t: number, out: Float32Array): void => {
    out[0] = a[0]! + (b[0]! - a[0]!) * t;
    out[1] = a[1]! + (b[1]! - a[1]!) * t;
    out[2] = a[2]! + (b[2]! - a[2]!) * t;
  };
  switch (texture) {
    case 'solid':
      return a;
    case 'stripes':
      return (x, y, out) => mix(0.5 + 0.5 * Math.sin((((x - cx) * cs + (y - cy) * sn) / period) * 2 * Math.PI), out);
    case 'checker':
      return (x, y, out) => {
        const u = Math.floor(((x - cx) * cs + (y - cy) * sn) / period);
        const v = Math.floor((-(x - cx) * sn + (y - cy) * cs) / period);
        mix((u + v) & 1, out);
      };
    case 'dots':
      return (x, y, out) => {
        const u = ((x - cx) * cs + (y - cy) * sn) / period;
        const v = (-(x - cx) * sn + (y - cy) * cs) / period;
        const du = u - Math.round(u);
        const dv = v - Math.round(v);
        mix(du * du + dv * dv < 0.09 ? 1 : 0, out);
      };
    case 'gradient':
      return (x, y, out) => mix(Math.max(0, Math.min(1, 0.5 + ((x - cx) * cs + (y - cy) * sn) / (2 * scale))), out);
    case 'grain':
      return (x, y, out) => {
        // cheap hash noise: deterministic per pixel and per object
        const h = Math.sin((x * 12.9898 + y * 78.233 + cx) * 43758.5453);
        mix(h - Math.floor(h), out);
      };
  }
}

function shapeOutline(shape: Shape, cx: number, cy: number, s: number, rot: number): [number, number][] {
  const poly = (n: number, radius: (i: number) => number): [number, number][] =>
    Array.from({ length: n }, (_, i) => {
      const a = rot + (i / n) * 2 * Math.PI;
      return [cx + Math.cos(a) * radius(i), cy + Math.sin(a) * radius(i)] as [number, number];
    });
  switch (shape) {
    case 'square':
      return poly(4, () => s * 1.2);
    case 'triangle':
      return poly(3, () => s * 1.3);
    case 'star':
      return poly(10, (i) => (i % 2 ? s * 0.5 : s * 1.25));
    case 'hexagon':
      return poly(6, () => s);
    case 'cross': {
      const w = s * 0.38;
      const pts: [number, number][] = [
        [-w, -s],
        [w, -s],
        [w, -w],
        [s, -w],
        [s, w],
        [w, w],
        [w, s],
        [-w, s],
        [-w, w],
        [-s, w],
        [-s, -w],
        [-w, -w],
      ];
      const cs = Math.cos(rot);
      const sn = Math.sin(rot);
      return pts.map(([x, y]) => [cx + x * cs - y * sn, cy + x * sn + y * cs]);
    }
    default:
      return [];
  }
}

function drawShape(
  r: Raster,
  shape: Shape,
  cx: number,
  cy: number,
  s: number,
  rot: number,
  paint: Paint,
  bg: Paint,
): void {
  const soft = Math.max(0.7, r.width / 96);
  if (shape === 'disc') r.disc(cx, cy, s, paint, 1, soft);
  else if (shape === 'ring') {
    r.disc(cx, cy, s, paint, 1, soft);
    r.disc(cx, cy, s * 0.55, bg, 1, soft);
  } else if (shape === 'crescent') {
    r.disc(cx, cy, s, paint, 1, soft);
    r.disc(cx + Math.cos(rot) * s * 0.55, cy + Math.sin(rot) * s * 0.55, s * 0.85, bg, 1, soft);
  } else r.polygon(shapeOutline(shape, cx, cy, s, rot), paint, 1, soft);
}

/** Draws one image of class c. */
export function drawNatural(rng: Rng, r: Raster, c: number, difficulty: number): void {
  const S = r.width;
  const k = naturalClass(c);
  // background: two-colour grating plus soft colour blobs, in a random hue
  const bgHue = rng.next();
  const bgA = hsv(bgHue, rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.8));
  const bgB = hsv(bgHue + rng.uniform(-0.15, 0.15), rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.8));
  const bgTexture = rng.pick(TEXTURES);
  const bg = texturePaint(rng, bgTexture, bgA, bgB, S / 2, S / 2, S * rng.uniform(0.4, 1));
  r.fill(bg);
  for (let j = rng.int(1, 4); j > 0; j--)
    r.blob(
      rng.uniform(0, S),
      rng.uniform(0, S),
      S * rng.uniform(0.08, 0.25),
      hsv(rng.next(), 0.4, rng.uniform(0.3, 0.9)),
      0.5,
    );
  // distractors: other shapes and textures, any hue
  const distractors = rng.int(0, 1 + Math.round(2 * difficulty));
  for (let j = 0; j < distractors; j++) {
    const shape = rng.pick(SHAPES.filter((s) => s !== k.shape));
    const s = S * rng.uniform(0.06, 0.14);
    const x = rng.uniform(s, S - s);
    const y = rng.uniform(s, S - s);
    const col = hsv(rng.next(), rng.uniform(0.3, 0.9), rng.uniform(0.3, 1));
    drawShape(
      r,
      shape,
      x,
      y,
      s,
      rng.uniform(0, 2 * Math.PI),
      texturePaint(rng, rng.pick(TEXTURES), col, hsv(rng.next(), 0.5, 0.5), x, y, s),
      bg,
    );
  }
  // the class object
  const s = S * rng.uniform(0.18, 0.32) * (1 - 0.3 * difficulty);
  const x = rng.uniform(s * 1.1, S - s * 1.1);
  const y = rng.uniform(s * 1.1, S - s * 1.1);
  const hueJitter = 0.03 + 0.1 * difficulty;
  const main = hsv(k.hue + rng.normal(0, hueJitter), rng.uniform(0.55, 1), rng.uniform(0.55, 1));
  const second = hsv(k.hue + 0.5 + rng.normal(0, hueJitter), rng.uniform(0.2, 0.7), rng.uniform(0.1, 0.5));
  drawShape(r, k.shape, x, y, s, rng.uniform(0, 2 * Math.PI), texturePaint(rng, k.texture, main, second, x, y, s), bg);
  r.noise(rng, 0.01 + 0.05 * difficulty);
}

export function generateNaturalSet(options: NaturalOptions): ImageSet {
  return generateSynthetic(natural, parseOptions(naturalOptionsSchema, options, 'synthetic natural'));
}
export function streamNaturalSet(options: NaturalOptions): Generator<SyntheticSample> {
  return streamSynthetic(natural, parseOptions(naturalOptionsSchema, options, 'synthetic natural'));
}
