import { describe, expect, it } from 'vitest';
import { augmentBatch, augmentImage, parseAugmentOptions } from '../src/augment.js';
import type { ImageSet } from '../src/image-set.js';
import { computeChannelStats, normalizeImages } from '../src/normalize.js';
import { createRng } from '@transfusion/random';

function tinySet(values: number[][], splits: ImageSet['splits'], channels = 1): ImageSet {
  const n = values.length;
  const d = values[0]!.length;
  const side = Math.round(Math.sqrt(d / channels));
  return {
    name: 't',
    height: side,
    width: side,
    channels,
    images: Uint8Array.from(values.flat()),
    task: { kind: 'binary', names: ['x'] },
    labels: new Float32Array(n),
    mask: new Uint8Array(n).fill(1),
    ids: values.map((_, i) => `i${i}`),
    patients: values.map((_, i) => `p${i}`),
    splits,
    meta: {},
  };
}

describe('normalisation', () => {
  it('computes per-channel mean/std on the training split only', () => {
    // 2×1 RGB images: train pixels (R,G,B) = (0,51,255),(255,51,255); the val image is ignored
    const set = tinySet(
      [
        [0, 51, 255, 255, 51, 255],
        [9, 9, 9, 9, 9, 9],
      ],
      ['train', 'val'],
      3,
    );
    set.height = 1;
    set.width = 2;
    const s = computeChannelStats(set);
    expect(s.mean[0]).toBeCloseTo(0.5, 10);
    expect(s.mean[1]).toBeCloseTo(0.2, 10);
    expect(s.mean[2]).toBeCloseTo(1, 10);
    expect(s.std[0]).toBeCloseTo(0.5, 10);
    expect(s.std[1]).toBe(1); // zero variance → 1, so normalisation never divides by 0
    expect(s.images).toBe(1);
    const z = normalizeImages(set, s);
    expect(z[0]).toBeCloseTo(-1, 6);
    expect(z[3]).toBeCloseTo(1, 6);
    expect(() => computeChannelStats(set, ['test'])).toThrow(/no images in split\(s\) test/);
  });
});

describe('augmentation', () => {
  const img = Float32Array.from({ length: 16 }, (_, i) => i / 16); // 4×4 grey ramp

  it('a flip-only augmentation returns the image or its exact mirror', () => {
    const o = parseAugmentOptions({ hflip: true, rotate: 0, brightness: 0, contrast: 0 });
    const mirror = Float32Array.from({ length: 16 }, (_, i) => img[Math.floor(i / 4) * 4 + (3 - (i % 4))]!);
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) {
      const out = augmentImage(img, 4, 4, 1, createRng(s), o);
      const same = out.every((v, i) => v === img[i]);
      const flipped = out.every((v, i) => v === mirror[i]);
      expect(same || flipped).toBe(true);
      seen.add(same ? 'same' : 'flipped');
    }
    expect(seen.size).toBe(2);
  });

  it('brightness/contrast keep the mean shift within bounds; rotation keeps the centre pixel', () => {
    const flat = new Float32Array(25).fill(0.5);
    flat[12] = 1;
    const o = parseAugmentOptions({ hflip: false, rotate: 30, brightness: 0.1, contrast: 0 });
    for (let s = 0; s < 10; s++) {
      const out = augmentImage(flat, 5, 5, 1, createRng(s), o);
      const shift = out[12]! - 1;
      expect(Math.abs(shift)).toBeLessThanOrEqual(0.1 + 1e-6);
    }
  });

  it('augmentBatch is deterministic per (seed, epoch, row) and independent of batch composition', () => {
    const set = tinySet(
      [Array.from({ length: 16 }, (_, i) => i * 10), Array.from({ length: 16 }, (_, i) => 255 - i * 10)],
      ['train', 'train'],
    );
    const a = augmentBatch(set, [0, 1], 7, 3);
    const b = augmentBatch(set, [1], 7, 3);
    expect(Array.from(a.subarray(16))).toEqual(Array.from(b));
    expect(Array.from(augmentBatch(set, [0, 1], 7, 3))).toEqual(Array.from(a));
    expect(Array.from(augmentBatch(set, [0, 1], 7, 4))).not.toEqual(Array.from(a));
    expect(() => augmentBatch(set, [0], 1, 1, { rotate: -5 })).toThrow(/augment options: rotate/);
  });
});
