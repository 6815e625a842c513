import { DataError } from './errors.js';

export type NpyDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool';

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Bytes of one element. */
  itemSize: number;
  /** Bytes of the header (magic + version + length + dict). */
  headerBytes: number;
}

const DESCRS: Record<string, { dtype: NpyDtype; size: number }> = {
  '|u1': { dtype: 'uint8', size: 1 }, '<u1': { dtype: 'uint8', size: 1 }, '|i1': { dtype: 'int8', size: 1 },
  '|b1': { dtype: 'bool', size: 1 }, '<u2': { dtype: 'uint16', size: 2 }, '<i2': { dtype: 'int16', size: 2 },
  '<i4': { dtype: 'int32', size: 4 }, '<i8': { dtype: 'int64', size: 8 }, '<f4': { dtype: 'float32', size: 4 }, '<f8': { dtype: 'float64', size: 8 },
};

/**
 * Parses a .npy header (format versions 1–3) from the first bytes of the array. Returns undefined if
 * more bytes are needed. Only little-endian C-order numeric arrays are accepted.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader | undefined {
  const bad = (m: string): DataError => new DataError('DATA_BAD_NPZ', `${source}: ${m}`, { file: source });
  if (bytes.length < 10) return undefined;
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => bytes[i] === b)) throw bad('not a .npy array (bad magic)');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number;
  let start: number;
  if (major === 1) {
    len = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return undefined;
    len = dv.getUint32(8, true);
    start = 12;
  } else throw bad(`.npy format version ${major} not supported`);
  if (bytes.length < start + len) return undefined;
  const dict = new TextDecoder().decode(bytes.subarray(start, start + len));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`malformed .npy header ${JSON.stringify(dict.trim())}`);
  const d = DESCRS[descr];
  if (!d) throw bad(`dtype ${descr} not supported (expected little-endian uint8/int/float)`);
  if (fortran === 'True') throw bad('Fortran-order arrays are not supported (expected C order)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw bad(`bad shape (${shapeText})`);
  return { dtype: d.dtype, shape, itemSize: d.size, headerBytes: start + len };
}

/** Reads element i of a little-endian numeric buffer as a JS number. */
export function readNpyNumber(bytes: Uint8Array, dtype: NpyDtype, i: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'uint8': case 'bool': return bytes[i]!;
    case 'int8': return dv.getInt8(i);
    case 'uint16': return dv.getUint16(i * 2, true);
    case 'int16': return dv.getInt16(i * 2, true);
    case 'int32': return dv.getInt32(i * 4, true);
    case 'int64': return Number(dv.getBigInt64(i * 8, true));
    case 'float32': return dv.getFloat32(i * 4, true);
    case 'float64': return dv.getFloat64(i * 8, true);
  }
}
