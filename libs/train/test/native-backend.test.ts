import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import { nativeKernelCounts } from '../src/backend/native-kernels.js';
import { bufferPoolBytes } from '../src/backend/buffer-pool.js';
import { fuseLayers } from '../src/training/fused-layers.js';
import { randomArray, relError } from '../../../tools/testing/random-arrays.js';
import { adamSteps } from './compare-backends.js';

// The 'native' backend (tfjs's cpu backend with the oneDNN kernels, tensors outside the wasm heap) and the
// fused training batch norm, compared with the pure-JS cpu backend. Where a compiler and oneDNN are installed
// (CI installs libdnnl-dev) the backend must start; elsewhere 'auto' must pass over it with a reason.
const toolchain =
  existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && ['/usr/bin/g++', '/usr/bin/c++'].some((p) => existsSync(p));

afterAll(() => releaseBackend());

describe('choosing the native backend', () => {
  it.runIf(toolchain)("'auto' picks it first among the backends this machine has, with its thread count", async () => {
    const info = await resolveBackend({ backend: 'auto', threads: 2 }, { TRANSFUSION_NATIVE: 'auto' });
    expect(info.name).toBe('native');
    expect(tf.getBackend()).toBe('native');
    expect(info.threads).toBe(2);
    expect(describeBackend(info)).toMatch(
      /^native: oneDNN \d+\.\d+\.\d+ kernels \(2 threads\), tfjs cpu 4\.22\.0 for the rest$/,
    );
  });

  it("TRANSFUSION_NATIVE=0 rules it out: 'auto' says why and lands on wasm", async () => {
    const info = await resolveBackend({ backend: 'auto', threads: 1 }, { TRANSFUSION_NATIVE: '0' });
    expect(info.name).toBe('wasm');
    const skipped = info.attempts.find((a) => a.backend === 'native');
    expect(skipped?.ok).toBe(false);
    expect(skipped?.reason).toBeTruthy();
  });
});

describe.skipIf(!toolchain)('native backend kernels vs cpu', () => {
  beforeAll(async () => {
    await resolveBackend({ backend: 'native', threads: 2 }, { TRANSFUSION_NATIVE: 'auto' });
  });

  async function on(name: 'cpu' | 'native', f: () => tf.Tensor): Promise<Float32Array> {
    await tf.setBackend(name);
    const t = tf.tidy(f);
    const v = (await t.data()) as Float32Array;
    t.dispose();
    await tf.setBackend('native');
    return v;
  }

  it('Slice, PadV2, SplitV, Concat and Tile copy blocks to the same values, for float32 and int32', async () => {
    const v = randomArray(3 * 7 * 5 * 4, 5);
    const cases: (() => tf.Tensor)[] = [
      () => tf.slice(tf.tensor4d(v, [3, 7, 5, 4]), [1, 2, 1, 0], [2, 3, 4, 4]),
      () => tf.slice(tf.tensor4d(v, [3, 7, 5, 4]), [0, 0, 0, 1], [3, 7, 5, 2]),
      () => tf.slice(tf.tensor2d(v, [21, 20]), [4, 3], [5, 9]),
      () =>
        tf.pad(tf.tensor4d(v, [3, 7, 5, 4]), [
          [0, 0],
          [3, 2],
          [1, 0],
          [0, 0],
        ]),
      () =>
        tf.pad(
          tf.tensor4d(v, [3, 7, 5, 4]),
          [
            [1, 0],
            [0, 1],
            [2, 2],
            [1, 1],
          ],
          -1.5,
        ),
      () => tf.tile(tf.tensor4d(v, [3, 7, 5, 4]), [2, 1, 3, 1]),
      () => tf.tile(tf.tensor1d(v.subarray(0, 5)), [4]),
      () => tf.concat(tf.split(tf.tensor4d(v, [3, 7, 5, 4]), [1, 2, 1], 3).reverse(), 3),
      () => tf.concat(tf.split(tf.tensor4d(v, [3, 7, 5, 4]), [3, 4], 1).reverse(), 1),
      () => tf.concat([tf.tensor2d(v.subarray(0, 6), [2, 3]), tf.tensor2d(v.subarray(6, 10), [2, 2])], 1),
      () => tf.stack(tf.split(tf.tensor4d(v, [3, 7, 5, 4]), 3, 0)),
      () =>
        tf
          .slice(
            tf.tensor2d(
              Int32Array.from({ length: 60 }, (_, i) => i),
              [6, 10],
              'int32',
            ),
            [1, 2],
            [3, 5],
          )
          .cast('float32'),
      () =>
        tf
          .pad(
            tf.tensor2d(
              Int32Array.from({ length: 6 }, (_, i) => i),
              [2, 3],
              'int32',
            ),
            [
              [1, 1],
              [0, 2],
            ],
            7,
          )
          .cast('float32'),
    ];
    for (const [i, f] of cases.entries())
      expect(Array.from(await on('native', f)), `case ${i}`).toEqual(Array.from(await on('cpu', f)));
  });

  it('reuses the buffers of disposed outputs, and never lets a read see a reused buffer', async () => {
    await tf.setBackend('native');
    const x = tf.tensor1d(randomArray(1000, 3));
    const first = tf.relu(x);
    const read = first.dataSync();
    const expected = Array.from(read);
    first.dispose();
    const before = bufferPoolBytes();
    expect(before).toBeGreaterThanOrEqual(4000);
    const second = tf.mul(x, tf.scalar(-7)).relu(); // the mul's output is pooled on dispose; relu takes a buffer
    expect(Array.from(read)).toEqual(expected); // what was read is a copy: reusing the buffer did not touch it
    expect(Array.from(await second.data())).toEqual(Array.from(x.dataSync(), (v) => Math.max(0, Math.fround(v * -7))));
    const pooledNow = bufferPoolBytes();
    tf.tensor1d(new Float32Array([1, 2, 3])).dispose();
    expect(bufferPoolBytes()).toBe(pooledNow); // a caller's array is never pooled
    tf.dispose([x, second]);
  });

  // Step 1 runs one Adam kernel per variable (the moments start as zeros the backend did not allocate); steps
  // 2 and 3 update every variable in place in one call. Both give op-by-op cpu's float32 values exactly.
  it.each([[0], [0.05]])(
    'Optimizer Adam (weight decay %s): in place, all parameters in one call, equal to op by op on cpu',
    async (weightDecay) => {
      const run = () => adamSteps(weightDecay);
      const tensorsBefore = tf.memory().numTensors;
      const count = (k: string) => nativeKernelCounts().calls[k] ?? 0;
      const [perVariable, inPlace] = [count('TransfusionAdam'), count('AdamInPlace')];
      const native = await on('native', run);
      expect(count('TransfusionAdam') - perVariable).toBe(3);
      expect(count('AdamInPlace') - inPlace).toBe(2);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(Array.from(native)).toEqual(Array.from(await on('cpu', run)));
    },
  );

  it('runs convolutions, pooling and elementwise ops natively, with the same values as cpu', async () => {
    const xv = randomArray(2 * 9 * 9 * 3, 7);
    const wv = randomArray(3 * 3 * 3 * 5, 8);
    const f = () =>
      tf
        .grads((x: tf.Tensor, w: tf.Tensor) =>
          tf
            .maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').relu() as tf.Tensor4D, 3, 2, 'same')
            .add(tf.scalar(0.5))
            .square()
            .mean(),
        )([tf.tensor4d(xv, [2, 9, 9, 3]), tf.tensor4d(wv, [3, 3, 3, 5])])
        .map((g) => g.flatten())
        .reduce((a, b) => tf.concat([a, b]));
    const before = nativeKernelCounts().calls;
    const native = await on('native', f);
    const after = nativeKernelCounts().calls;
    for (const k of [
      'Conv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'MaxPool',
      'MaxPoolGrad',
      'Relu',
      'Add',
    ]) {
      expect((after[k] ?? 0) - (before[k] ?? 0), k).toBeGreaterThan(0);
    }
    expect(relError(native, await on('cpu', f))).toBeLessThan(1e-5);
  });
});

