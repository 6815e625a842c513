import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import {
  ArrowArgumentError,
  decodeTable,
  encodeTable,
  encodeTensors,
  inspectArrowBytes,
  readTable,
  tableFromColumns,
  tensor,
  writeTable,
} from '../src/index.js';
import { expectArrowError, expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

const rows = (t: arrow.Table): unknown[] => t.toArray().map((r) => r.toJSON());

/** Two batches sharing one dictionary-encoded column (tableFromArrays dictionary-encodes strings). */
function dictionaryTable(): arrow.Table {
  const whole = arrow.tableFromArrays({
    label: ['cat', 'dog', 'cat', 'emu', 'dog'],
    x: new Float64Array([1, 2, 3, 4, 5]),
  }).batches[0]!;
  return new arrow.Table([whole.slice(0, 3), whole.slice(3)]);
}

describe('tableFromColumns', () => {
  test('maps JS values to Arrow types and keeps typed arrays as they are', () => {
    const f32 = new Float32Array([0.5, 1.5, 2.5]);
    const t = tableFromColumns({
      auc: [0.91, 0.875, Number.NaN],
      model: ['resnet50', 'cbr-tiny', 'cbr-small'],
      pretrained: [true, false, true],
      epochs: new Int32Array([10, 20, 30]),
      loss: f32,
      steps: [1n, 2n, 2n ** 40n],
      mask: new Uint8Array([1, 0, 1]),
    });
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'auc: Float64',
      'model: Utf8',
      'pretrained: Bool',
      'epochs: Int32',
      'loss: Float32',
      'steps: Int64',
      'mask: Uint8',
    ]);
    expect(t.numRows).toBe(3);
    expect(t.getChild('loss')!.data[0]!.values).toBe(f32);
    expect(t.get(1)!.toJSON()).toMatchObject({
      auc: 0.875,
      model: 'cbr-tiny',
      pretrained: false,
      epochs: 20,
      steps: 2n,
    });
  });

  test('nulls make a column nullable', () => {
    const t = tableFromColumns({ a: [1, null, 3], s: [null, 'x', null], b: [null, true, false] });
    expect(rows(t)).toEqual([
      { a: 1, s: null, b: null },
      { a: null, s: 'x', b: true },
      { a: 3, s: null, b: false },
    ]);
    expect(t.getChild('a')!.nullCount).toBe(1);
  });

  test('rejects ragged columns, mixed types and unsupported values, naming the column/row', () => {
    expect(() => tableFromColumns({ a: [1, 2], b: [1] })).toThrow(/columns\["b"\]: has 1 rows, column "a" has 2/);
    expect(() => tableFromColumns({ a: [1, 'x'] as unknown as number[] })).toThrow(
      /columns\["a"\]: mixes value types \(number, string\)/,
    );
    expect(() => tableFromColumns({ a: [1, {}] as unknown as number[] })).toThrow(
      /columns\["a"\]\[1\]: expected a number/,
    );
    expect(() => tableFromColumns({})).toThrow(ArrowArgumentError);
  });
});

describe('encodeTable / decodeTable / files', () => {
  const metrics = () =>
    tableFromColumns({ model: ['a', 'b', 'c', 'd'], auc: [0.5, 0.6, 0.7, 0.8], seed: new Int32Array([1, 2, 3, 4]) });

  test('round-trips values and merges metadata, marking the kind', () => {
    const t = metrics();
    const bytes = encodeTable(t, { stage: 'evaluate' });
    const back = decodeTable(bytes);
    expect(rows(back)).toEqual(rows(t));
    expect(Object.fromEntries(back.schema.metadata)).toEqual({ stage: 'evaluate', 'transfusion.kind': 'table' });
    expect(inspectArrowBytes(bytes)).toMatchObject({ kind: 'table', numRows: 4, numBatches: 1 });
  });

  test('multi-batch tables keep their batches; dictionary columns survive', () => {
    const t = dictionaryTable();
    const bytes = encodeTable(t);
    const back = decodeTable(bytes);
    expect(back.batches.length).toBe(2);
    expect(rows(back)).toEqual(rows(t));
    expect(String(back.schema.fields[0]!.type)).toMatch(/Dictionary/);
  });

  test('batches with different dictionaries cannot be a file: a clear argument error', () => {
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 0);
    const batch = (labels: string[]) => new arrow.RecordBatch({ label: arrow.vectorFromArray(labels, type).data[0]! });
    expect(() => encodeTable(new arrow.Table([batch(['a']), batch(['b'])]))).toThrow(
      /table: cannot be written as an Arrow IPC file: .*replacement dictionaries/,
    );
  });

  test('an empty table (schema only) round-trips', () => {
    const schema = new arrow.Schema([new arrow.Field('x', new arrow.Float64(), true)]);
    const back = decodeTable(encodeTable(new arrow.Table(schema)));
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.map((f) => f.name)).toEqual(['x']);
  });

  test('writeTable/readTable round-trip through a file, batch by batch', async () => {
    const path = join(dir(), 'metrics.arrow');
    const t = dictionaryTable();
    await writeTable(path, t, { run: '7' });
    const back = await readTable(path);
    expect(rows(back)).toEqual(rows(t));
    expect(back.schema.metadata.get('run')).toBe('7');
    expect(rows(decodeTable(await readFile(path), path))).toEqual(rows(t));
  });

  test('reading a tensor collection as a table is ARROW_WRONG_KIND; non-tables are rejected on write', async () => {
    const path = join(dir(), 'w.arrow');
    const bytes = encodeTensors({ w: tensor('float32', [1]) });
    expectArrowError(() => decodeTable(bytes, path), 'ARROW_WRONG_KIND', path);
    await (await import('node:fs/promises')).writeFile(path, bytes);
    await expectArrowErrorAsync(() => readTable(path), 'ARROW_WRONG_KIND', path);
    expect(() => encodeTable({} as arrow.Table)).toThrow(/expected an apache-arrow Table/);
  });
});

test('tableFromColumns accepts any array-like of numbers as Float64', () => {
  const t = tableFromColumns({ x: { length: 2, 0: 1.5, 1: -2 } as ArrayLike<number> });
  expect(String(t.schema.fields[0]!.type)).toBe('Float64');
  expect(Array.from(t.getChild('x')!.toArray() as Float64Array)).toEqual([1.5, -2]);
});
