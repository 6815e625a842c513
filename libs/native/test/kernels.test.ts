import { beforeAll, describe, expect, it } from 'vitest';
import { BINARY_OPS, convGeometryArray, poolGeometryArray, type NativeAddon, type PoolGeometry } from '../src/addon.js';
import { loadNative } from '../src/load.js';
import {
  avgPool,
  avgPoolGrad,
  convBackwardData,
  convBackwardWeights,
  convForward,
  convGeometry,
  maxPool,
  maxPoolGrad,
} from './reference.js';
import { randomArray, randomOfShape, relError } from '../../../tools/testing/random-arrays.js';
import { nativeExpected } from './expected.js';

// Every kernel of the addon against its loop definition (float64), across strides, dilations, paddings and odd shapes.
const expected = nativeExpected();
let addon: NativeAddon;

beforeAll(() => {
  const r = loadNative({});
  if (expected.built) {
    if (!r.available) throw new Error(`the addon was built but does not load: ${r.reason}`);
    addon = r.addon;
    addon.setThreads(2);
  }
});

type Pad = 'same' | 'valid' | [number, number, number, number];
interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}
const cases: Case[] = [];
for (const strides of [
  [1, 1],
  [2, 2],
  [2, 1],
  [3, 3],
] as [number, number][]) {
  for (const pad of ['same', 'valid', [1, 2, 2, 0]] as Pad[]) {
    cases.push({ x: [2, 9, 7, 3], f: [3, 2, 3, 4], strides, dilations: [1, 1], pad });
    cases.push({ x: [3, 12, 10, 2], f: [5, 5, 2, 5], strides, dilations: [1, 1], pad });
  }
}
cases.push({ x: [2, 11, 9, 3], f: [3, 3, 3, 2], strides: [1, 1], dilations: [2, 2], pad: 'same' });
cases.push({ x: [2, 11, 9, 3], f: [3, 2, 3, 2], strides: [1, 1], dilations: [2, 3], pad: 'valid' });
cases.push({ x: [2, 7, 6, 2], f: [2, 2, 2, 3], strides: [1, 1], dilations: [1, 1], pad: [3, 0, 1, 2] }); // padding wider than the kernel
cases.push({ x: [2, 8, 11, 6], f: [1, 1, 6, 3], strides: [2, 2], dilations: [1, 1], pad: 'valid' });
cases.push({ x: [4, 16, 16, 1], f: [5, 5, 1, 8], strides: [1, 1], dilations: [1, 1], pad: 'same' });
cases.push({ x: [1, 1, 1, 5], f: [1, 1, 5, 7], strides: [1, 1], dilations: [1, 1], pad: 'valid' });
// Few input channels: backward-data takes the direct loop (up to 160 taps), beyond it oneDNN.
cases.push({ x: [2, 15, 13, 3], f: [7, 7, 3, 6], strides: [2, 2], dilations: [1, 1], pad: 'same' }); // ResNet stem, 147 taps
cases.push({ x: [2, 9, 8, 4], f: [7, 7, 4, 5], strides: [1, 2], dilations: [1, 1], pad: [3, 1, 2, 4] }); // 196 taps: oneDNN
cases.push({ x: [3, 10, 9, 4], f: [3, 3, 4, 17], strides: [3, 2], dilations: [2, 1], pad: 'same' });
cases.push({ x: [2, 6, 5, 1], f: [4, 3, 1, 33], strides: [1, 1], dilations: [1, 1], pad: [5, 3, 0, 4] }); // padding wider than the kernel

