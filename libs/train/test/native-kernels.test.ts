import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import { nativeKernelCounts } from '../src/backend/native-kernels.js';
import { TrainError } from '../src/errors.js';
import { randomArray, randomOfShape, relError } from '../../../tools/testing/random-arrays.js';
import {
  adamSteps,
  convCases,
  MAX_POOL_CASES,
  maxPoolGradKernel,
  sumAndMean,
  tiedPoolInput,
  WIDE_PAD,
  type ReductionCase,
} from './compare-backends.js';

// The optional oneDNN kernels (@transfusion/native) on the wasm backend, each compared with the cpu backend.
// Where a compiler and oneDNN are installed (CI installs libdnnl-dev) the addon must be active, so this
// suite cannot silently skip; elsewhere the comparisons are skipped and the wasm path is checked instead.
const toolchain =
  existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && ['/usr/bin/g++', '/usr/bin/c++'].some((p) => existsSync(p));
let active = false;

beforeAll(async () => {
  const info = await resolveBackend({ backend: 'wasm', threads: 2 }, { TRANSFUSION_NATIVE: 'auto' });
  active = info.native?.active === true;
  if (toolchain) expect(info.native).toMatchObject({ active: true, threads: 2 });
  if (active)
    expect(describeBackend(info)).toMatch(
      /^wasm 4\.22\.0 \(threaded SIMD, 2 threads\) \+ oneDNN \d+\.\d+\.\d+ kernels$/,
    );
  else expect(info.native?.reason).toBeTruthy();
});
afterAll(() => releaseBackend());

async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = tf.tidy(f);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  await tf.setBackend('wasm');
  return v;
}

/** Runs f on wasm and cpu; asserts agreement and that each listed native kernel ran n times without falling back. */
async function compare(f: () => tf.Tensor, kernels: Record<string, number>, tolerance = 1e-4): Promise<void> {
  const before = nativeKernelCounts();
  const native = await onBackend('wasm', f);
  const after = nativeKernelCounts();
  expect(relError(native, await onBackend('cpu', f))).toBeLessThan(tolerance);
  for (const [k, n] of Object.entries(kernels)) {
    expect((after.calls[k] ?? 0) - (before.calls[k] ?? 0), k).toBe(n);
    expect(after.fallbacks[k], k).toBe(before.fallbacks[k]);
  }
}

const cases = convCases();
cases.push({ x: [2, 7, 6, 2], f: [2, 2, 2, 3], strides: [2, 2], pad: WIDE_PAD });
cases.push({ x: [2, 8, 11, 6], f: [1, 1, 6, 3], strides: [2, 2], pad: 'valid' });
cases.push({ x: [2, 11, 9, 3], f: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] });

