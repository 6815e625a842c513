import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { ArrowFileError, createBatchWriter, openArrowFile } from '../src/index.js';
import { useTempDir } from './helpers.js';

const dir = useTempDir();

// An image-set-like table: a FixedSizeList<Uint8> column between others, strings, floats and nulls.
async function writeFile3(path: string): Promise<arrow.Table> {
  const fsl = new arrow.FixedSizeList(6, new arrow.Field('item', new arrow.Uint8(), false));
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('image', fsl, false),
    new arrow.Field('score', new arrow.Float32(), true),
    new arrow.Field('split', new arrow.Utf8(), false),
  ]);
  const w = await createBatchWriter(path, schema);
  const batches: arrow.RecordBatch[] = [];
  for (let b = 0; b < 3; b++) {
    const n = 2 + b;
    const pixels = Uint8Array.from({ length: n * 6 }, (_, i) => (b * 50 + i) % 256);
    const image = arrow.makeData({
      type: fsl,
      length: n,
      nullCount: 0,
      child: arrow.makeData({ type: new arrow.Uint8(), length: n * 6, data: pixels }),
    });
    const rb = new arrow.RecordBatch(
      schema,
      arrow.makeData({
        type: new arrow.Struct(schema.fields),
        length: n,
        nullCount: 0,
        children: [
          arrow.vectorFromArray(
            Array.from({ length: n }, (_, i) => `r${b}-${i}`),
            new arrow.Utf8(),
          ).data[0]!,
          image,
          arrow.vectorFromArray(
            Array.from({ length: n }, (_, i) => (i === 1 ? null : b + i / 4)),
            new arrow.Float32(),
          ).data[0]!,
          arrow.vectorFromArray(
            Array.from({ length: n }, (_, i) => (i % 2 ? 'val' : 'train')),
            new arrow.Utf8(),
          ).data[0]!,
        ],
      }),
    );
    batches.push(rb);
    await w.write(rb);
  }
  await w.close();
  return new arrow.Table(batches);
}

describe('reading single columns and row regions', () => {
  test('column(i, name) equals the column of the whole batch, reading fewer bytes; region(i, name) locates each row', async () => {
    const path = join(dir(), 'cols.arrow');
    await writeFile3(path);
    const bytes = await readFile(path);
    const f = await openArrowFile(path);
    try {
      for (let b = 0; b < f.info.numBatches; b++) {
        const start = f.bytesRead;
        const whole = await f.batch(b);
        const batchBytes = f.bytesRead - start;
        const before = f.bytesRead;
        for (const name of ['id', 'score', 'split']) {
          expect((await f.column(b, name)).toArray()).toEqual(whole.getChild(name)!.toArray());
        }
        expect((await f.column(b, 'score')).get(1)).toBeNull();
        expect(f.bytesRead - before).toBeLessThan(batchBytes); // the image column was not read
        const img = await f.column(b, 'image');
        expect(img.toArray().map((v: Uint8Array) => Array.from(v))).toEqual(
          whole
            .getChild('image')!
            .toArray()
            .map((v: Uint8Array) => Array.from(v)),
        );
        const region = f.region(b, 'image');
        expect(region.rowBytes).toBe(6);
        expect(region.rows).toBe(whole.numRows);
        for (let r = 0; r < region.rows; r++) {
          expect(Array.from(bytes.subarray(region.offset + r * 6, region.offset + (r + 1) * 6))).toEqual(
            Array.from(whole.getChild('image')!.get(r) as Uint8Array),
          );
        }
      }
      expect(() => f.region(0, 'id')).toThrow(ArrowFileError);
      await expect(f.column(0, 'nope')).rejects.toThrow(/no column 'nope'/);
    } finally {
      await f.close();
    }
  });
});
