import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import {
  type Tensor,
  decodeTensors,
  encodeTensor,
  encodeTensors,
  inspectArrowBytes,
  readTensors,
  tensor,
  writeTensor,
  writeTensors,
} from '../src/index.js';
import { expectArrowError, expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

function weights(): Record<string, Tensor> {
  const ts: Record<string, Tensor> = {
    'conv2d_1/kernel:0': tensor(
      'float32',
      [3, 3, 1, 2],
      Float32Array.from({ length: 18 }, (_, i) => i / 7 - 1),
    ),
    'conv2d_1/bias:0': tensor('float32', [2], new Float32Array([0.5, -0.25])),
    'bn/moving_mean': tensor('float64', [2], new Float64Array([1e-300, -2])),
    step: tensor('int32', [], new Int32Array([123456])),
    empty: tensor('uint16', [0, 4]),
    '': tensor('int8', [1], new Int8Array([-7])),
    'ünïcödé ✓ \n\t"quotes"': tensor('uint8', [2, 1], new Uint8Array([0, 255])),
    '10': tensor('uint32', [1], new Uint32Array([4294967295])),
    mask: tensor('int16', [2, 2], new Int16Array([-32768, 32767, 0, 1])),
  };
  // An own property named "__proto__" (a legal layer name) must survive too.
  Object.defineProperty(ts, '__proto__', {
    value: tensor('float32', [1], new Float32Array([9])),
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return ts;
}

function expectSameCollection(a: Record<string, Tensor>, b: Record<string, Tensor>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(b)) {
    const x = Object.getOwnPropertyDescriptor(a, name)!.value as Tensor;
    const y = Object.getOwnPropertyDescriptor(b, name)!.value as Tensor;
    expect(x.dtype, name).toBe(y.dtype);
    expect(x.shape, name).toEqual(y.shape);
    expect(Array.from(x.data), name).toEqual(Array.from(y.data));
    expect(x.data.constructor, name).toBe(y.data.constructor);
  }
}

describe('tensor collections', () => {
  test('names (any characters), dtypes, shapes, scalars and empty tensors round-trip exactly', () => {
    const ts = weights();
    const bytes = encodeTensors(ts, { model: 'resnet50', source: 'imagenet' });
    expectSameCollection(decodeTensors(bytes), ts);
    const info = inspectArrowBytes(bytes);
    expect(info.kind).toBe('tensors');
    expect(info.metadata).toMatchObject({ model: 'resnet50', source: 'imagenet', 'transfusion.kind': 'tensors' });
    expect(info.schema.fields.map((f) => f.name)).toContain('conv2d_1/kernel:0');
  });

  test('an empty collection round-trips', () => {
    expect(decodeTensors(encodeTensors({}))).toEqual({});
  });

  test('decoded tensors are zero-copy views of the input buffer', () => {
    const bytes = encodeTensors(weights());
    const d = decodeTensors(bytes);
    for (const [name, t] of Object.entries(d)) expect(t.data.buffer, name).toBe(bytes.buffer);
  });

  test('copies when the buffer is not aligned, with identical values', () => {
    const bytes = encodeTensors(weights());
    const shifted = new Uint8Array(bytes.byteLength + 4);
    shifted.set(bytes, 4); // 4-aligned: float64 must be copied, float32 may stay a view
    const d = decodeTensors(shifted.subarray(4));
    expectSameCollection(d, weights());
    expect(d['bn/moving_mean']!.data.buffer).not.toBe(shifted.buffer);
    expect(d['conv2d_1/bias:0']!.data.buffer).toBe(shifted.buffer);
  });

  test('apache-arrow reads the collection as one row of FixedSizeList columns', () => {
    const table = arrow.tableFromIPC(encodeTensors({ w: tensor('float32', [2, 2], new Float32Array([1, 2, 3, 4])) }));
    expect(table.numRows).toBe(1);
    const field = table.schema.fields[0]!;
    expect(String(field.type)).toBe('FixedSizeList[4]<Float32>');
    expect(field.metadata.get('transfusion.shape')).toBe('[2,2]');
    expect(Array.from(table.getChild('w')!.get(0) as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  test('rejects invalid members, naming the tensor', () => {
    expect(() => encodeTensors({ 'a/b': { dtype: 'float32', shape: [2], data: new Float32Array(3) } })).toThrow(
      /tensors\["a\/b"\]\.data: has 3 elements/,
    );
    expect(() => encodeTensors([] as unknown as Record<string, Tensor>)).toThrow(/expected a record/);
  });

  test('files: write/read round-trip, and reading a single tensor file as a collection is ARROW_WRONG_KIND', async () => {
    const path = join(dir(), 'weights.arrow');
    await writeTensors(path, weights());
    expectSameCollection(await readTensors(path), weights());
    expectSameCollection(decodeTensors(await readFile(path), path), weights());
    const single = join(dir(), 'single.arrow');
    await writeTensor(single, tensor('float32', [1]));
    const err = await expectArrowErrorAsync(() => readTensors(single), 'ARROW_WRONG_KIND', single);
    expect(err.message).toMatch(/holds a tensor .* expected a tensors/);
    expectArrowError(
      () => decodeTensors(encodeTensor(tensor('float32', [1])), 'x.arrow'),
      'ARROW_WRONG_KIND',
      'x.arrow',
    );
  });
});