/** conv -> BN -> ReLU -> conv -> BN (+ shortcut) -> ReLU -> global pool -> dense: both fusions and one unfusable BN. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  let x = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: init(1) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1 }).apply(x) as tf.SymbolicTensor;
  const a = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  let y = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: init(2) })
    .apply(a) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([y, a]) as tf.SymbolicTensor;
  const r = tf.layers.activation({ activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(r) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, kernelInitializer: init(3) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe.skipIf(!toolchain)('fused training layers: batch norm (+ ReLU), residual add + ReLU', () => {
  it('gives the loss, gradients and moving statistics of the op-by-op layers on cpu, in one kernel each way', async () => {
    const xv = randomArray(6 * 8 * 8 * 3, 17);
    const run = async (backend: 'cpu' | 'native') => {
      await resolveBackend({ backend, threads: 2 }, { TRANSFUSION_NATIVE: 'auto' });
      const model = residualModel();
      const unfuse = fuseLayers(model);
      const before = nativeKernelCounts().calls;
      const values = tf.tidy(() => {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () =>
            (model.apply(tf.tensor4d(xv, [6, 8, 8, 3]).mul(2), { training: true }) as tf.Tensor)
              .square()
              .mean() as tf.Scalar,
          vars,
        );
        const moving = model.weights.filter((w) => /moving/.test(w.name)).map((w) => w.read().flatten());
        return tf.concat([value.reshape([1]), ...vars.map((v) => grads[v.name]!.flatten()), ...moving]);
      });
      const after = nativeKernelCounts().calls;
      unfuse();
      const out = (await values.data()) as Float32Array;
      values.dispose();
      const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      return {
        out,
        fused: delta('TransfusionBatchNormTrain'),
        fusedGrad: delta('TransfusionBatchNormTrainGrad'),
        relu: delta('Relu'),
        addRelu: delta('TransfusionAddRelu'),
      };
    };
    const cpu = await run('cpu');
    const native = await run('native');
    expect(native.fused).toBe(2);
    expect(native.fusedGrad).toBe(2);
    expect(native.relu).toBe(0); // both ReLUs are fused: into the first BN and into the residual add
    expect(native.addRelu).toBe(1);
    expect(cpu.fused).toBe(0);
    expect(relError(native.out, cpu.out)).toBeLessThan(1e-4);
  });

  it('leaves layers untouched after undoing, and inference unfused', async () => {
    await resolveBackend({ backend: 'native', threads: 2 }, { TRANSFUSION_NATIVE: 'auto' });
    const model = residualModel();
    const unfuse = fuseLayers(model);
    const before = nativeKernelCounts().calls['TransfusionBatchNormTrain'] ?? 0;
    tf.tidy(() => model.predict(tf.ones([2, 8, 8, 3])));
    expect(nativeKernelCounts().calls['TransfusionBatchNormTrain'] ?? 0).toBe(before);
    unfuse();
    tf.tidy(() => model.apply(tf.ones([2, 8, 8, 3]), { training: true }) as tf.Tensor);
    expect(nativeKernelCounts().calls['TransfusionBatchNormTrain'] ?? 0).toBe(before);
  });
});
