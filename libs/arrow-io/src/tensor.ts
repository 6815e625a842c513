import { ArrowArgumentError } from './errors.js';
import { type DType, type TypedArrayOf, dtypeOfArray, isDType, typedArrayCtor } from './dtype.js';

/** A dense row-major (C order) tensor. `shape: []` is a scalar (one element). */
export interface Tensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: TypedArrayOf<D>;
}

/** Number of elements of a shape; throws on negative, fractional or unsafe sizes. */
export function shapeSize(shape: readonly number[], field = 'shape'): number {
  if (!Array.isArray(shape))
    throw new ArrowArgumentError(field, `expected an array of dimension sizes, got ${typeof shape}`);
  let n = 1;
  shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ArrowArgumentError(`${field}[${i}]`, `expected a non-negative integer dimension, got ${String(d)}`);
    }
    n *= d;
  });
  if (!Number.isSafeInteger(n))
    throw new ArrowArgumentError(field, `size of [${shape.join(', ')}] is not a safe integer`);
  return n;
}

/**
 * Makes a tensor, allocating zeroed data when `data` is omitted. The data is used as is (not copied);
 * its typed array class must match the dtype and its length must be the product of the shape.
 */
export function tensor<D extends DType>(dtype: D, shape: number[], data?: TypedArrayOf<D>): Tensor<D> {
  if (!isDType(dtype))
    throw new ArrowArgumentError(
      'dtype',
      `expected one of float32, float64, int8, int16, int32, uint8, uint16, uint32, got ${String(dtype)}`,
    );
  const size = shapeSize(shape);
  if (data === undefined) return { dtype, shape: [...shape], data: new (typedArrayCtor(dtype))(size) };
  checkTensorData(dtype, shape, data, size, 'data');
  return { dtype, shape: [...shape], data };
}

/** Validates a tensor built by hand (object literal) before it is written. */
export function checkTensor(t: Tensor, field = 'tensor'): void {
  if (t === null || typeof t !== 'object')
    throw new ArrowArgumentError(field, 'expected a tensor {dtype, shape, data}');
  if (!isDType(t.dtype))
    throw new ArrowArgumentError(`${field}.dtype`, `expected a dtype such as float32, got ${String(t.dtype)}`);
  const size = shapeSize(t.shape, `${field}.shape`);
  checkTensorData(t.dtype, t.shape, t.data, size, `${field}.data`);
}

function checkTensorData(dtype: DType, shape: number[], data: unknown, size: number, field: string): void {
  const actual = dtypeOfArray(data);
  if (actual !== dtype) {
    const got = actual ?? (data as object | undefined)?.constructor?.name ?? typeof data;
    throw new ArrowArgumentError(field, `expected a ${typedArrayCtor(dtype).name} for dtype ${dtype}, got ${got}`);
  }
  const length = (data as ArrayLike<number>).length;
  if (length !== size) {
    throw new ArrowArgumentError(field, `has ${length} elements but shape [${shape.join(', ')}] needs ${size}`);
  }
}