describe.skipIf(!toolchain)('native convolutions vs cpu', () => {
  for (const [i, c] of cases.entries()) {
    const label = `x=${c.x.join('x')} f=${c.f.join('x')} s=${c.strides.join(',')} pad=${JSON.stringify(c.pad)}${c.dilations ? ` d=${c.dilations}` : ''}`;
    it(label, async () => {
      const xv = randomOfShape(c.x, 10 + i);
      const fv = randomOfShape(c.f, 100 + i);
      const bv = randomArray(c.f[3], 500 + i);
      const dil = c.dilations ?? [1, 1];
      const outShape = tf.tidy(
        () =>
          tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad, 'NHWC', dil).shape,
      );
      const dyv = randomOfShape(outShape, 1000 + i);
      const x = () => tf.tensor4d(xv, c.x);
      const w = () => tf.tensor4d(fv, c.f);
      await compare(() => tf.conv2d(x(), w(), c.strides, c.pad, 'NHWC', dil), { Conv2D: 1 });
      await compare(
        () =>
          tf.fused.conv2d({
            x: x(),
            filter: w(),
            strides: c.strides,
            pad: c.pad,
            dilations: dil,
            bias: tf.tensor1d(bv),
            activation: 'relu',
          }),
        { FusedConv2D: 1 },
      );
      if (c.dilations) return; // tfjs has no dilated Conv2DBackprop* kernels
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      await compare(
        () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: x(), dy: tf.tensor(dyv, outShape) }, {
            ...attrs,
            filterShape: c.f,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        { Conv2DBackpropFilter: 1 },
      );
      await compare(
        () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, outShape), filter: w() }, {
            ...attrs,
            inputShape: c.x,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        { Conv2DBackpropInput: 1 },
      );
    });
  }

  it('hands uncovered cases to the wasm kernel (a fused elu activation)', async () => {
    const before = nativeKernelCounts().fallbacks['FusedConv2D'] ?? 0;
    const f = () =>
      tf.fused.conv2d({
        x: tf.tensor4d(randomArray(2 * 5 * 5 * 2, 1), [2, 5, 5, 2]),
        filter: tf.tensor4d(randomArray(18 * 3, 2), [3, 3, 2, 3]),
        strides: 1,
        pad: 'same',
        activation: 'elu',
      });
    expect(relError(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(1e-4);
    expect(nativeKernelCounts().fallbacks['FusedConv2D']).toBe(before + 1);
  });

  it('gives the same gradients as cpu through tf.grads of conv -> batch-norm statistics -> relu -> max pool', async () => {
    const xv = randomArray(4 * 10 * 8 * 3, 7);
    const wv = randomArray(3 * 3 * 3 * 6, 8);
    const grads = () => {
      const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => {
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        const { mean, variance } = tf.moments(y, [0, 1, 2]);
        const z = tf.relu(y.sub(mean).div(variance.add(1e-3).sqrt()));
        return tf
          .maxPool(z as tf.Tensor4D, 3, 2, 'same')
          .square()
          .sum();
      })([tf.tensor4d(xv, [4, 10, 8, 3]), tf.tensor4d(wv, [3, 3, 3, 6])]);
      return tf.concat([gx!.flatten(), gw!.flatten()]);
    };
    await compare(grads, { Conv2DBackpropFilter: 1, Conv2DBackpropInput: 1, MaxPoolGrad: 1 });
  });
});

