import { beforeAll, describe, expect, it } from 'vitest';
import { BINARY_OPS, convGeometryArray, poolGeometryArray, type NativeAddon, type PoolGeometry } from '../src/addon.js';
import { loadNative } from '../src/load.js';
import { convBackwardData, convBackwardWeights, convForward, convGeometry, maxPoolGrad, randomArray, relError } from './reference.js';
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
interface Case { x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; dilations: [number, number]; pad: Pad }
const cases: Case[] = [];
for (const strides of [[1, 1], [2, 2], [2, 1], [3, 3]] as [number, number][]) {
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

describe.skipIf(!expected.built)('oneDNN convolutions vs loop definitions', () => {
  for (const [i, c] of cases.entries()) {
    it(`x=${c.x.join('x')} f=${c.f.join('x')} s=${c.strides} d=${c.dilations} pad=${JSON.stringify(c.pad)}`, () => {
      const g = convGeometry(c.x, c.f, c.strides, c.dilations, c.pad);
      const geo = convGeometryArray(g);
      const x = randomArray(c.x.reduce((a, b) => a * b), 10 + i);
      const w = randomArray(c.f.reduce((a, b) => a * b), 100 + i);
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
    const xn = 2 * 9 * 7 * 3, wn = 3 * 3 * 3 * 4, yn = g.batch * g.outHeight * g.outWidth * g.outChannels;
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
    const x = randomArray(50, 3), w = randomArray(36, 4), y = new Float32Array(50);
    addon.conv2dForward(g, x, w, null, 0, y);
    const n = addon.info().cachedPrimitives;
    addon.conv2dForward(g, x, w, null, 0, y);
    expect(addon.info().cachedPrimitives).toBe(n);
  });
});

describe.skipIf(!expected.built)('MaxPoolGrad and leading sums vs loop definitions', () => {
  const pools: PoolGeometry[] = [
    { batch: 2, inHeight: 9, inWidth: 7, channels: 3, outHeight: 5, outWidth: 4, filterHeight: 3, filterWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1 },
    { batch: 2, inHeight: 9, inWidth: 7, channels: 3, outHeight: 4, outWidth: 3, filterHeight: 3, filterWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0 },
    { batch: 3, inHeight: 10, inWidth: 6, channels: 4, outHeight: 10, outWidth: 6, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1 },
    { batch: 1, inHeight: 8, inWidth: 8, channels: 5, outHeight: 4, outWidth: 4, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0 },
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

  it.each([[1, 1], [7, 3], [1000, 17], [64 * 32, 32]])('sums and means %i rows of width %i', (rows, width) => {
    const x = randomArray(rows * width, rows);
    const want = new Float64Array(width);
    for (let r = 0; r < rows; r++) for (let k = 0; k < width; k++) want[k]! += x[r * width + k]!;
    const out = new Float32Array(width);
    addon.leadingSum(x, rows, width, 1, out);
    expect(relError(out, want)).toBeLessThan(1e-6);
    addon.leadingSum(x, rows, width, 1 / rows, out);
    expect(relError(out, want.map((v) => v / rows))).toBeLessThan(1e-6);
  });
});

describe.skipIf(!expected.built)('argument checks (no out-of-bounds access)', () => {
  const g = convGeometryArray(convGeometry([1, 5, 5, 2], [3, 3, 2, 2], [1, 1], [1, 1], 'same'));
  const x = new Float32Array(50), w = new Float32Array(36), y = new Float32Array(50);
  it('rejects arrays whose length does not match the geometry', () => {
    expect(() => addon.conv2dForward(g, x, new Float32Array(35), null, 0, y)).toThrow(/filter: expected 36 elements, got 35/);
    expect(() => addon.conv2dBackwardData(g, y, w, new Float32Array(49))).toThrow(/dx: expected 50 elements, got 49/);
    expect(() => addon.maxPoolGrad([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0], new Float32Array(16), new Float32Array(3), new Float32Array(16))).toThrow(/dy: expected 4 elements/);
    expect(() => addon.leadingSum(new Float32Array(10), 3, 4, 1, new Float32Array(4))).toThrow(/x: expected 12 elements/);
  });
  it('rejects wrong types and inconsistent geometry', () => {
    expect(() => addon.conv2dForward(g, new Float64Array(50) as unknown as Float32Array, w, null, 0, y)).toThrow(/x: expected a Float32Array/);
    expect(() => addon.conv2dForward(g.slice(0, 16), x, w, null, 0, y)).toThrow(/geometry: expected 17 integers, got 16/);
    const bad = [...g];
    bad[7] = 4; // output height 4 cannot come from 5 rows, 3x3 kernel, 'same' padding, stride 1
    expect(() => addon.conv2dForward(bad, x, w, null, 0, new Float32Array(40))).toThrow(/does not follow from/);
    expect(() => addon.conv2dForward(g, x, w, null, 2 as 0, y)).toThrow(/activation/);
    expect(() => addon.setThreads(0)).toThrow(/threads: expected an integer from 1 to 256, got 0/);
  });
});

describe.skipIf(!expected.built)('elementwise kernels vs loop definitions', () => {
  const ops: [keyof typeof BINARY_OPS, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y], ['sub', (x, y) => x - y], ['mul', (x, y) => x * y], ['div', (x, y) => x / y], ['squaredDifference', (x, y) => (x - y) ** 2],
  ];
  for (const [name, f] of ops) {
    it.each([[40000, 40000], [40000, 32], [32, 40000], [35, 1], [1, 35], [6, 6]])(`${name}: lengths %i and %i`, (aLen, bLen) => {
      const n = Math.max(aLen, bLen);
      const a = randomArray(aLen, 1 + aLen), b = randomArray(bLen, 2 + bLen).map((v) => v + Math.sign(v) * 0.5); // no division by ~0
      const out = new Float32Array(n);
      addon.binary(BINARY_OPS[name], a, b, out);
      const want = Float64Array.from({ length: n }, (_, i) => Math.fround(f(a[i % aLen]!, b[i % bLen]!)));
      expect(relError(out, want)).toBeLessThan(1e-6);
    });
  }

  it('rejects lengths that are not periods of the output', () => {
    expect(() => addon.binary(BINARY_OPS.add, new Float32Array(10), new Float32Array(3), new Float32Array(10))).toThrow(/must each equal or divide the output length 10/);
    expect(() => addon.binary(BINARY_OPS.add, new Float32Array(2), new Float32Array(5), new Float32Array(10))).toThrow(/one side must have the output length/);
    expect(() => addon.binary(7 as 0, new Float32Array(2), new Float32Array(2), new Float32Array(2))).toThrow(/op: expected 0..4/);
  });

  it.each([[true], [false]])('batchNorm with offset/scale %s', (affine) => {
    const c = 5, rows = 3000;
    const x = randomArray(rows * c, 3), mean = randomArray(c, 4), variance = randomArray(c, 5).map(Math.abs);
    const offset = randomArray(c, 6), scale = randomArray(c, 7);
    const out = new Float32Array(x.length);
    addon.batchNorm(x, c, mean, variance, affine ? offset : null, affine ? scale : null, 1e-3, out);
    const want = Float64Array.from(x, (v, i) => {
      const k = i % c;
      return ((v - mean[k]!) / Math.sqrt(variance[k]! + 1e-3)) * (affine ? scale[k]! : 1) + (affine ? offset[k]! : 0);
    });
    expect(relError(out, want)).toBeLessThan(1e-5);
    expect(() => addon.batchNorm(x, 7, mean, variance, null, null, 1e-3, out)).toThrow(/channels: expected a positive divisor/);
  });
});