describe.skipIf(!expected.built)('oneDNN convolutions vs loop definitions', () => {
  for (const [i, c] of cases.entries()) {
    it(`x=${c.x.join('x')} f=${c.f.join('x')} s=${c.strides} d=${c.dilations} pad=${JSON.stringify(c.pad)}`, () => {
      const g = convGeometry(c.x, c.f, c.strides, c.dilations, c.pad);
      const geo = convGeometryArray(g);
      const x = randomOfShape(c.x, 10 + i);
      const w = randomOfShape(c.f, 100 + i);
      const dy = randomArray(g.batch * g.outHeight * g.outWidth * g.outChannels, 1000 + i);
      const bias = randomArray(g.outChannels, 7 + i);

      const y = new Float32Array(dy.length);
      addon.conv2dForward(geo, x, w, null, 0, y);
      expect(relError(y, convForward(g, x, w))).toBeLessThan(1e-5);
      addon.conv2dForward(geo, x, w, bias, 1, y);
      expect(relError(y, convForward(g, x, w, bias, true))).toBeLessThan(1e-5);

      const dx = new Float32Array(x.length).fill(Number.NaN); // every element must be written
      addon.conv2dBackwardData(geo, dy, w, dx);
      expect(relError(dx, convBackwardData(g, dy, w))).toBeLessThan(1e-5);

      const dw = new Float32Array(w.length).fill(Number.NaN);
      addon.conv2dBackwardWeights(geo, x, dy, dw);
      expect(relError(dw, convBackwardWeights(g, x, dy))).toBeLessThan(1e-5);
    });
  }

  it('works in place on a Float32Array view into a SharedArrayBuffer (the threaded wasm heap)', () => {
    const g = convGeometry([2, 9, 7, 3], [3, 3, 3, 4], [2, 2], [1, 1], 'same');
    const xn = 2 * 9 * 7 * 3,
      wn = 3 * 3 * 3 * 4,
      yn = g.batch * g.outHeight * g.outWidth * g.outChannels;
    const heap = new SharedArrayBuffer((16 + xn + wn + yn) * 4);
    const x = new Float32Array(heap, 16 * 4, xn);
    const w = new Float32Array(heap, (16 + xn) * 4, wn);
    const y = new Float32Array(heap, (16 + xn + wn) * 4, yn);
    x.set(randomArray(xn, 1));
    w.set(randomArray(wn, 2));
    addon.conv2dForward(convGeometryArray(g), x, w, null, 0, y);
    expect(relError(y, convForward(g, x, w))).toBeLessThan(1e-5);
    expect(new Float32Array(heap, 0, 16).every((v) => v === 0)).toBe(true); // nothing written before the views
  });

  it('caches one primitive per geometry', () => {
    const g = convGeometryArray(convGeometry([1, 5, 5, 2], [3, 3, 2, 2], [1, 1], [1, 1], 'same'));
    const x = randomArray(50, 3),
      w = randomArray(36, 4),
      y = new Float32Array(50);
    addon.conv2dForward(g, x, w, null, 0, y);
    const n = addon.info().cachedPrimitives;
    addon.conv2dForward(g, x, w, null, 0, y);
    expect(addon.info().cachedPrimitives).toBe(n);
  });
});

