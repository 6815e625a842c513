// The project's one NumPy .npy reader and writer: headers of format 1–3, every numeric dtype in either byte
// order, C or Fortran order. It imports nothing from apache-arrow (it is reached through the
// `@transfusion/arrow-io/npy` entry), so .npy users do not pay for loading Arrow.

export type NpyDtype =
  | 'uint8'
  | 'int8'
  | 'bool'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64';

export interface NpyHeader {
  dtype: NpyDtype;
  /** The descriptor as written, e.g. '<f4', for messages. */
  descr: string;
  shape: number[];
  /** Bytes of one element. */
  itemSize: number;
  littleEndian: boolean;
  /** Column-major storage: element (i, j, …) is stored with the first axis fastest. */
  fortranOrder: boolean;
  /** Bytes of the header (magic + version + length + dict): the values start here. */
  headerBytes: number;
}

export type NpyErrorCode = 'NPY_BAD_MAGIC' | 'NPY_BAD_HEADER' | 'NPY_UNSUPPORTED' | 'NPY_TRUNCATED' | 'NPY_IO';

/** A .npy file (or archive member) that cannot be read as asked; `file` names it. */
export class NpyError extends Error {
  override readonly name = 'NpyError';
  constructor(
    readonly code: NpyErrorCode,
    readonly file: string,
    /** What was wrong, without the file name. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const KINDS: Record<string, Partial<Record<number, NpyDtype>>> = {
  u: { 1: 'uint8', 2: 'uint16', 4: 'uint32' },
  i: { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' },
  f: { 4: 'float32', 8: 'float64' },
  b: { 1: 'bool' },
};

const DESCR: Record<NpyDtype, string> = {
  uint8: '|u1',
  int8: '|i1',
  bool: '|b1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  int64: '<i8',
  float32: '<f4',
  float64: '<f8',
};

/** True when `bytes` starts with the .npy magic. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses the header at the start of `bytes`; undefined when more bytes are needed (so a streamed archive
 * member can be fed chunk by chunk). `file` names the source in errors.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader | undefined {
  if (bytes.length < 10) return undefined;
  if (!isNpy(bytes)) throw new NpyError('NPY_BAD_MAGIC', file, 'not a .npy file (missing the \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let length: number;
  let start: number;
  if (major === 1) {
    length = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return undefined;
    length = view.getUint32(8, true);
    start = 12;
  } else {
    throw new NpyError(
      'NPY_UNSUPPORTED',
      file,
      `.npy format version ${major}.${bytes[7]} is not supported (expected 1, 2 or 3)`,
    );
  }
  if (bytes.length < start + length) return undefined;
  return {
    ...parseDict(new TextDecoder().decode(bytes.subarray(start, start + length)), file),
    headerBytes: start + length,
  };
}

/** The Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseDict(text: string, file: string): Omit<NpyHeader, 'headerBytes'> {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError('NPY_BAD_HEADER', file, `header lacks descr, fortran_order or shape: ${text.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0)
        throw new NpyError('NPY_BAD_HEADER', file, `bad shape entry "${s}" in ${text.trim()}`);
      return v;
    });
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const dtype = m ? KINDS[m[2]!]?.[Number(m[3])] : undefined;
  if (m === null || dtype === undefined) {
    throw new NpyError(
      'NPY_UNSUPPORTED',
      file,
      `dtype '${descr}' is not supported; expected bool, (u)int8/16/32, int64, float32 or float64 in either byte order`,
    );
  }
  return { dtype, descr, shape, itemSize: Number(m[3]), littleEndian: m[1] !== '>', fortranOrder: fortran === 'True' };
}

/** Element `i` of a .npy body (the bytes after the header), in storage order, as a JS number. */
export function readNpyNumber(body: Uint8Array, h: Pick<NpyHeader, 'dtype' | 'littleEndian'>, i: number): number {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const le = h.littleEndian;
  switch (h.dtype) {
    case 'uint8':
    case 'bool':
      return body[i]!;
    case 'int8':
      return view.getInt8(i);
    case 'uint16':
      return view.getUint16(i * 2, le);
    case 'int16':
      return view.getInt16(i * 2, le);
    case 'uint32':
      return view.getUint32(i * 4, le);
    case 'int32':
      return view.getInt32(i * 4, le);
    case 'int64':
      return Number(view.getBigInt64(i * 8, le));
    case 'float32':
      return view.getFloat32(i * 4, le);
    case 'float64':
      return view.getFloat64(i * 8, le);
  }
}

/** A typed array that values of any .npy dtype can be copied into (int64 becomes a JS number). */
export type NumberArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * Copies the values of a whole .npy file into `out` in C (row-major) order, whatever the file's byte order
 * and layout; `out` must hold exactly prod(shape) values. Throws NPY_TRUNCATED when the body is short.
 */
export function copyNpyValues(bytes: Uint8Array, h: NpyHeader, out: NumberArray, file: string): void {
  const count = h.shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(h.headerBytes);
  if (body.length < count * h.itemSize) {
    throw new NpyError(
      'NPY_TRUNCATED',
      file,
      `data is truncated: ${body.length} bytes for shape (${h.shape.join(', ')}) of ${h.itemSize}-byte ${h.dtype}`,
    );
  }
  if (out.length !== count)
    throw new RangeError(`copyNpyValues: ${file} holds ${count} values, the output has room for ${out.length}`);
  const fast = fastView(body, h, count);
  if (fast) {
    out.set(fast);
    return;
  }
  if (!h.fortranOrder || h.shape.length < 2) {
    for (let i = 0; i < count; i++) out[i] = readNpyNumber(body, h, i);
    return;
  }
  // Fortran order stores the first axis fastest: walk storage order and place each value at its C index.
  const strides = h.shape.map((_, k) => h.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const index = h.shape.map(() => 0);
  for (let s = 0; s < count; s++) {
    let c = 0;
    for (let k = 0; k < index.length; k++) c += index[k]! * strides[k]!;
    out[c] = readNpyNumber(body, h, s);
    for (let k = 0; k < index.length && ++index[k]! === h.shape[k]; k++) index[k] = 0;
  }
}

/** The body as a typed array when it is little-endian C order and aligned: the layout a copy can take as is. */
function fastView(body: Uint8Array, h: NpyHeader, count: number): ArrayLike<number> | undefined {
  if (h.fortranOrder && h.shape.length > 1) return undefined;
  if (!h.littleEndian && h.itemSize > 1) return undefined;
  if (body.byteOffset % h.itemSize !== 0) return undefined;
  switch (h.dtype) {
    case 'uint8':
    case 'bool':
      return body.subarray(0, count);
    case 'float32':
      return new Float32Array(body.buffer, body.byteOffset, count);
    case 'float64':
      return new Float64Array(body.buffer, body.byteOffset, count);
    default:
      return undefined;
  }
}

/** A C-order array to store as .npy: `data` holds prod(shape) numbers. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Encodes an array as a .npy file, byte for byte as numpy 2 writes it (format 1.0, little endian, C order). */
export function encodeNpy(a: NpyArray): Uint8Array {
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (a.data.length !== n)
    throw new RangeError(`encodeNpy: shape (${a.shape.join(',')}) needs ${n} values, got ${a.data.length}`);
  if (a.shape.length === 0) throw new RangeError('encodeNpy: 0-d arrays are not supported');
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy leaves room for the first axis to grow to 21 digits, then pads to a multiple of 64 bytes
  dict += ' '.repeat(21 - String(a.shape[0]).length);
  dict += `${' '.repeat(64 - ((10 + dict.length + 1) % 64))}\n`;
  const header = new Uint8Array(10 + dict.length);
  header.set([...MAGIC, 1, 0]);
  new DataView(header.buffer).setUint16(8, dict.length, true);
  header.set(new TextEncoder().encode(dict), 10);
  const body = encodeValues(a.dtype, a.data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

function encodeValues(dtype: NpyDtype, data: ArrayLike<number>): Uint8Array {
  const typed = (() => {
    switch (dtype) {
      case 'uint8':
      case 'bool':
        return Uint8Array.from(data);
      case 'int8':
        return Int8Array.from(data);
      case 'uint16':
        return Uint16Array.from(data);
      case 'int16':
        return Int16Array.from(data);
      case 'uint32':
        return Uint32Array.from(data);
      case 'int32':
        return Int32Array.from(data);
      case 'int64':
        return BigInt64Array.from(Array.from(data, (v) => BigInt(Math.trunc(v))));
      case 'float32':
        return Float32Array.from(data);
      case 'float64':
        return Float64Array.from(data);
    }
  })();
  // numpy's '<' descriptors are little endian, which is every platform Node runs on
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
