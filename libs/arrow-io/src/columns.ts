import * as arrow from 'apache-arrow';
import { type AnyTypedArray, dtypeOfArray, primitiveData } from './dtype.js';
import { ArrowArgumentError } from './errors.js';

/** Column values accepted by tableFromColumns. */
export type ColumnValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | readonly (number | null)[]
  | readonly (string | null)[]
  | readonly (boolean | null)[]
  | readonly (bigint | null)[]
  | ArrayLike<number>;

/**
 * Builds a table from plain columns, for small metric tables. Typed arrays keep their type (zero-copy);
 * JS numbers become Float64, strings Utf8 (not dictionary-encoded), booleans Bool, bigints Int64.
 * `null` entries make the column nullable. All columns must have the same length.
 */
export function tableFromColumns(cols: Record<string, ColumnValues>): arrow.Table {
  if (cols === null || typeof cols !== 'object' || Array.isArray(cols))
    throw new ArrowArgumentError('columns', 'expected a record of name -> values');
  const entries = Object.entries(cols);
  if (entries.length === 0) throw new ArrowArgumentError('columns', 'expected at least one column');
  const length = entries[0]![1]?.length;
  const vectors: Record<string, arrow.Vector> = {};
  for (const [name, values] of entries) {
    const field = `columns[${JSON.stringify(name)}]`;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new ArrowArgumentError(field, 'expected an array or typed array');
    }
    if (values.length !== length) {
      throw new ArrowArgumentError(
        field,
        `has ${values.length} rows, column ${JSON.stringify(entries[0]![0])} has ${String(length)}`,
      );
    }
    vectors[name] = toVector(values, field);
  }
  return new arrow.Table(vectors);
}

function toVector(values: ColumnValues, field: string): arrow.Vector {
  const dtype = dtypeOfArray(values);
  if (dtype) return arrow.makeVector(primitiveData(dtype, values as AnyTypedArray));
  if (values instanceof BigInt64Array) return arrow.makeVector(values);
  if (!Array.isArray(values)) {
    // Any other array-like of numbers (e.g. Float16Array, arguments-like objects) becomes Float64.
    return toVector(Array.from(values as ArrayLike<unknown>) as number[], field);
  }
  const kinds = new Set<string>();
  values.forEach((v: unknown, i: number) => {
    const k = v === null ? 'null' : typeof v;
    if (!['null', 'number', 'string', 'boolean', 'bigint'].includes(k)) {
      throw new ArrowArgumentError(`${field}[${i}]`, `expected a number, string, boolean, bigint or null, got ${k}`);
    }
    if (k !== 'null') kinds.add(k);
  });
  if (kinds.size > 1)
    throw new ArrowArgumentError(field, `mixes value types (${[...kinds].join(', ')}); a column has one type`);
  const kind = [...kinds][0] ?? 'number';
  const type =
    kind === 'string'
      ? new arrow.Utf8()
      : kind === 'boolean'
        ? new arrow.Bool()
        : kind === 'bigint'
          ? new arrow.Int64()
          : new arrow.Float64();
  return arrow.vectorFromArray(values as unknown[], type);
}
