import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import { wasmKernelFallbacks } from '../src/backend/wasm-kernels.js';
import * as tf from '@tensorflow/tfjs';
import { randomArray, randomOfShape, relError } from '../../../tools/testing/random-arrays.js';
import {
  type ConvCase,
  convCases,
  MAX_POOL_CASES,
  maxPoolGradKernel,
  type ReductionCase,
  sumAndMean,
  tiedPoolInput,
  WIDE_PAD,
} from './compare-backends.js';

// Every kernel we register for wasm is compared with the cpu backend on random inputs.

async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = tf.tidy(f);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

const cases = convCases();
cases.push({ x: [4, 16, 16, 1], f: [5, 5, 1, 8], strides: [1, 1], pad: 'same' });
cases.push({ x: [2, 7, 6, 2], f: [2, 2, 2, 3], strides: [1, 1], pad: WIDE_PAD });
cases.push({ x: [2, 7, 6, 2], f: [2, 2, 2, 3], strides: [2, 2], pad: WIDE_PAD });
cases.push({ x: [2, 8, 11, 6], f: [1, 1, 6, 3], strides: [2, 2], pad: 'valid' });

function label(c: ConvCase): string {
  return `x=${c.x.join('x')} f=${c.f.join('x')} s=${c.strides.join(',')} pad=${typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad)}`;
}

beforeAll(async () => {
  // The wasm-only path: the optional oneDNN kernels are forced off (test/native-kernels.test.ts covers them).
  const info = await resolveBackend({ backend: 'wasm', threads: 2 }, { TRANSFUSION_NATIVE: '0' });
  expect(info.name).toBe('wasm');
  expect(info.native).toEqual({ active: false, reason: 'disabled by TRANSFUSION_NATIVE=0' });
  expect(info.threads).toBe(2);
});
afterAll(() => releaseBackend());

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput vs cpu', () => {
  for (const [i, c] of cases.entries()) {
    it(label(c), async () => {
      const xv = randomOfShape(c.x, 10 + i);
      const fv = randomOfShape(c.f, 100 + i);
      const outShape = tf.tidy(
        () => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad).shape,
      );
      const dyv = randomOfShape(outShape, 1000 + i);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' } as const;
      const filterGrad = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, c.x), dy: tf.tensor(dyv, outShape) }, {
          ...attrs,
          filterShape: c.f,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const inputGrad = () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, outShape), filter: tf.tensor4d(fv, c.f) }, {
          ...attrs,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const before = wasmKernelFallbacks();
      expect(relError(await onBackend('wasm', filterGrad), await onBackend('cpu', filterGrad))).toBeLessThan(1e-4);
      expect(relError(await onBackend('wasm', inputGrad), await onBackend('cpu', inputGrad))).toBeLessThan(1e-4);
      expect(wasmKernelFallbacks()).toEqual(before); // our XNNPACK paths ran, not the upstream kernels
      await tf.setBackend('wasm');
    });
  }

  it('gives the same gradients as cpu through tf.grads of a conv layer', async () => {
    const xv = randomArray(2 * 10 * 8 * 3, 7);
    const wv = randomArray(3 * 3 * 3 * 4, 8);
    const grads = () => {
      const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf
          .conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')
          .square()
          .sum(),
      )([tf.tensor4d(xv, [2, 10, 8, 3]), tf.tensor4d(wv, [3, 3, 3, 4])]);
      return tf.concat([gx!.flatten(), gw!.flatten()]);
    };
    expect(relError(await onBackend('wasm', grads), await onBackend('cpu', grads))).toBeLessThan(1e-4);
  });
});

describe('wasm Tile vs cpu', () => {
  const tiles: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }[] = [
    { shape: [3], reps: [4], dtype: 'float32' },
    { shape: [2, 3], reps: [3, 2], dtype: 'float32' },
    { shape: [1, 1, 1, 16], reps: [8, 5, 3, 1], dtype: 'float32' },
    { shape: [2, 1, 3, 10], reps: [1, 4, 2, 3], dtype: 'float32' },
    { shape: [4, 1], reps: [1, 32], dtype: 'int32' },
    { shape: [2, 0, 3], reps: [2, 2, 2], dtype: 'float32' },
    { shape: [1, 1, 1, 7], reps: [5, 6, 3, 2], dtype: 'float32' },
    { shape: [1, 1, 3], reps: [4, 9, 1], dtype: 'int32' },
  ];
  for (const t of tiles) {
    it(`shape ${t.shape.join('x')} reps ${t.reps.join('x')} ${t.dtype}`, async () => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      const v = Array.from(randomArray(n, 5), (x) => (t.dtype === 'int32' ? Math.round(x * 100) : x));
      const f = () => tf.tile(tf.tensor(v, t.shape, t.dtype), t.reps).cast('float32');
      const a = await onBackend('wasm', f);
      const b = await onBackend('cpu', f);
      expect(Array.from(a)).toEqual(Array.from(b));
      await tf.setBackend('wasm');
    });
  }
});

describe('wasm MaxPoolGrad vs cpu', () => {
  for (const [i, p] of MAX_POOL_CASES.entries()) {
    it(`x=${p.x.join('x')} pool ${p.size}/${p.stride} ${p.pad}`, async () => {
      const xv = tiedPoolInput(p.x, 50 + i);
      const grad = () => {
        const g = tf.grad((x: tf.Tensor) =>
          tf
            .maxPool(x as tf.Tensor4D, p.size, p.stride, p.pad)
            .mul(tf.range(1, 2, 1 / 4096).slice(0, 1))
            .sum(),
        );
        const x = tf.tensor4d(xv, p.x);
        return tf.concat([maxPoolGradKernel(x, p, 70 + i).flatten(), g(x).flatten()]);
      };
      const before = wasmKernelFallbacks()['MaxPoolGrad'];
      expect(relError(await onBackend('wasm', grad), await onBackend('cpu', grad))).toBeLessThan(1e-6);
      expect(wasmKernelFallbacks()['MaxPoolGrad']).toBe(before);
      await tf.setBackend('wasm');
    });
  }
});

describe('wasm Sum / Mean vs cpu', () => {
  const reductions: ReductionCase[] = [
    { shape: [4, 6, 5, 7], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 6, 5, 7], axis: [0, 1, 2], keepDims: true },
    { shape: [4, 6, 5, 7], axis: 0, keepDims: false },
    { shape: [4, 6, 5, 7], axis: [1, 0], keepDims: false },
    { shape: [4, 6, 5, 7], axis: [1, 2], keepDims: false }, // not leading: upstream path
    { shape: [4, 6, 5, 7], axis: -1, keepDims: true }, // not leading: upstream path
    { shape: [300, 3], axis: 0, keepDims: false },
  ];
  for (const [i, r] of reductions.entries()) {
    it(`shape ${r.shape.join('x')} axis ${JSON.stringify(r.axis)} keepDims ${r.keepDims}`, async () => {
      const v = randomOfShape(r.shape, 90 + i);
      const f = () => sumAndMean(v, r);
      expect(relError(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(1e-5);
      await tf.setBackend('wasm');
    });
  }
});

describe('wasm Identity (shared buffer)', () => {
  it('returns the same values and survives disposal of either side', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.clone(x); // runs the Identity kernel
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([1, 2, 3, 4]);
    z.dispose();
  });
});