describe.skipIf(!expected.built)('MaxPoolGrad and leading sums vs loop definitions', () => {
  const pools: PoolGeometry[] = [
    {
      batch: 2,
      inHeight: 9,
      inWidth: 7,
      channels: 3,
      outHeight: 5,
      outWidth: 4,
      filterHeight: 3,
      filterWidth: 3,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 1,
      padLeft: 1,
    },
    {
      batch: 2,
      inHeight: 9,
      inWidth: 7,
      channels: 3,
      outHeight: 4,
      outWidth: 3,
      filterHeight: 3,
      filterWidth: 3,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 0,
      padLeft: 0,
    },
    {
      batch: 3,
      inHeight: 10,
      inWidth: 6,
      channels: 4,
      outHeight: 10,
      outWidth: 6,
      filterHeight: 3,
      filterWidth: 3,
      strideHeight: 1,
      strideWidth: 1,
      padTop: 1,
      padLeft: 1,
    },
    {
      batch: 1,
      inHeight: 8,
      inWidth: 8,
      channels: 5,
      outHeight: 4,
      outWidth: 4,
      filterHeight: 2,
      filterWidth: 2,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 0,
      padLeft: 0,
    },
  ];
  for (const [i, p] of pools.entries()) {
    it(`pool ${p.filterHeight}/${p.strideHeight} on ${p.batch}x${p.inHeight}x${p.inWidth}x${p.channels} (ties included)`, () => {
      const x = randomArray(p.batch * p.inHeight * p.inWidth * p.channels, 50 + i);
      for (let k = 0; k < x.length; k += 3) x[k] = Math.round(x[k]! * 2) / 2; // ties: the first maximum gets dy
      const dy = randomArray(p.batch * p.outHeight * p.outWidth * p.channels, 70 + i);
      const dx = new Float32Array(x.length).fill(Number.NaN);
      addon.maxPoolGrad(poolGeometryArray(p), x, dy, dx);
      expect(relError(dx, maxPoolGrad(p, x, dy))).toBeLessThan(1e-6);
    });
  }

  for (const [i, p] of pools.entries()) {
    it(`max pool ${p.filterHeight}/${p.strideHeight} pad ${p.padTop},${p.padLeft} on ${p.batch}x${p.inHeight}x${p.inWidth}x${p.channels}`, () => {
      const x = randomArray(p.batch * p.inHeight * p.inWidth * p.channels, 60 + i);
      x[0] = Number.NaN; // never taken, as on the cpu backend
      const y = new Float32Array(p.batch * p.outHeight * p.outWidth * p.channels).fill(Number.NaN);
      addon.maxPool(poolGeometryArray(p), x, y);
      expect(relError(y, maxPool(p, x))).toBeLessThan(1e-6);
      expect(y.some(Number.isNaN)).toBe(false);
    });
  }

  for (const [i, p] of pools.entries()) {
    it(`average pool ${p.filterHeight}/${p.strideHeight} pad ${p.padTop},${p.padLeft} on ${p.batch}x${p.inHeight}x${p.inWidth}x${p.channels} and its gradient`, () => {
      const x = randomArray(p.batch * p.inHeight * p.inWidth * p.channels, 80 + i);
      const dy = randomArray(p.batch * p.outHeight * p.outWidth * p.channels, 90 + i);
      const y = new Float32Array(dy.length).fill(Number.NaN);
      addon.avgPool(poolGeometryArray(p), x, y);
      expect(relError(y, avgPool(p, x))).toBeLessThan(1e-6);
      const dx = new Float32Array(x.length).fill(Number.NaN);
      addon.avgPoolGrad(poolGeometryArray(p), dy, dx);
      expect(relError(dx, avgPoolGrad(p, dy))).toBeLessThan(1e-6);
    });
  }

  it.each([
    [1, 1, 1],
    [3, 7, 5],
    [32, 16, 256],
    [5, 1000, 3],
  ])('middle sums: %i blocks of %i rows of width %i', (outer, rows, width) => {
    const x = randomArray(outer * rows * width, rows + width);
    const want = new Float64Array(outer * width);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < width; k++) want[o * width + k]! += x[(o * rows + r) * width + k]!;
    const out = new Float32Array(outer * width);
    addon.middleSum(x, outer, rows, width, 1 / rows, out);
    expect(
      relError(
        out,
        want.map((v) => v / rows),
      ),
    ).toBeLessThan(1e-6);
  });

  it.each([
    [1, 1],
    [7, 3],
    [1000, 17],
    [64 * 32, 32],
  ])('sums and means %i rows of width %i', (rows, width) => {
    const x = randomArray(rows * width, rows);
    const want = new Float64Array(width);
    for (let r = 0; r < rows; r++) for (let k = 0; k < width; k++) want[k]! += x[r * width + k]!;
    const out = new Float32Array(width);
    addon.leadingSum(x, rows, width, 1, out);
    expect(relError(out, want)).toBeLessThan(1e-6);
    addon.leadingSum(x, rows, width, 1 / rows, out);
    expect(
      relError(
        out,
        want.map((v) => v / rows),
      ),
    ).toBeLessThan(1e-6);
  });
});

