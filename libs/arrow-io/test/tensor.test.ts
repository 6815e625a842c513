import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import {
  ArrowArgumentError,
  type DType,
  DTYPES,
  type Tensor,
  decodeTensor,
  encodeTensor,
  inspectArrowBytes,
  readTensor,
  tensor,
  writeTensor,
  writeTable,
  tableFromColumns,
} from '../src/index.js';
import { expectArrowError, expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

/** Deterministic values covering the dtype's range, including negatives/extremes where the type has them. */
function sample<D extends DType>(dtype: D, shape: number[]): Tensor<D> {
  const t = tensor(dtype, shape);
  const extremes: Record<DType, number[]> = {
    float32: [-0, 1.5, -3.25, 3.4028234663852886e38, 1.401298464324817e-45, Number.NaN, Infinity],
    float64: [-0, 0.1, -1e308, Number.MIN_VALUE, Number.NaN, -Infinity],
    int8: [-128, 127, 0, -1],
    int16: [-32768, 32767, 7],
    int32: [-2147483648, 2147483647, 12345],
    uint8: [0, 255, 128],
    uint16: [0, 65535, 300],
    uint32: [0, 4294967295, 2 ** 31],
  };
  const ex = extremes[dtype];
  for (let i = 0; i < t.data.length; i++) t.data[i] = i < ex.length ? ex[i]! : (i * 37) % 101;
  return t;
}

function expectSameTensor(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  expect(a.data.constructor).toBe(b.data.constructor);
  // Compare bytes so NaN and -0 count as equal only when bit-identical.
  expect(
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    ),
  ).toBe(true);
}

describe('tensor()', () => {
  test('allocates zeroed data of the shape size and copies the shape', () => {
    const shape = [2, 3, 4];
    const t = tensor('int16', shape);
    expect(t.data).toBeInstanceOf(Int16Array);
    expect(t.data.length).toBe(24);
    shape[0] = 9;
    expect(t.shape).toEqual([2, 3, 4]);
    expect(tensor('float32', []).data.length).toBe(1);
    expect(tensor('float32', [0, 5]).data.length).toBe(0);
  });

  test('uses the given data without copying', () => {
    const data = new Float64Array([1, 2, 3]);
    expect(tensor('float64', [3], data).data).toBe(data);
  });

  test('rejects size mismatches, wrong array classes, bad dimensions and unknown dtypes', () => {
    expect(() => tensor('float32', [2, 3], new Float32Array(5))).toThrow(/5 elements but shape \[2, 3\] needs 6/);
    expect(() => tensor('float32', [2], new Float64Array(2) as unknown as Float32Array)).toThrow(
      /expected a Float32Array for dtype float32, got float64/,
    );
    expect(() => tensor('float32', [2, -1])).toThrow(ArrowArgumentError);
    expect(() => tensor('float32', [1.5])).toThrow(/shape\[0\]: expected a non-negative integer/);
    expect(() => tensor('float16' as DType, [1])).toThrow(/dtype: expected one of/);
    expect(() => tensor('uint8', [2 ** 40, 2 ** 20])).toThrow(/not a safe integer/);
  });
});

