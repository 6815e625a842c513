import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, describeBackend, releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import { cudaDeviceVisible } from '../src/backend/optional.js';
import { TrainError } from '../src/errors.js';

afterAll(() => releaseBackend());

describe('resolveBackend', () => {
  it("'auto' skips the absent optional backends (and native, switched off) with reasons and lands on wasm", async () => {
    const info = await resolveBackend({ backend: 'auto', threads: 2 }, { TRANSFUSION_NATIVE: '0' });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(info.version).toBe('4.22.0');
    const tried = info.attempts.map((a) => a.backend);
    expect(tried).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm']);
    for (const a of info.attempts.slice(0, 3)) {
      expect(a.ok).toBe(false);
      expect(a.reason).toMatch(/not installed|no CUDA device|no WebGPU adapter/);
    }
    expect(describeBackend(info)).toBe('wasm 4.22.0 (threaded SIMD, 2 threads)');
    expect(activeBackend()).toBe(info);
  });

  it('threads change re-initialises the wasm backend; one thread uses the single-threaded SIMD build', async () => {
    const one = await resolveBackend({ backend: 'wasm', threads: 1 }, { TRANSFUSION_NATIVE: '0' });
    expect(one.threads).toBe(1);
    expect(describeBackend(one)).toBe('wasm 4.22.0 (SIMD, 1 thread)');
    const y = tf.tidy(() =>
      tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same').dataSync(),
    );
    expect(Array.from(y).slice(0, 4)).toEqual([4, 6, 6, 4]);
  });

  it('honours TRANSFUSION_BACKEND and TRANSFUSION_THREADS; options win over the environment', async () => {
    expect((await resolveBackend({}, { TRANSFUSION_BACKEND: 'cpu' })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const w = await resolveBackend({ backend: 'wasm' }, { TRANSFUSION_BACKEND: 'cpu', TRANSFUSION_THREADS: '2' });
    expect(w.name).toBe('wasm');
    expect(w.threads).toBe(2);
  });

  it('a forced backend that cannot start is an error listing why', async () => {
    const err = await resolveBackend({ backend: 'tensorflow' }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe('TRAIN_BACKEND_UNAVAILABLE');
    expect((err as Error).message).toMatch(
      /backend 'tensorflow' could not start: tensorflow: @tensorflow\/tfjs-node is not installed/,
    );
  });

  it('rejects bad options and bad environment values naming them', async () => {
    await expect(resolveBackend({ threads: 0 }, {})).rejects.toThrow(/threads/);
    await expect(resolveBackend({ backend: 'cuda' as never }, {})).rejects.toThrow(/backend/);
    await expect(resolveBackend({}, { TRANSFUSION_BACKEND: 'gpu' })).rejects.toThrow(
      /TRANSFUSION_BACKEND=gpu: expected one of auto, tensorflow-gpu/,
    );
    await expect(resolveBackend({}, { TRANSFUSION_THREADS: 'many' })).rejects.toThrow(/TRANSFUSION_THREADS=many/);
  });

  it('CUDA visibility respects CUDA_VISIBLE_DEVICES', () => {
    expect(cudaDeviceVisible({ CUDA_VISIBLE_DEVICES: '' })).toBe(false);
    expect(cudaDeviceVisible({ CUDA_VISIBLE_DEVICES: '-1' })).toBe(false);
  });
});