describe.skipIf(!expected.built)('argument checks (no out-of-bounds access)', () => {
  const g = convGeometryArray(convGeometry([1, 5, 5, 2], [3, 3, 2, 2], [1, 1], [1, 1], 'same'));
  const x = new Float32Array(50),
    w = new Float32Array(36),
    y = new Float32Array(50);
  it('rejects arrays whose length does not match the geometry', () => {
    expect(() => addon.conv2dForward(g, x, new Float32Array(35), null, 0, y)).toThrow(
      /filter: expected 36 elements, got 35/,
    );
    expect(() => addon.conv2dBackwardData(g, y, w, new Float32Array(49))).toThrow(/dx: expected 50 elements, got 49/);
    expect(() =>
      addon.maxPoolGrad(
        [1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0],
        new Float32Array(16),
        new Float32Array(3),
        new Float32Array(16),
      ),
    ).toThrow(/dy: expected 4 elements/);
    expect(() => addon.leadingSum(new Float32Array(10), 3, 4, 1, new Float32Array(4))).toThrow(
      /x: expected 12 elements/,
    );
    expect(() => addon.middleSum(new Float32Array(24), 2, 3, 4, 1, new Float32Array(4))).toThrow(
      /out: expected 8 elements/,
    );
    expect(() =>
      addon.avgPool([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0], new Float32Array(16), new Float32Array(5)),
    ).toThrow(/y: expected 4 elements/);
    expect(() =>
      addon.maxPool([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0], new Float32Array(15), new Float32Array(4)),
    ).toThrow(/x: expected 16 elements/);
    expect(() =>
      addon.avgPoolGrad([1, 4, 4, 1, 2, 2, 2, 2, 0, 2, 0, 0], new Float32Array(4), new Float32Array(16)),
    ).toThrow(/geometry\[8\]: expected a positive size, got 0/);
    const v = new Float32Array(6);
    expect(() =>
      addon.batchNormGrad(
        new Float32Array(12),
        new Float32Array(12),
        3,
        v.subarray(0, 3),
        v.subarray(0, 2),
        null,
        1e-3,
        new Float32Array(12),
        v,
      ),
    ).toThrow(/variance: expected 3 elements, got 2/);
    expect(() =>
      addon.batchNormGrad(
        new Float32Array(12),
        new Float32Array(12),
        3,
        v.subarray(0, 3),
        v.subarray(0, 3),
        null,
        1e-3,
        new Float32Array(12),
        new Float32Array(3),
      ),
    ).toThrow(/sums: expected 6 elements, got 3/);
    expect(() => addon.reluGrad(new Float32Array(5), new Float32Array(4), new Float32Array(4))).toThrow(
      /dy: expected 4 elements, got 5/,
    );
  });
  it('rejects wrong types and inconsistent geometry', () => {
    expect(() => addon.conv2dForward(g, new Float64Array(50) as unknown as Float32Array, w, null, 0, y)).toThrow(
      /x: expected a Float32Array/,
    );
    expect(() => addon.conv2dForward(g.slice(0, 16), x, w, null, 0, y)).toThrow(
      /geometry: expected 17 integers, got 16/,
    );
    const bad = [...g];
    bad[7] = 4; // output height 4 cannot come from 5 rows, 3x3 kernel, 'same' padding, stride 1
    expect(() => addon.conv2dForward(bad, x, w, null, 0, new Float32Array(40))).toThrow(/does not follow from/);
    expect(() => addon.conv2dForward(g, x, w, null, 2 as 0, y)).toThrow(/activation/);
    expect(() => addon.setThreads(0)).toThrow(/threads: expected an integer from 1 to 256, got 0/);
  });
});

describe.skipIf(!expected.built)('elementwise kernels vs loop definitions', () => {
  const ops: [keyof typeof BINARY_OPS, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y],
    ['squaredDifference', (x, y) => (x - y) ** 2],
  ];
  for (const [name, f] of ops) {
    it.each([
      [40000, 40000],
      [40000, 32],
      [32, 40000],
      [35, 1],
      [1, 35],
      [6, 6],
    ])(`${name}: lengths %i and %i`, (aLen, bLen) => {
      const n = Math.max(aLen, bLen);
      const a = randomArray(aLen, 1 + aLen),
        b = randomArray(bLen, 2 + bLen).map((v) => v + Math.sign(v) * 0.5); // no division by ~0
      const out = new Float32Array(n);
      addon.binary(BINARY_OPS[name], a, b, out);
      const want = Float64Array.from({ length: n }, (_, i) => Math.fround(f(a[i % aLen]!, b[i % bLen]!)));
      expect(relError(out, want)).toBeLessThan(1e-6);
    });
  }

  it('rejects lengths that are not periods of the output', () => {
    expect(() => addon.binary(BINARY_OPS.add, new Float32Array(10), new Float32Array(3), new Float32Array(10))).toThrow(
      /must each equal or divide the output length 10/,
    );
    expect(() => addon.binary(BINARY_OPS.add, new Float32Array(2), new Float32Array(5), new Float32Array(10))).toThrow(
      /one side must have the output length/,
    );
    expect(() => addon.binary(7 as 0, new Float32Array(2), new Float32Array(2), new Float32Array(2))).toThrow(
      /op: expected 0..4/,
    );
  });

  it.each([[true], [false]])('batchNorm with offset/scale %s', (affine) => {
    const c = 5,
      rows = 3000;
    const x = randomArray(rows * c, 3),
      mean = randomArray(c, 4),
      variance = randomArray(c, 5).map(Math.abs);
    const offset = randomArray(c, 6),
      scale = randomArray(c, 7);
    const out = new Float32Array(x.length);
    addon.batchNorm(x, c, mean, variance, affine ? offset : null, affine ? scale : null, 1e-3, out);
    const want = Float64Array.from(x, (v, i) => {
      const k = i % c;
      return ((v - mean[k]!) / Math.sqrt(variance[k]! + 1e-3)) * (affine ? scale[k]! : 1) + (affine ? offset[k]! : 0);
    });
    expect(relError(out, want)).toBeLessThan(1e-5);
    expect(() => addon.batchNorm(x, 7, mean, variance, null, null, 1e-3, out)).toThrow(
      /channels: expected a positive divisor/,
    );
  });

  it.each([
    [true, 3000, 5],
    [false, 7, 3],
    [true, 64 * 64 * 2, 32],
  ])('batchNormGrad with scale %s: %i rows of %i channels', (scaled, rows, c) => {
    const x = randomArray(rows * c, 13),
      dy = randomArray(rows * c, 14),
      mean = randomArray(c, 15),
      scale = randomArray(c, 17);
    const variance = randomArray(c, 16).map((v) => Math.abs(v) + 0.1);
    const dx = new Float32Array(x.length).fill(Number.NaN),
      sums = new Float32Array(2 * c).fill(Number.NaN);
    addon.batchNormGrad(x, dy, c, mean, variance, scaled ? scale : null, 1e-3, dx, sums);
    const want = Float64Array.from(
      dy,
      (d, i) => (d / Math.sqrt(variance[i % c]! + 1e-3)) * (scaled ? scale[i % c]! : 1),
    );
    expect(relError(dx, want)).toBeLessThan(1e-6);
    const wantSums = new Float64Array(2 * c);
    for (let i = 0; i < x.length; i++) {
      wantSums[i % c]! += dy[i]!;
      wantSums[c + (i % c)]! += (x[i]! - mean[i % c]!) * dy[i]!;
    }
    expect(relError(sums, wantSums)).toBeLessThan(1e-5);
  });

  it('reluGrad passes dy where x > 0, zero elsewhere, NaN for NaN', () => {
    const x = Float32Array.from([1, -1, 0, Number.NaN, 2, -0, ...randomArray(40000, 21)]);
    const dy = Float32Array.from([3, 3, 3, 3, -4, 5, ...randomArray(40000, 22)]);
    const out = new Float32Array(x.length);
    addon.reluGrad(dy, x, out);
    expect(Array.from(out.subarray(0, 6))).toEqual([3, 0, 0, Number.NaN, -4, 0]);
    expect(out.every((v, i) => Object.is(v, x[i]! > 0 ? dy[i]! : Number.isNaN(x[i]!) ? Number.NaN : dy[i]! * 0))).toBe(
      true,
    );
  });
});

