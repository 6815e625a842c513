import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ArrowArgumentError,
  createBatchWriter,
  decodeTable,
  inspectArrowFile,
  openArrowFile,
  readBatches,
  readTable,
  readTensor,
  tensor,
  writeTensor,
} from '../src/index.js';
import { expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

/** A shard of `n` images (FixedSizeList<Uint8>[H*W]) with labels, as a dataset writer would produce. */
function shard(schema: arrow.Schema, first: number, n: number, pixels: number): arrow.RecordBatch {
  const values = new Uint8Array(n * pixels);
  for (let i = 0; i < values.length; i++) values[i] = (first * pixels + i) % 251;
  const imageType = schema.fields[0]!.type as arrow.FixedSizeList<arrow.Uint8>;
  const image = arrow.makeData({
    type: imageType,
    length: n,
    nullCount: 0,
    child: arrow.makeData({ type: new arrow.Uint8(), length: values.length, nullCount: 0, data: values }),
  });
  const label = arrow.makeData({
    type: new arrow.Int32(),
    length: n,
    nullCount: 0,
    data: Int32Array.from({ length: n }, (_, i) => (first + i) % 3),
  });
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [image, label] }),
  );
}

function shardSchema(pixels: number): arrow.Schema {
  return new arrow.Schema(
    [
      new arrow.Field(
        'image',
        new arrow.FixedSizeList(pixels, new arrow.Field('item', new arrow.Uint8(), false)),
        false,
      ),
      new arrow.Field('label', new arrow.Int32(), false),
    ],
    new Map([['shape', '[16,16,1]']]),
  );
}

describe('createBatchWriter', () => {
  test('appends shards and finalises a valid file on close; the file appears only then', async () => {
    const path = join(dir(), 'shards.arrow');
    const pixels = 256;
    const schema = shardSchema(pixels);
    const w = await createBatchWriter(path, schema);
    for (let s = 0; s < 5; s++) {
      await w.write(shard(schema, s * 10, 10, pixels));
      await expect(stat(path)).rejects.toThrow(/ENOENT/); // nothing visible before close
    }
    await w.close();
    const info = await inspectArrowFile(path);
    expect(info).toMatchObject({ kind: 'table', numRows: 50, numBatches: 5 });
    expect(info.metadata).toEqual({ shape: '[16,16,1]', 'transfusion.kind': 'table' });
    const t = await readTable(path);
    expect(Array.from(t.getChild('label')!.toArray() as Int32Array)).toEqual(
      Array.from({ length: 50 }, (_, i) => i % 3),
    );
    expect(Array.from(t.getChild('image')!.get(17) as Uint8Array).slice(0, 3)).toEqual([
      (17 * pixels) % 251,
      (17 * pixels + 1) % 251,
      (17 * pixels + 2) % 251,
    ]);
    expect(await readdir(dir())).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  test('abort leaves no file and no temp file; so does a failed write', async () => {
    const path = join(dir(), 'aborted.arrow');
    const schema = shardSchema(4);
    const w = await createBatchWriter(path, schema);
    await w.write(shard(schema, 0, 3, 4));
    await w.abort();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir())).filter((f) => f.includes('aborted'))).toEqual([]);
    await expect(w.write(shard(schema, 0, 1, 4))).rejects.toThrow(/already aborted/);

    const other = new arrow.Schema([new arrow.Field('x', new arrow.Float64())]);
    const w2 = await createBatchWriter(join(dir(), 'mismatch.arrow'), schema);
    const bad = new arrow.RecordBatch(
      other,
      arrow.makeData({
        type: new arrow.Struct(other.fields),
        length: 1,
        nullCount: 0,
        children: [arrow.makeData({ type: new arrow.Float64(), length: 1, nullCount: 0, data: new Float64Array(1) })],
      }),
    );
    const err = await expectArrowErrorAsync(
      () => w2.write(bad),
      'ARROW_SCHEMA_MISMATCH',
      join(dir(), 'mismatch.arrow'),
    );
    expect(err.message).toMatch(/x: Float64/);
    await w2.abort();
    expect((await readdir(dir())).filter((f) => f.includes('mismatch'))).toEqual([]);
  });

  test('rejects bad schemas and double close', async () => {
    await expect(
      createBatchWriter(join(dir(), 'k.arrow'), new arrow.Schema([], new Map([['transfusion.kind', 'blob']]))),
    ).rejects.toThrow(ArrowArgumentError);
    const path = join(dir(), 'twice.arrow');
    const w = await createBatchWriter(path, shardSchema(2));
    await w.close();
    await expect(w.close()).rejects.toThrow(/already closed/);
    expect((await inspectArrowFile(path)).numBatches).toBe(0);
  });
});