describe.skipIf(!toolchain)('native MaxPoolGrad, Sum and Mean vs cpu', () => {
  for (const [i, p] of MAX_POOL_CASES.entries()) {
    it(`MaxPoolGrad x=${p.x.join('x')} pool ${p.size}/${p.stride} ${p.pad} (tied values)`, async () => {
      const xv = tiedPoolInput(p.x, 50 + i);
      await compare(() => maxPoolGradKernel(tf.tensor4d(xv, p.x), p, 70 + i), { MaxPoolGrad: 1 }, 1e-6);
    });
  }

  const reductions: (ReductionCase & { native: boolean })[] = [
    { shape: [4, 6, 5, 7], axis: [0, 1, 2], keepDims: false, native: true },
    { shape: [4, 6, 5, 7], axis: [0, 1, 2], keepDims: true, native: true },
    { shape: [4, 6, 5, 7], axis: [1, 0], keepDims: false, native: true },
    { shape: [300, 3], axis: 0, keepDims: false, native: true },
    { shape: [4, 6, 5, 7], axis: [1, 2], keepDims: false, native: true }, // global average pooling
    { shape: [4, 6, 5, 7], axis: [1, 2], keepDims: true, native: true },
    { shape: [4, 6, 5, 7], axis: [2, 3], keepDims: false, native: true }, // trailing block
    { shape: [4, 6, 5, 7], axis: [0, 2], keepDims: false, native: false }, // not contiguous: the wasm kernel
  ];
  for (const [i, r] of reductions.entries()) {
    it(`Sum/Mean shape ${r.shape.join('x')} axis ${JSON.stringify(r.axis)} keepDims ${r.keepDims}`, async () => {
      const v = randomOfShape(r.shape, 90 + i);
      const f = () => sumAndMean(v, r);
      const before = nativeKernelCounts();
      expect(relError(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(1e-5);
      const after = nativeKernelCounts();
      expect((after.calls['Sum'] ?? 0) - (before.calls['Sum'] ?? 0)).toBe(r.native ? 1 : 0);
      expect((after.fallbacks['Mean'] ?? 0) - (before.fallbacks['Mean'] ?? 0)).toBe(r.native ? 0 : 1);
    });
  }
});

describe.skipIf(!toolchain)('native MaxPool vs cpu', () => {
  for (const [i, p] of MAX_POOL_CASES.entries()) {
    it(`x=${p.x.join('x')} pool ${p.size}/${p.stride} ${p.pad}`, async () => {
      const xv = randomOfShape(p.x, 130 + i);
      await compare(() => tf.maxPool(tf.tensor4d(xv, p.x), p.size, p.stride, p.pad), { MaxPool: 1 }, 1e-6);
    });
  }
});

describe.skipIf(!toolchain)('native AvgPool and AvgPoolGrad vs cpu', () => {
  for (const [i, p] of MAX_POOL_CASES.entries()) {
    it(`x=${p.x.join('x')} pool ${p.size}/${p.stride} ${p.pad}`, async () => {
      const xv = randomOfShape(p.x, 150 + i);
      await compare(() => tf.avgPool(tf.tensor4d(xv, p.x), p.size, p.stride, p.pad), { AvgPool: 1 }, 1e-6);
      const grad = () => {
        const x = tf.tensor4d(xv, p.x);
        const y = tf.avgPool(x, p.size, p.stride, p.pad);
        const dy = tf.tensor(randomOfShape(y.shape, 170 + i), y.shape);
        return tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, {
          filterSize: p.size,
          strides: p.stride,
          pad: p.pad,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      };
      await compare(grad, { AvgPoolGrad: 1 }, 1e-6);
    });
  }
});

describe.skipIf(!toolchain)('native elementwise ops and FusedBatchNorm vs cpu', () => {
  const pairs: { a: number[]; b: number[]; native: boolean }[] = [
    { a: [4, 6, 5, 7], b: [4, 6, 5, 7], native: true },
    { a: [4, 6, 5, 7], b: [7], native: true }, // per-channel vector (batch norm)
    { a: [1, 1, 1, 7], b: [4, 6, 5, 7], native: true },
    { a: [4, 6, 5, 7], b: [], native: true }, // scalar (Adam, loss scaling)
    { a: [], b: [3, 5], native: true },
    { a: [4, 6, 5, 7], b: [5, 7], native: true },
    { a: [4, 1, 5, 7], b: [4, 6, 5, 7], native: false }, // broadcast in the middle: the wasm kernel
    { a: [4, 1], b: [1, 7], native: false }, // both sides broadcast
  ];
  const ops = ['add', 'sub', 'mul', 'div', 'squaredDifference'] as const;
  const kernel = {
    add: 'Add',
    sub: 'Sub',
    mul: 'Multiply',
    div: 'RealDiv',
    squaredDifference: 'SquaredDifference',
  } as const;
  for (const [i, p] of pairs.entries()) {
    it(`a=[${p.a}] b=[${p.b}]`, async () => {
      const av = randomOfShape(p.a, 300 + i);
      const bv = randomOfShape(p.b, 400 + i).map((v) => v + Math.sign(v) * 0.5);
      for (const op of ops) {
        const before = nativeKernelCounts();
        // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test runs each binary op by its name
        const f = () => tf[op](tf.tensor(av, p.a), tf.tensor(bv, p.b));
        expect(relError(await onBackend('wasm', f), await onBackend('cpu', f)), op).toBeLessThan(1e-6);
        const after = nativeKernelCounts();
        expect((after.calls[kernel[op]] ?? 0) - (before.calls[kernel[op]] ?? 0), op).toBe(p.native ? 1 : 0);
      }
    });
  }

  it('Square, and Cast to the same dtype without a copy', async () => {
    const v = randomArray(4 * 6 * 5 * 7, 31);
    await compare(() => tf.square(tf.tensor(v, [4, 6, 5, 7])), { Square: 1 }, 1e-7);
    await compare(() => tf.cast(tf.tensor(v, [4, 6, 5, 7]), 'float32').add(1), { Cast: 1, Add: 1 }, 1e-7);
    const before = nativeKernelCounts();
    expect(
      Array.from(await onBackend('wasm', () => tf.cast(tf.tensor([1.5, -2.5, 0]), 'int32').cast('float32'))),
    ).toEqual([1, -2, 0]);
    expect(nativeKernelCounts().fallbacks['Cast']).toBe((before.fallbacks['Cast'] ?? 0) + 2); // dtype changes: the wasm kernel
  });

  it('leaves int32 arithmetic to the wasm kernels', async () => {
    const f = () => tf.mul(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4, 5, 6], [3], 'int32')).cast('float32');
    expect(Array.from(await onBackend('wasm', f))).toEqual([4, 10, 18]);
  });

  it.each([
    ['with offset and scale', true, [7]],
    ['without', false, [7]],
    ['keepDims statistics', true, [1, 1, 1, 7]],
  ] as const)('FusedBatchNorm %s', async (_label, affine, statShape) => {
    const xv = randomArray(4 * 6 * 5 * 7, 11);
    const stat = (seed: number) => tf.tensor(randomArray(7, seed), [...statShape]);
    const f = () =>
      tf.batchNorm(
        tf.tensor4d(xv, [4, 6, 5, 7]),
        stat(12),
        stat(13).abs(),
        affine ? stat(14) : undefined,
        affine ? stat(15) : undefined,
        1e-3,
      );
    await compare(f, { FusedBatchNorm: 1 }, 1e-5);
  });

  it('trains a batch-norm layer to the same gradients as cpu', async () => {
    const xv = randomArray(8 * 6 * 6 * 4, 21);
    const layer = tf.layers.batchNormalization({ axis: -1 });
    layer.build([null, 6, 6, 4]);
    const grads = () => {
      const x = tf.tensor4d(xv, [8, 6, 6, 4]);
      const { grads: g, value } = tf.variableGrads(() => {
        const y = layer.apply(x.mul(tf.scalar(3)).add(tf.scalar(1)), { training: true }) as tf.Tensor;
        return y
          .relu()
          .mul(tf.linspace(-1, 1, 4))
          .square()
          .mean() as tf.Scalar;
      });
      const gx = tf.grad((t: tf.Tensor) => (layer.apply(t, { training: true }) as tf.Tensor).relu().square().sum())(x);
      return tf.concat([value.reshape([1]), gx.flatten(), ...Object.values(g).map((t) => t.flatten())]);
    };
    await compare(grads, { FusedBatchNorm: 2, TransfusionBatchNormGrad: 2, TransfusionReluGrad: 2 }, 1e-4);
  });

  // Inception's scale-free layers (libs/models) pass a constant scale of ones: tfjs cannot differentiate batchNorm without one.
  it('differentiates batch norm with a constant scale with respect to x, the statistics and the offset like cpu', async () => {
    const xv = randomArray(5 * 7 * 3 * 6, 23);
    const ov = randomArray(6, 24);
    const grads = () => {
      const [gx, goff] = tf.grads((x: tf.Tensor, offset: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf
          .batchNorm(x, mean, variance, offset, tf.onesLike(mean), 1e-3)
          .mul(tf.linspace(-2, 1, 6))
          .square()
          .sum();
      })([tf.tensor4d(xv, [5, 7, 3, 6]), tf.tensor1d(ov)]);
      return tf.concat([gx!.flatten(), goff!]);
    };
    await compare(grads, { FusedBatchNorm: 1, TransfusionBatchNormGrad: 1 }, 1e-4);
  });

  it('gives the same gradients as cpu through average pooling and global average pooling', async () => {
    const xv = randomArray(3 * 9 * 7 * 5, 41);
    const f = () =>
      tf.grad((x: tf.Tensor) => {
        const y = tf.avgPool(x as tf.Tensor4D, 3, 1, 'same');
        return tf
          .mean(y, [1, 2])
          .mul(tf.linspace(1, 2, 5))
          .square()
          .sum();
      })(tf.tensor4d(xv, [3, 9, 7, 5]));
    await compare(f, { AvgPool: 1, AvgPoolGrad: 1, Mean: 1 }, 1e-5);
  });
});

describe.skipIf(!toolchain)('native ReLU and fused Adam vs cpu', () => {
  it('Relu', async () => {
    const v = randomArray(4 * 6 * 5 * 7, 51);
    await compare(() => tf.relu(tf.tensor(v, [4, 6, 5, 7])), { Relu: 1 }, 1e-7);
  });

  // Three Adam steps of the training loop's Optimizer (decoupled weight decay on one variable) on wasm + native
  // (one fused kernel per variable) and on cpu (the op-by-op update): the same float32 values.
  it.each([[0], [0.05]])(
    'Optimizer Adam (weight decay %s) gives the same weights and moments as op by op on cpu',
    async (weightDecay) => {
      const run = () => adamSteps(weightDecay);
      await compare(run, { TransfusionAdam: 9 }, Number.MIN_VALUE); // i.e. equal
    },
  );
});

describe('TRANSFUSION_NATIVE', () => {
  it('=0 forces the wasm kernels: no native call while training-shaped work runs', async () => {
    const info = await resolveBackend({ backend: 'wasm', threads: 2 }, { TRANSFUSION_NATIVE: '0' });
    expect(info.native).toEqual({ active: false, reason: 'disabled by TRANSFUSION_NATIVE=0' });
    expect(describeBackend(info)).toBe('wasm 4.22.0 (threaded SIMD, 2 threads)');
    const before = nativeKernelCounts();
    const y = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 1, 2]), 1, 'same').sum())(
          tf.ones([1, 4, 4, 1]),
        )
        .dataSync(),
    );
    expect(Array.from(y).slice(0, 4)).toEqual([8, 12, 12, 8]);
    // The gradient overrides hand back to tfjs's own gradients: no native kernel of ours runs either.
    const layer = tf.layers.batchNormalization({ axis: -1 });
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => (layer.apply(x, { training: true }) as tf.Tensor).relu().square().mean([1, 2]).sum())(
          tf.tensor4d(randomArray(2 * 3 * 3 * 2, 5), [2, 3, 3, 2]),
        )
        .dataSync(),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    expect(nativeKernelCounts()).toEqual(before);
    // Switching back re-initialises with the native kernels where they exist.
    const again = await resolveBackend({ backend: 'wasm', threads: 2 }, {});
    expect(again.native?.active).toBe(active);
  });

  it('rejects a bad value, and =1 is an error when the addon is missing', async () => {
    await expect(resolveBackend({ backend: 'wasm', threads: 1 }, { TRANSFUSION_NATIVE: 'fast' })).rejects.toThrow(
      /TRANSFUSION_NATIVE=fast: expected 0, 1 or auto/,
    );
    const required = resolveBackend({ backend: 'wasm', threads: 1 }, { TRANSFUSION_NATIVE: '1' });
    if (active) {
      // Single-threaded wasm build: its heap is a plain (non-shared) ArrayBuffer; the kernels work in place there too.
      expect((await required).native).toMatchObject({ active: true, threads: 1 });
      await compare(
        () =>
          tf.conv2d(
            tf.tensor4d(randomArray(2 * 7 * 7 * 3, 1), [2, 7, 7, 3]),
            tf.tensor4d(randomArray(27 * 4, 2), [3, 3, 3, 4]),
            2,
            'same',
          ),
        { Conv2D: 1 },
      );
    } else await expect(required).rejects.toBeInstanceOf(TrainError);
  });
});
