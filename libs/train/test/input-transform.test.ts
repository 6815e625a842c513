import { describe, expect, it } from 'vitest';
import { TrainError } from '../src/errors.js';
import { applyInputTransform } from '../src/training/input-transform.js';

// Two RGB pixels, uint8: (0, 128, 255) and (10, 20, 30). Expected values worked out by hand from each formula.
const rgb = Uint8Array.from([0, 128, 255, 10, 20, 30]);
const close = (got: Float32Array, want: number[]) => {
  expect(got).toHaveLength(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
};

describe('applyInputTransform', () => {
  it("'unit' is x/255, bit for bit as the loop always scaled uint8 pixels", () => {
    const out = applyInputTransform(rgb, 3, 'unit');
    expect(Array.from(out)).toEqual(Array.from(rgb, (x) => Math.fround(x * (1 / 255))));
    close(out, [0, 0.50196, 1, 0.039216, 0.078431, 0.117647]);
  });

  it("'tf' is x/127.5 - 1 (Keras InceptionV3)", () => {
    close(applyInputTransform(rgb, 3, 'tf'), [-1, 0.0039216, 1, -0.92157, -0.84314, -0.76471]);
  });

  it("'caffe' swaps RGB to BGR and subtracts [103.939, 116.779, 123.68] on the 0-255 scale (Keras ResNet50)", () => {
    // pixel 1: B = 255 - 103.939, G = 128 - 116.779, R = 0 - 123.68
    close(applyInputTransform(rgb, 3, 'caffe'), [151.061, 11.221, -123.68, -73.939, -96.779, -113.68]);
  });

  it("'torch' is (x/255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]", () => {
    close(applyInputTransform(rgb, 3, 'torch'), [-2.117904, 0.205182, 2.64, -1.946656, -1.685574, -1.281569]);
  });

  it('takes float32 pixels as already divided by 255: unit leaves them, the others map them as x/255', () => {
    const u = Float32Array.from([0, 0.5, 1]);
    expect(Array.from(applyInputTransform(u, 3, 'unit'))).toEqual([0, 0.5, 1]);
    close(applyInputTransform(u, 3, 'tf'), [-1, 0, 1]);
    close(applyInputTransform(u, 3, 'caffe'), [255 - 103.939, 127.5 - 116.779, -123.68]);
    close(applyInputTransform(u, 3, 'torch'), [-2.117904, 0.196429, 2.64]);
    expect(applyInputTransform(u, 3, 'unit')).not.toBe(u); // a new array: callers may write to it
  });

  it("'unit' and 'tf' work on any channel count; 'caffe' and 'torch' need RGB", () => {
    close(applyInputTransform(Uint8Array.from([51, 255]), 1, 'tf'), [-0.6, 1]);
    for (const mode of ['caffe', 'torch'] as const) {
      let err: unknown;
      try {
        applyInputTransform(Uint8Array.from([1, 2]), 1, mode, 'the training images');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TrainError);
      expect((err as TrainError).code).toBe('TRAIN_BAD_OPTIONS');
      expect((err as Error).message).toBe(
        `input '${mode}' needs 3-channel RGB images; the training images have 1 channel`,
      );
    }
    expect(() => applyInputTransform(Uint8Array.from([1, 2, 3, 4]), 3, 'unit')).toThrow(
      /4 values are not whole pixels of 3 channels/,
    );
  });
});