describe('readBatches / openArrowFile', () => {
  const pixels = 1024;
  const batches = 6;
  const perBatch = 32;
  let path = '';
  beforeAll(async () => {
    path = join(dir(), 'big.arrow');
    const schema = shardSchema(pixels);
    const w = await createBatchWriter(path, schema);
    for (let s = 0; s < batches; s++) await w.write(shard(schema, s * perBatch, perBatch, pixels));
    await w.close();
  });

  test('readBatches yields every batch in order with the right contents', async () => {
    const seen: number[] = [];
    for await (const b of readBatches(path)) {
      expect(b.numRows).toBe(perBatch);
      seen.push(b.getChild('label')!.get(0) as number);
      expect(b.schema.metadata.get('shape')).toBe('[16,16,1]');
    }
    expect(seen).toEqual(Array.from({ length: batches }, (_, s) => (s * perBatch) % 3));
  });

  test('openArrowFile reads only the headers and the batch asked for', async () => {
    const size = (await stat(path)).size;
    const f = await openArrowFile(path);
    try {
      expect(f.info).toMatchObject({ numBatches: batches, numRows: batches * perBatch, bytes: size });
      const headers = f.bytesRead;
      expect(headers).toBeLessThan(4096);
      const b2 = await f.batch(2);
      const batchBytes = f.bytesRead - headers;
      // One batch's worth (32 images of 1 KiB + labels + its message header), not the 200 KB file.
      expect(batchBytes).toBeGreaterThanOrEqual(perBatch * pixels);
      expect(batchBytes).toBeLessThan(perBatch * pixels + 1024);
      expect(b2.numRows).toBe(perBatch);
      expect(Array.from(b2.getChild('image')!.get(0) as Uint8Array).slice(0, 2)).toEqual([
        (2 * perBatch * pixels) % 251,
        (2 * perBatch * pixels + 1) % 251,
      ]);
      await expect(f.batch(batches)).rejects.toThrow(ArrowArgumentError);
    } finally {
      await f.close();
    }
    await expectArrowErrorAsync(() => f.batch(0), 'ARROW_IO', path);
  });

  test('dictionary-encoded columns decode per batch', async () => {
    const p = join(dir(), 'dict.arrow');
    const whole = arrow.tableFromArrays({ label: ['cat', 'dog', 'cat', 'emu'], x: new Float64Array([1, 2, 3, 4]) })
      .batches[0]!;
    const w = await createBatchWriter(p, whole.schema);
    await w.write(whole.slice(0, 2));
    await w.write(whole.slice(2));
    await w.close();
    const f = await openArrowFile(p);
    expect((await f.batch(1)).toArray().map((r) => r.toJSON())).toEqual([
      { label: 'cat', x: 3 },
      { label: 'emu', x: 4 },
    ]);
    await f.close();
  });

  test('a tensor file streams as its batches and reads whole with readTensor', async () => {
    const p = join(dir(), 'tensor.arrow');
    const t = tensor(
      'float32',
      [10, 10],
      Float32Array.from({ length: 100 }, (_, i) => i),
    );
    await writeTensor(p, t, undefined, { batchElements: 30 });
    const sizes: number[] = [];
    for await (const b of readBatches(p)) sizes.push(b.numRows);
    expect(sizes).toEqual([30, 30, 30, 10]);
    expect(Array.from((await readTensor(p)).data)).toEqual(Array.from(t.data));
  });

  test('a file truncated after opening is reported, not half-read', async () => {
    const p = join(dir(), 'shrinks.arrow');
    const schema = shardSchema(8);
    const w = await createBatchWriter(p, schema);
    for (let s = 0; s < 3; s++) await w.write(shard(schema, s, 4, 8));
    await w.close();
    const f = await openArrowFile(p);
    await writeFile(p, new Uint8Array(16)); // truncate in place behind the open handle
    await expectArrowErrorAsync(() => f.batch(1), 'ARROW_TRUNCATED', p);
    await f.close();
    expect(() => decodeTable(new Uint8Array(16), p)).toThrow(p);
  });
});
