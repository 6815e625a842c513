import * as arrow from 'apache-arrow';

export const DTYPES = ['float32', 'float64', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32'] as const;
export type DType = (typeof DTYPES)[number];

interface TypedArrays {
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
}
export type TypedArrayOf<D extends DType> = TypedArrays[D];
export type AnyTypedArray = TypedArrays[DType];

interface TypedArrayCtor<D extends DType> {
  new (length: number): TypedArrayOf<D>;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArrayOf<D>;
  readonly BYTES_PER_ELEMENT: number;
}

const CTORS: { [D in DType]: TypedArrayCtor<D> } = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function typedArrayCtor<D extends DType>(dtype: D): TypedArrayCtor<D> {
  return CTORS[dtype];
}

export function bytesPerElement(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** The dtype whose typed array class `data` is an instance of (a Node Buffer counts as uint8). */
export function dtypeOfArray(data: unknown): DType | undefined {
  return DTYPES.find((d) => data instanceof CTORS[d]);
}

const ARROW_TYPES: { [D in DType]: () => arrow.Float32 | arrow.Float64 | arrow.Int } = {
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  int8: () => new arrow.Int8(),
  int16: () => new arrow.Int16(),
  int32: () => new arrow.Int32(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
};

export function arrowTypeOf(dtype: DType): arrow.Float32 | arrow.Float64 | arrow.Int {
  return ARROW_TYPES[dtype]();
}

/** The flatbuffer type description of a dtype, as parsed by ipc-schema.ts (for layout checks). */
export function flatTypeOf(dtype: DType): { typeId: number; params: (number | boolean)[] } {
  switch (dtype) {
    case 'float32':
      return { typeId: 3, params: [1] };
    case 'float64':
      return { typeId: 3, params: [2] };
    default: {
      const signed = dtype.startsWith('int');
      return { typeId: 2, params: [bytesPerElement(dtype) * 8, signed] };
    }
  }
}

/** Arrow Data for a typed array of `dtype`, wrapping it without a copy. */
export function primitiveData(dtype: DType, data: AnyTypedArray): arrow.Data {
  // makeData's overloads are per concrete type; dtype and array class agree by construction (checkTensor),
  // so the Float32 view of the union is only for overload resolution.
  return arrow.makeData({
    type: arrowTypeOf(dtype) as arrow.Float32,
    length: data.length,
    nullCount: 0,
    data: data as Float32Array,
  });
}
