import { afterEach, describe, expect, it } from 'vitest';
import {
  extractFilters,
  filterGrid,
  gaborGrid,
  gaborInit,
  gaborKernel,
  moments,
  randomInit,
  setWeights,
  weightSourceOf,
  type WeightMap,
} from '../src/index.js';
import { SMALL, build, disposeBuilt, equalArrays } from './helpers.js';

afterEach(disposeBuilt);

/** Filter j of an HWIO kernel, input channel c, as a kh×kw plane. */
function plane(k: { shape: number[]; data: Float32Array }, j: number, c = 0): number[][] {
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  return Array.from({ length: kh }, (_, y) =>
    Array.from({ length: kw }, (_, x) => k.data[((y * kw + x) * cin + c) * cout + j]!),
  );
}

describe('Gabor filters', () => {
  it('cover an orientation × frequency × phase grid, one combination per filter', () => {
    const g = gaborGrid(7, 64);
    expect(new Set(g.map((p) => `${p.theta}|${p.frequency}|${p.phase}`)).size).toBe(64);
    expect(new Set(g.map((p) => p.theta)).size).toBe(8);
    expect(new Set(g.map((p) => p.frequency)).size).toBe(4);
    expect(Math.min(...g.map((p) => p.frequency))).toBeCloseTo(1 / 7, 10);
    expect(Math.max(...g.map((p) => p.frequency))).toBeCloseTo(0.4, 10);
  });

  it('scale the kernel to exactly the target mean and variance', () => {
    const k = gaborKernel([7, 7, 3, 64], { target: { mean: 0.01, variance: 0.04 } });
    const m = moments(k.data);
    expect(m.mean).toBeCloseTo(0.01, 6);
    expect(m.variance).toBeCloseTo(0.04, 6);
    // Same pattern on every input channel.
    expect(plane(k, 5, 0)).toEqual(plane(k, 5, 2));
  });

  it('phase 0 gives even filters, phase π/2 odd ones; θ = 0 varies along x, θ = π/2 along y', () => {
    const k = gaborKernel([7, 7, 1, 4], { orientations: 2, frequencies: [0.25], target: { mean: 0, variance: 1 } });
    const g = gaborGrid(7, 4, { orientations: 2, frequencies: [0.25] });
    expect(g.map((p) => [p.theta, p.phase])).toEqual([
      [0, 0],
      [0, Math.PI / 2],
      [Math.PI / 2, 0],
      [Math.PI / 2, Math.PI / 2],
    ]);
    const even = plane(k, 0);
    const odd = plane(k, 1);
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 7; x++) {
        expect(even[y]![x]).toBeCloseTo(even[6 - y]![6 - x]!, 5);
        expect(odd[y]![x]).toBeCloseTo(-odd[6 - y]![6 - x]!, 5);
      }
    }
    const variation = (p: number[][], dx: number, dy: number) => {
      let s = 0;
      for (let y = 0; y + dy < 7; y++) for (let x = 0; x + dx < 7; x++) s += (p[y + dy]![x + dx]! - p[y]![x]!) ** 2;
      return s;
    };
    const horizontal = plane(k, 1);
    const vertical = plane(k, 3);
    expect(variation(horizontal, 1, 0)).toBeGreaterThan(3 * variation(horizontal, 0, 1));
    expect(variation(vertical, 0, 1)).toBeGreaterThan(3 * variation(vertical, 1, 0));
  });

  it('gaborInit puts Gabors in conv1 with the source conv1 statistics and keeps the rest random', () => {
    const srcModel = build(SMALL.resnet);
    setWeights(srcModel, randomInit(srcModel, { seed: 5, scheme: 'he' }));
    const src = weightSourceOf(srcModel);
    const zm = build(SMALL.resnet);
    const { weights, report } = gaborInit(zm, { seed: 8 }, src);
    expect(report.synthetic).toEqual(['conv1_conv/kernel']);
    const a = moments(weights['conv1_conv/kernel']!.data);
    const b = moments(src.weights['conv1_conv/kernel']!.data);
    expect(a.mean).toBeCloseTo(b.mean, 6);
    expect(a.variance).toBeCloseTo(b.variance, 6);
    const random = randomInit(zm, { seed: 8 });
    for (const n of report.random) expect(equalArrays(weights[n]!.data, random[n]!.data)).toBe(true);
    expect(report.random.length).toBe(Object.keys(weights).length - 1);
  });

  it('rejects kernels too small or badly shaped', () => {
    expect(() => gaborKernel([1, 1, 3, 8])).toThrow(/1×1 kernel is too small/);
    expect(() => gaborKernel([7, 7, 3])).toThrow(/shape must be \[height, width, inChannels, outChannels\]/);
    expect(() => gaborKernel([7, 7, 3, 8], { frequencies: [0.9] })).toThrow(/frequencies/);
  });
});

