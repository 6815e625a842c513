// The values of a FixedSizeList column of one record batch, as one flat typed array (a view, no copy): row r
// is values[r * listSize, (r + 1) * listSize). The readers of image sets (images, labels, masks) and tensors
// take their rows from here.
import * as arrow from 'apache-arrow';
import { ArrowFileError } from './errors.js';
import type { NumberArray } from './npy.js';

/** The typed arrays a FixedSizeList of numbers comes as: the ones .npy values are copied into. */
export type ListValues = NumberArray;

export interface FixedSizeListValues<T extends ListValues = ListValues> {
  listSize: number;
  /** rows × listSize items, row 0 first. */
  values: T;
}

/**
 * The flat item values of FixedSizeList column `column` (one chunk, as in a record batch). Throws
 * ARROW_UNSUPPORTED naming `file` and the column when it is not a single-chunk FixedSizeList of numbers.
 */
export function fixedSizeListValues(vec: arrow.Vector, file: string, column: string): FixedSizeListValues {
  if (vec.data.length !== 1)
    throw new ArrowFileError(
      'ARROW_UNSUPPORTED',
      file,
      `column '${column}' is split into ${vec.data.length} chunks inside one record batch`,
    );
  const d = vec.data[0]!;
  if (!(d.type instanceof arrow.FixedSizeList))
    throw new ArrowFileError(
      'ARROW_UNSUPPORTED',
      file,
      `column '${column}' is ${String(d.type)}, expected a FixedSizeList`,
    );
  const listSize = d.type.listSize;
  const child = d.children[0]!;
  const values: unknown = child.values;
  if (
    !ArrayBuffer.isView(values) ||
    values instanceof DataView ||
    values instanceof BigInt64Array ||
    values instanceof BigUint64Array
  ) {
    throw new ArrowFileError(
      'ARROW_UNSUPPORTED',
      file,
      `column '${column}' holds ${String(child.type)}, expected numeric items`,
    );
  }
  // apache-arrow keeps a (sliced) child's values starting at its first element, as its own getters read them:
  // the offsets are already applied.
  return { listSize, values: (values as ListValues).subarray(0, d.length * listSize) as ListValues };
}
