import type { Split } from '../image-set.js';
import type { NpyDtype } from '../npy.js';
import { writeZip, type ZipWriteOptions } from './zip-writer.js';

/** A C-order array to store as .npy: `data` holds prod(shape) numbers. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

const DESCR: Record<NpyDtype, string> = {
  uint8: '|u1', int8: '|i1', bool: '|b1', uint16: '<u2', int16: '<i2', int32: '<i4', int64: '<i8', float32: '<f4', float64: '<f8',
};

/** Encodes an array as a .npy file, byte for byte as numpy 2 writes it (format 1.0). */
export function encodeNpy(a: NpyArray): Uint8Array {
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (a.data.length !== n) throw new RangeError(`encodeNpy: shape (${a.shape.join(',')}) needs ${n} values, got ${a.data.length}`);
  if (a.shape.length === 0) throw new RangeError('encodeNpy: 0-d arrays are not supported');
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy leaves room for the first axis to grow to 21 digits, then pads to a multiple of 64 bytes
  dict += ' '.repeat(21 - String(a.shape[0]).length);
  dict += ' '.repeat(64 - ((10 + dict.length + 1) % 64)) + '\n';
  const header = new Uint8Array(10 + dict.length);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(header.buffer).setUint16(8, dict.length, true);
  header.set(new TextEncoder().encode(dict), 10);
  const body = encodeValues(a.dtype, a.data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

function encodeValues(dtype: NpyDtype, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  const typed = (() => {
    switch (dtype) {
      case 'uint8': case 'bool': return Uint8Array.from(data);
      case 'int8': return Int8Array.from(data);
      case 'uint16': return Uint16Array.from(data);
      case 'int16': return Int16Array.from(data);
      case 'int32': return Int32Array.from(data);
      case 'int64': return BigInt64Array.from(Array.from({ length: n }, (_, i) => BigInt(Math.trunc(data[i]!))));
      case 'float32': return Float32Array.from(data);
      case 'float64': return Float64Array.from(data);
    }
  })();
  // numpy's '<' descriptors are little endian, which is every platform Node runs on
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Writes arrays as a NumPy .npz (`{key}.npy` members), stored or deflated. For tests. */
export async function writeNpz(file: string, arrays: Readonly<Record<string, NpyArray>>, options: ZipWriteOptions = {}): Promise<void> {
  await writeZip(file, Object.entries(arrays).map(([key, a]) => ({ name: `${key}.npy`, data: encodeNpy(a) })), options);
}

export interface MedmnistSplitArrays {
  /** N × size × size × channels uint8, HWC. */
  images: Uint8Array;
  /** One label per image (stored (N,1), as MedMNIST does) or one row of K labels per image (stored (N,K)). */
  labels: readonly number[] | readonly (readonly number[])[];
}

export interface MedmnistNpzOptions {
  /** Image side (MedMNIST images are square). */
  size: number;
  /** 1 → images stored (N,H,W) like MedMNIST's grey sets; 3 → (N,H,W,3). */
  channels: 1 | 3;
  splits: Partial<Record<Split, MedmnistSplitArrays>>;
  /** Deflate (np.savez_compressed, what MedMNIST ships) or store (np.savez). Default true. */
  compress?: boolean;
  /** Label dtype; default uint8 like MedMNIST, int32 when a label is negative or above 255, float64 when one is not an integer. */
  labelDtype?: NpyDtype;
}

/**
 * Writes a MedMNIST-format .npz: `{split}_images` uint8 and `{split}_labels` for each given split. Name the
 * file `{flag}.npz` or `{flag}_{size}.npz` so readers take the task from MedMNIST's table. For tests.
 */
export async function writeMedmnistNpz(file: string, o: MedmnistNpzOptions): Promise<void> {
  const arrays: Record<string, NpyArray> = {};
  const per = o.size * o.size * o.channels;
  for (const [split, s] of Object.entries(o.splits) as [Split, MedmnistSplitArrays][]) {
    const n = s.labels.length;
    if (s.images.length !== n * per) throw new RangeError(`writeMedmnistNpz: ${split}: ${n} labels need ${n * per} pixels (${o.size}×${o.size}×${o.channels} each), got ${s.images.length}`);
    arrays[`${split}_images`] = { dtype: 'uint8', shape: o.channels === 1 ? [n, o.size, o.size] : [n, o.size, o.size, 3], data: s.images };
    const rows = s.labels.map((l) => (typeof l === 'number' ? [l] : l));
    const k = rows[0]?.length ?? 1;
    const flat = rows.flat();
    arrays[`${split}_labels`] = { dtype: o.labelDtype ?? labelDtype(flat), shape: [n, k], data: flat };
  }
  await writeNpz(file, arrays, { compress: o.compress ?? true });
}

function labelDtype(values: readonly number[]): NpyDtype {
  if (values.some((v) => !Number.isInteger(v))) return 'float64';
  return values.some((v) => v < 0 || v > 255) ? 'int32' : 'uint8';
}