describe('filter extraction', () => {
  const kernel: WeightMap = {
    // 2×2 kernel, 3 input channels, 2 filters: filter 0 = ramp, filter 1 = -2 × ramp.
    'conv1/kernel': {
      dtype: 'float32',
      shape: [2, 2, 3, 2],
      data: Float32Array.from({ length: 24 }, (_, i) => {
        const f = i % 2;
        const v = Math.floor(i / 2) / 11 - 0.5; // position*channel ramp in [-0.5, 0.5]
        return f === 0 ? v : -2 * v;
      }),
    },
  };

  it('maps a shared symmetric range to 0–255 with zero at mid-grey', () => {
    const [f0, f1] = extractFilters(kernel);
    expect(f0!.channels).toBe(3);
    expect([f0!.width, f0!.height]).toEqual([2, 2]);
    // max |w| = 1 (filter 1 at the ends): filter 1 spans 0..255, filter 0 half of it.
    expect(f1!.data[0]).toBe(255);
    expect(f1!.data[11]).toBe(0);
    expect(f0!.data[0]).toBe(Math.round(0.25 * 255));
    expect(f0!.data[11]).toBe(Math.round(0.75 * 255));
  });

  it('per-filter scaling stretches each filter; a given range compares across models; grey for ≠3 channels', () => {
    const [f0] = extractFilters(kernel, { scale: 'per-filter' });
    expect(f0!.data[0]).toBe(0);
    expect(f0!.data[11]).toBe(255);
    const [g0] = extractFilters(kernel, { range: 2 });
    expect(g0!.data[0]).toBe(Math.round(((-0.5 + 2) / 4) * 255));
    const grey = extractFilters(
      { k: { dtype: 'float32', shape: [1, 2, 2, 1], data: Float32Array.from([1, 3, -1, -3]) } },
      { kernel: 'k' },
    );
    expect(grey[0]!.channels).toBe(1);
    expect([...grey[0]!.data]).toEqual([255, 0]);
  });

  it('tiles filters into a padded, zoomed grid', () => {
    const filters = extractFilters(kernel, { scale: 'per-filter' });
    const g = filterGrid(filters, { columns: 2, padding: 1, zoom: 2, background: 9 });
    expect([g.width, g.height, g.channels]).toEqual([2 * 4 + 3, 4 + 2, 3]);
    const px = (x: number, y: number) => [...g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([9, 9, 9]);
    expect(px(1, 1)).toEqual([...filters[0]!.data.subarray(0, 3)]);
    expect(px(2, 2)).toEqual([...filters[0]!.data.subarray(0, 3)]);
    expect(px(6, 1)).toEqual([...filters[1]!.data.subarray(0, 3)]);
  });

  it('names missing kernels and mixed filter sizes', () => {
    expect(() => extractFilters(kernel, { kernel: 'nope' })).toThrow(/no weight 'nope'/);
    expect(() => extractFilters({})).toThrow(/no conv kernel/);
    expect(() => filterGrid([])).toThrow(/no filters/);
    const [a] = extractFilters(kernel);
    expect(() => filterGrid([a!, { width: 3, height: 3, channels: 3, data: new Uint8Array(27) }])).toThrow(
      /filter 1 is 3×3×3, filter 0 is 2×2×3/,
    );
  });
});