describe('encodeTensor / decodeTensor', () => {
  const shapes = [[], [0], [3], [2, 3, 4], [1, 0, 7]];
  for (const dtype of DTYPES) {
    test(`round-trips ${dtype} for shapes ${JSON.stringify(shapes)}`, () => {
      for (const shape of shapes) {
        const t = sample(dtype, shape);
        const bytes = encodeTensor(t);
        expectSameTensor(decodeTensor(bytes), t);
      }
    });
  }

  test('stores kind, dtype, shape and user metadata in the schema', () => {
    const bytes = encodeTensor(sample('int32', [2, 3]), { layout: 'NHWC', 'any key / with: chars': 'é' });
    const info = inspectArrowBytes(bytes);
    expect(info.kind).toBe('tensor');
    expect(info.numRows).toBe(6);
    expect(info.metadata).toEqual({
      layout: 'NHWC',
      'any key / with: chars': 'é',
      'transfusion.kind': 'tensor',
      'transfusion.dtype': 'int32',
      'transfusion.shape': '[2,3]',
    });
    expect(info.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['data: Int32']);
  });

  test('rejects reserved or non-string metadata, and invalid tensors', () => {
    const t = sample('float32', [2]);
    expect(() => encodeTensor(t, { 'transfusion.shape': '[9]' })).toThrow(/reserved/);
    expect(() => encodeTensor(t, { n: 3 } as unknown as Record<string, string>)).toThrow(/meta\.n/);
    expect(() => encodeTensor({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(
      /tensor\.data: has 2 elements/,
    );
  });

  test('decodes zero-copy when aligned: data is a view of the input buffer', () => {
    const t = sample('float64', [4, 5]);
    const bytes = encodeTensor(t);
    const d = decodeTensor(bytes);
    expect(d.data.buffer).toBe(bytes.buffer);
    expect(d.data.byteOffset % 8).toBe(0);
    // A write through the input buffer is visible in the decoded tensor: no copy was made.
    new Float64Array(bytes.buffer, d.data.byteOffset, d.data.length)[3] = 42;
    expect(d.data[3]).toBe(42);
  });

  test('copies when the input is not aligned for the dtype', () => {
    const t = sample('float32', [10]);
    const bytes = encodeTensor(t);
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    const unaligned = shifted.subarray(1);
    const d = decodeTensor(unaligned);
    expect(d.data.buffer).not.toBe(shifted.buffer);
    expectSameTensor(d, t);
    // uint8 is always aligned, so it stays zero-copy even at an odd offset
    const u = encodeTensor(sample('uint8', [9]));
    const odd = new Uint8Array(u.byteLength + 1);
    odd.set(u, 1);
    expect(decodeTensor(odd.subarray(1)).data.buffer).toBe(odd.buffer);
  });

  test('splits large tensors into record batches and reassembles them', () => {
    const t = sample('int16', [5, 7, 3]); // 105 elements
    const bytes = encodeTensor(t, undefined, { batchElements: 16 });
    const info = inspectArrowBytes(bytes);
    expect(info.numBatches).toBe(7);
    expect(info.numRows).toBe(105);
    const table = arrow.tableFromIPC(bytes);
    expect(table.batches.map((b) => b.numRows)).toEqual([16, 16, 16, 16, 16, 16, 9]);
    expectSameTensor(decodeTensor(bytes), t);
    expect(() => encodeTensor(t, undefined, { batchElements: 0 })).toThrow(/batchElements/);
  });

  test('is standard Arrow IPC: apache-arrow reads the file, and the embedded stream after the magic', () => {
    const t = sample('float32', [2, 3]);
    const bytes = encodeTensor(t, { note: 'x' });
    const table = arrow.tableFromIPC(bytes);
    expect(Array.from(table.getChild('data')!.toArray() as Float32Array)).toEqual(Array.from(t.data));
    expect(table.schema.metadata.get('transfusion.shape')).toBe('[2,3]');
    // The IPC file format embeds a complete stream (schema first) after the 8-byte magic.
    const stream = arrow.tableFromIPC(bytes.subarray(8));
    expect(stream.numRows).toBe(6);
    expect(stream.schema.metadata.get('note')).toBe('x');
  });

  test('reads a tensor file written by plain apache-arrow (no leading schema message)', () => {
    const values = new Float64Array([1, 2, 3, 4, 5, 6]);
    const schema = new arrow.Schema(
      [new arrow.Field('data', new arrow.Float64(), false)],
      new Map([
        ['transfusion.kind', 'tensor'],
        ['transfusion.dtype', 'float64'],
        ['transfusion.shape', '[3,2]'],
      ]),
    );
    const table = new arrow.Table(schema, [
      new arrow.RecordBatch(
        schema,
        arrow.makeData({
          type: new arrow.Struct(schema.fields),
          length: 6,
          nullCount: 0,
          children: [arrow.makeData({ type: new arrow.Float64(), length: 6, nullCount: 0, data: values })],
        }),
      ),
    ]);
    const d = decodeTensor(arrow.tableToIPC(table, 'file'));
    expect(d.shape).toEqual([3, 2]);
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('rejects files whose tensor metadata disagrees with the column', () => {
    const make = (meta: [string, string][], type: arrow.DataType = new arrow.Float32(), n = 4) => {
      const schema = new arrow.Schema([new arrow.Field('data', type, false)], new Map(meta));
      const data = arrow.makeData({ type: type as arrow.Float32, length: n, nullCount: 0, data: new Float32Array(n) });
      return arrow.tableToIPC(
        new arrow.Table(schema, [
          new arrow.RecordBatch(
            schema,
            arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [data] }),
          ),
        ]),
        'file',
      );
    };
    const kind: [string, string] = ['transfusion.kind', 'tensor'];
    expectArrowError(
      () => decodeTensor(make([kind, ['transfusion.dtype', 'float32'], ['transfusion.shape', '[5]']]), 'a.arrow'),
      'ARROW_BAD_TENSOR',
      'a.arrow',
    );
    expectArrowError(
      () => decodeTensor(make([kind, ['transfusion.dtype', 'int32'], ['transfusion.shape', '[4]']]), 'b.arrow'),
      'ARROW_BAD_TENSOR',
      'b.arrow',
    );
    expectArrowError(
      () => decodeTensor(make([kind, ['transfusion.dtype', 'float32'], ['transfusion.shape', '[2,-2]']]), 'c.arrow'),
      'ARROW_BAD_METADATA',
      'c.arrow',
    );
    expectArrowError(
      () => decodeTensor(make([kind, ['transfusion.shape', '[4]']]), 'd.arrow'),
      'ARROW_BAD_METADATA',
      'd.arrow',
    );
    expectArrowError(
      () => decodeTensor(make([['transfusion.kind', 'weights']]), 'e.arrow'),
      'ARROW_BAD_METADATA',
      'e.arrow',
    );
  });

  test('decoding a table or a collection as a tensor is ARROW_WRONG_KIND naming both kinds', () => {
    const err = expectArrowError(
      () => decodeTensor(arrow.tableToIPC(arrow.tableFromArrays({ x: [1, 2] }), 'file'), 'm.arrow'),
      'ARROW_WRONG_KIND',
      'm.arrow',
    );
    expect(err.message).toMatch(/holds a table .* expected a tensor/);
  });
});

describe('writeTensor / readTensor', () => {
  test('round-trips every dtype through a file, including multi-batch files', async () => {
    for (const dtype of DTYPES) {
      const t = sample(dtype, [3, 4, 5]);
      const path = join(dir(), `${dtype}.arrow`);
      await writeTensor(path, t, { m: dtype }, { batchElements: 7 });
      expectSameTensor(await readTensor(path), t);
      expectSameTensor(decodeTensor(await readFile(path)), t);
    }
  });

  test('scalar and empty tensors round-trip through files', async () => {
    const s = tensor('float64', [], new Float64Array([Math.PI]));
    const e = tensor('int8', [0]);
    await writeTensor(join(dir(), 's.arrow'), s);
    await writeTensor(join(dir(), 'e.arrow'), e);
    expectSameTensor(await readTensor(join(dir(), 's.arrow')), s);
    expectSameTensor(await readTensor(join(dir(), 'e.arrow')), e);
  });

  test('readTensor on a table is ARROW_WRONG_KIND; a missing file is ARROW_IO naming the path', async () => {
    const path = join(dir(), 'table.arrow');
    await writeTable(path, tableFromColumns({ a: [1, 2] }));
    await expectArrowErrorAsync(() => readTensor(path), 'ARROW_WRONG_KIND', path);
    const missing = join(dir(), 'nope.arrow');
    const err = await expectArrowErrorAsync(() => readTensor(missing), 'ARROW_IO', missing);
    expect(err.message).toMatch(/ENOENT/);
    await writeFile(join(dir(), 'plain.txt'), 'hello');
    await expectArrowErrorAsync(() => readTensor(dir()), 'ARROW_IO', dir());
  });
});