describe.skipIf(!expected.built)('ReLU and Adam vs loop definitions', () => {
  it('relu keeps NaN and maps -0 to 0', () => {
    const x = Float32Array.from([1, -1, 0, Number.NaN, -0, ...randomArray(40000, 23)]);
    const out = new Float32Array(x.length);
    addon.relu(x, out);
    expect(Array.from(out.subarray(0, 5))).toEqual([1, 0, 0, Number.NaN, 0]);
    expect(out.every((v, i) => Object.is(v, Number.isNaN(x[i]!) ? Number.NaN : Math.max(0, x[i]!)))).toBe(true);
  });

  it.each([[0], [0.01]])('adam (weight decay %s) equals the float32 op-by-op update bit for bit', (weightDecay) => {
    const n = 50003,
      t = 3,
      lr = 1e-3,
      b1 = 0.9,
      b2 = 0.999,
      eps = 1e-7;
    const w = randomArray(n, 31),
      g = randomArray(n, 32),
      m = randomArray(n, 33).map((v) => v * 0.1),
      v = randomArray(n, 34).map((x) => x * x);
    const f = Math.fround;
    const k = [b1, 1 - b1, b2, 1 - b2, 1 - b1 ** t, 1 - b2 ** t, eps, lr, lr * weightDecay].map(f);
    const wOut = new Float32Array(n),
      mOut = new Float32Array(n),
      vOut = new Float32Array(n);
    addon.adam(k, w, g, m, v, wOut, mOut, vOut);
    for (let i = 0; i < n; i++) {
      const m1 = f(f(m[i]! * k[0]!) + f(g[i]! * k[1]!));
      const v1 = f(f(v[i]! * k[2]!) + f(f(g[i]! * g[i]!) * k[3]!));
      const step = f(f(m1 / k[4]!) / f(f(Math.sqrt(f(v1 / k[5]!))) + k[6]!));
      let next = f(w[i]! - f(step * k[7]!));
      if (weightDecay > 0) next = f(next - f(w[i]! * k[8]!));
      if (mOut[i] !== m1 || vOut[i] !== v1 || wOut[i] !== next) throw new Error(`element ${i}: ${wOut[i]} vs ${next}`);
    }
    expect(() => addon.adam(k.slice(0, 8), w, g, m, v, wOut, mOut, vOut)).toThrow(/constants: expected \[beta1/);
    expect(() => addon.adam(k, w, g.subarray(1), m, v, wOut, mOut, vOut)).toThrow(
      /g: expected 50003 elements, got 50002/,
    );
  });
});
