// Pixels -> model inputs. Every mode is an affine map per output channel of u = x/255 (uint8) or u = x
// (float32 pixels count as x/255 already), so one loop serves all of them and augmentation can work in u.
import { describeZodIssues, TrainError } from '../errors.js';
import { type InputTransform, inputTransformSchema } from '../options/input-transform.js';

/** Keras `imagenet_utils` 'caffe' mode: ImageNet mean on the 0-255 scale, BGR order. */
const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68] as const;
/** torchvision's ImageNet statistics on the 0-1 scale, RGB order. */
const TORCH_MEAN = [0.485, 0.456, 0.406] as const;
const TORCH_STD = [0.229, 0.224, 0.225] as const;

/** Output channel c = u[source[c]] * scale[c] + shift[c]. */
export interface ChannelMap {
  source: number[];
  scale: number[];
  shift: number[];
}

function channelMap(mode: InputTransform, channels: number): ChannelMap {
  const identity = Array.from({ length: channels }, (_, c) => c);
  const fill = (v: number) => identity.map(() => v);
  switch (mode) {
    case 'unit':
      return { source: identity, scale: fill(1), shift: fill(0) };
    case 'tf':
      return { source: identity, scale: fill(2), shift: fill(-1) };
    case 'caffe':
      return { source: [2, 1, 0], scale: fill(255), shift: CAFFE_BGR_MEAN.map((m) => -m) };
    case 'torch':
      return {
        source: identity,
        scale: TORCH_STD.map((s) => 1 / s),
        shift: TORCH_MEAN.map((m, c) => -m / TORCH_STD[c]!),
      };
  }
}

/** Validates an `input` option of a function that is not trainModel (which parses all its options at once). */
export function parseInputTransform(value: unknown, caller: string): InputTransform {
  const parsed = inputTransformSchema.default('unit').safeParse(value);
  if (!parsed.success) {
    throw new TrainError(
      'TRAIN_BAD_OPTIONS',
      `${caller}: ${describeZodIssues(parsed.error.issues.map((i) => ({ ...i, path: ['input', ...i.path] })))}`,
    );
  }
  return parsed.data;
}

/** 'caffe' and 'torch' carry per-channel RGB statistics; they are meaningless on other channel counts. */
export function checkInputChannels(mode: InputTransform, channels: number, where: string): void {
  if ((mode === 'caffe' || mode === 'torch') && channels !== 3) {
    throw new TrainError(
      'TRAIN_BAD_OPTIONS',
      `input '${mode}' needs 3-channel RGB images; ${where} have ${channels} channel${channels === 1 ? '' : 's'}`,
      { channels },
    );
  }
}

/**
 * Applies an input transform to NHWC (or HWC) pixels with `channels` values per pixel and returns a new
 * Float32Array: 'unit' x/255, 'tf' x/127.5 - 1, 'caffe' RGB->BGR then x - [103.939, 116.779, 123.68],
 * 'torch' (x/255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]. Float32 pixels are taken as x/255
 * (so 'unit' leaves them as they are).
 */
export function applyInputTransform(
  pixels: Uint8Array | Float32Array,
  channels: number,
  mode: InputTransform,
  where = 'images',
): Float32Array {
  checkInputChannels(mode, channels, where);
  if (!Number.isInteger(channels) || channels < 1 || pixels.length % channels !== 0) {
    throw new TrainError(
      'TRAIN_BAD_DATA',
      `${where}: ${pixels.length} values are not whole pixels of ${channels} channels`,
    );
  }
  const { source, scale, shift } = transformCoefficients(mode, channels, pixels instanceof Uint8Array);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i += channels) {
    for (let c = 0; c < channels; c++) out[i + c] = pixels[i + source[c]!]! * scale[c]! + shift[c]!;
  }
  return out;
}

/**
 * The per-channel map applyInputTransform computes with: output channel c = x[source[c]] * scale[c] + shift[c].
 * Code that converts pixels elsewhere (the streamed dataset's worker threads) uses it to get the same floats.
 */
export function transformCoefficients(mode: InputTransform, channels: number, uint8: boolean): ChannelMap {
  const map = channelMap(mode, channels);
  // uint8 x: u * scale = x * (scale / 255); dividing the scale (not multiplying by 1/255) keeps 'caffe' exact.
  return { ...map, scale: uint8 ? map.scale.map((s) => s / 255) : map.scale };
}
