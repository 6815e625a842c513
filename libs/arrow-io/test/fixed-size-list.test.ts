import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArrowFileError, fixedSizeListValues } from '../src/index.js';

function listVector(values: Float32Array, listSize: number): arrow.Vector {
  const child = arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values });
  const type = new arrow.FixedSizeList(listSize, new arrow.Field('item', new arrow.Float32(), false));
  return arrow.makeVector(arrow.makeData({ type, length: values.length / listSize, child }));
}

describe('fixedSizeListValues', () => {
  it('gives the flat values of the rows, honouring the slice offset, without copying', () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => i);
    const vec = listVector(values, 3);
    const all = fixedSizeListValues(vec, 'f.arrow', 'label');
    expect(all.listSize).toBe(3);
    expect(Array.from(all.values)).toEqual(Array.from(values));
    expect(all.values.buffer).toBe(values.buffer);
    const rows = fixedSizeListValues(vec.slice(1, 3), 'f.arrow', 'label');
    expect(Array.from(rows.values)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('names the file and column of anything else', () => {
    const strings = arrow.vectorFromArray(['a', 'b'], new arrow.Utf8());
    expect(() => fixedSizeListValues(strings, 'f.arrow', 'id')).toThrow(ArrowFileError);
    expect(() => fixedSizeListValues(strings, 'f.arrow', 'id')).toThrow(
      /^f\.arrow: column 'id' is Utf8, expected a FixedSizeList/,
    );
  });
});
