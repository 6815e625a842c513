import { describe, expect, it } from 'vitest';
import { augmentSchema, type AugmentConfig } from '../src/options/augment.js';
import { mulberry32 } from '@transfusion/random';
import { type AugmentDraw, applyAugmentation, augmentBatch, drawAugmentation } from '../src/training/augment.js';

const none: AugmentDraw = { hflip: false, vflip: false, rotate: 0, brightness: 0, contrast: 1 };
const opts = (o: AugmentConfig) => augmentSchema.parse(o);
const close = (got: Float32Array, want: number[], digits = 5) => {
  expect(got).toHaveLength(want.length);
  want.forEach((w, i) => expect(got[i], `value ${i}`).toBeCloseTo(w, digits));
};

describe('applyAugmentation', () => {
  const img = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2 x 3 x 1

  it('flips exactly (left-right, top-bottom, both) and keeps channels together', () => {
    expect(Array.from(applyAugmentation(img, [2, 3, 1], { ...none, hflip: true }))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(Array.from(applyAugmentation(img, [2, 3, 1], { ...none, vflip: true }))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(applyAugmentation(img, [2, 3, 1], { ...none, hflip: true, vflip: true }))).toEqual([
      6, 5, 4, 3, 2, 1,
    ]);
    // 1 x 2 x 2: pixel (a0, a1), pixel (b0, b1)
    expect(Array.from(applyAugmentation(Float32Array.from([1, 2, 3, 4]), [1, 2, 2], { ...none, hflip: true }))).toEqual(
      [3, 4, 1, 2],
    );
    expect(Array.from(img)).toEqual([1, 2, 3, 4, 5, 6]); // the source is not changed
  });

  it('rotation by 0 and a whole-image crop are the identity', () => {
    expect(Array.from(applyAugmentation(img, [2, 3, 1], none))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      Array.from(applyAugmentation(img, [2, 3, 1], { ...none, crop: { top: 0, left: 0, height: 2, width: 3 } })),
    ).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rotates counter-clockwise about the centre; outside the image is 0', () => {
    const sq = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    close(applyAugmentation(sq, [3, 3, 1], { ...none, rotate: 90 }), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
    close(applyAugmentation(sq, [3, 3, 1], { ...none, rotate: -90 }), [7, 4, 1, 8, 5, 2, 9, 6, 3]);
    // 45° on an image of ones: the corner (0,0) samples at (x=1, y=1-√2), i.e. between a 0 row and a row of ones.
    const r = applyAugmentation(new Float32Array(9).fill(1), [3, 3, 1], { ...none, rotate: 45 });
    expect(r[0]).toBeCloseTo(2 - Math.SQRT2, 6);
    expect(r[4]).toBeCloseTo(1, 6);
  });

  it('resizes a crop box back with bilinear interpolation at half-pixel centres, clamped to the box', () => {
    // 4x4 image, value = 10 * row + col; crop the top-left 2x2 ([0, 1], [10, 11]) and upscale x2.
    const src = Float32Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
    const out = applyAugmentation(src, [4, 4, 1], { ...none, crop: { top: 0, left: 0, height: 2, width: 2 } });
    // source coordinate of output 0..3: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    const axis = [0, 0.25, 0.75, 1];
    close(
      out,
      axis.flatMap((fy) => axis.map((fx) => 10 * fy + fx)),
    );
  });

  it('applies contrast about the image mean, then adds the brightness shift (no clipping)', () => {
    const px = Float32Array.from([0, 0.2, 0.4, 1]); // mean 0.4
    // (v - 0.4) * 1.5 + 0.4 + 0.1
    close(applyAugmentation(px, [2, 2, 1], { ...none, contrast: 1.5, brightness: 0.1 }), [-0.1, 0.2, 0.5, 1.4], 6);
    close(applyAugmentation(px, [2, 2, 1], { ...none, brightness: -0.2 }), [-0.2, 0, 0.2, 0.8], 6);
  });
});

describe('drawAugmentation', () => {
  it('flips with probability 0.5 and draws angle, brightness and contrast uniformly in their ranges', () => {
    const o = opts({ hflip: true, vflip: true, rotate: 15, brightness: 0.1, contrast: 0.2 });
    const rnd = mulberry32(11);
    const draws = Array.from({ length: 2000 }, () => drawAugmentation(o, 8, 8, rnd));
    const h = draws.filter((d) => d.hflip).length;
    const v = draws.filter((d) => d.vflip).length;
    expect(h).toBeGreaterThan(900);
    expect(h).toBeLessThan(1100);
    expect(v).toBeGreaterThan(900);
    expect(v).toBeLessThan(1100);
    expect(Math.max(...draws.map((d) => Math.abs(d.rotate)))).toBeLessThanOrEqual(15);
    expect(Math.max(...draws.map((d) => Math.abs(d.rotate)))).toBeGreaterThan(14);
    expect(draws.every((d) => Math.abs(d.brightness) <= 0.1 && d.contrast >= 0.8 && d.contrast <= 1.2)).toBe(true);
  });

  it('everything off draws the identity', () => {
    const d = drawAugmentation(opts({}), 8, 8, mulberry32(1));
    expect(d).toEqual({
      hflip: false,
      vflip: false,
      rotate: expect.closeTo(0, 12) as number,
      brightness: expect.closeTo(0, 12) as number,
      contrast: 1,
    });
  });

  it('crops a random area fraction and aspect inside the image (torchvision RandomResizedCrop)', () => {
    const o = opts({ crop: { scale: [0.25, 0.5], ratio: [0.5, 2] } });
    const rnd = mulberry32(5);
    for (let i = 0; i < 300; i++) {
      const c = drawAugmentation(o, 32, 32, rnd).crop!;
      expect(c.top >= 0 && c.left >= 0 && c.top + c.height <= 32 && c.left + c.width <= 32).toBe(true);
      const area = (c.width * c.height) / (32 * 32);
      expect(area).toBeGreaterThan(0.2); // rounding the sides moves the area a little off [0.25, 0.5]
      expect(area).toBeLessThan(0.56);
    }
    // scale [1, 1], ratio [1, 1] on a square image: the whole image
    expect(drawAugmentation(opts({ crop: { scale: [1, 1], ratio: [1, 1] } }), 16, 16, mulberry32(2)).crop).toEqual({
      top: 0,
      left: 0,
      height: 16,
      width: 16,
    });
  });

  it('switching the crop on leaves the other parts of a draw unchanged', () => {
    const base = { hflip: true, rotate: 10, brightness: 0.1 } as const;
    const a = drawAugmentation(opts(base), 8, 8, mulberry32(9));
    const { crop: _crop, ...b } = drawAugmentation(opts({ ...base, crop: {} }), 8, 8, mulberry32(9));
    expect(b).toEqual(a);
  });
});

describe('augmentBatch', () => {
  const shape = [6, 6, 1] as const;
  const batch = () => Float32Array.from({ length: 4 * 36 }, (_, i) => ((i * 7) % 36) / 36); // 4 identical images
  const o = opts({ hflip: true, vflip: true, rotate: 20, crop: { scale: [0.5, 1] }, brightness: 0.1, contrast: 0.1 });

  it('is repeatable for (seed, step) and differs across steps, seeds and rows', () => {
    const a = augmentBatch(batch(), 4, shape, o, 3, 10);
    expect(Array.from(augmentBatch(batch(), 4, shape, o, 3, 10))).toEqual(Array.from(a));
    expect(Array.from(augmentBatch(batch(), 4, shape, o, 3, 11))).not.toEqual(Array.from(a));
    expect(Array.from(augmentBatch(batch(), 4, shape, o, 4, 10))).not.toEqual(Array.from(a));
    const src = batch();
    expect(Array.from(src.subarray(0, 36))).toEqual(Array.from(src.subarray(36 * 3, 36 * 4))); // same pixels in rows 0 and 3...
    expect(Array.from(a.subarray(0, 36))).not.toEqual(Array.from(a.subarray(36 * 3, 36 * 4))); // ...augmented differently
  });

  it('with a whole-image crop and nothing else, returns the batch unchanged', () => {
    const out = augmentBatch(batch(), 4, shape, opts({ crop: { scale: [1, 1], ratio: [1, 1] } }), 1, 0);
    expect(Array.from(out)).toEqual(Array.from(batch()));
  });
});
