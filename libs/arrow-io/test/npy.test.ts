import { describe, expect, it } from 'vitest';
import { copyNpyValues, encodeNpy, isNpy, parseNpyHeader } from '../src/npy.js';

/** A .npy file written by hand, for layouts encodeNpy does not produce (big endian, Fortran order). */
function npyBytes(descr: string, shape: number[], fortran: boolean, body: Uint8Array): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  dict = `${dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 11, ' ')}\n`;
  const out = new Uint8Array(10 + dict.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  out.set(body, 10 + dict.length);
  return out;
}

describe('.npy reader', () => {
  it('round-trips every dtype through encodeNpy', () => {
    for (const dtype of [
      'uint8',
      'int8',
      'bool',
      'uint16',
      'int16',
      'uint32',
      'int32',
      'int64',
      'float32',
      'float64',
    ] as const) {
      const data = dtype === 'bool' ? [0, 1, 1, 0, 1, 0] : [0, 1, 2, 3, 4, 5];
      const bytes = encodeNpy({ dtype, shape: [2, 3], data });
      const h = parseNpyHeader(bytes, 'a.npy')!;
      expect(h).toMatchObject({ dtype, shape: [2, 3], littleEndian: true, fortranOrder: false, headerBytes: 128 });
      const out = new Float64Array(6);
      copyNpyValues(bytes, h, out, 'a.npy');
      expect(Array.from(out)).toEqual(data);
    }
  });

  it('reads big-endian integers and a 3-D Fortran-order array into C order', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setInt32(0, -7, false);
    new DataView(be.buffer).setInt32(4, 300, false);
    const b = npyBytes('>i4', [2], false, be);
    const out = new Int32Array(2);
    copyNpyValues(b, parseNpyHeader(b, 'be.npy')!, out, 'be.npy');
    expect(Array.from(out)).toEqual([-7, 300]);
    // C order of shape (2, 3, 2) holds 0..11; Fortran order stores the first axis fastest.
    const fortran = [0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11];
    const f = npyBytes('|u1', [2, 3, 2], true, Uint8Array.from(fortran));
    const c = new Uint8Array(12);
    copyNpyValues(f, parseNpyHeader(f, 'f.npy')!, c, 'f.npy');
    expect(Array.from(c)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('asks for more bytes inside the header, so streamed members can be fed chunk by chunk', () => {
    const bytes = encodeNpy({ dtype: 'uint8', shape: [4], data: [1, 2, 3, 4] });
    expect(parseNpyHeader(bytes.subarray(0, 9), 's')).toBeUndefined();
    expect(parseNpyHeader(bytes.subarray(0, 60), 's')).toBeUndefined();
    expect(parseNpyHeader(bytes.subarray(0, 128), 's')?.headerBytes).toBe(128);
    expect(isNpy(bytes)).toBe(true);
  });

  it('names the file and what was expected', () => {
    expect(() => parseNpyHeader(new TextEncoder().encode('{"shape":[2,3]} padding'), 'acts.json')).toThrow(
      /^acts\.json: not a \.npy file/,
    );
    const c8 = npyBytes('<c8', [1], false, new Uint8Array(8));
    expect(() => parseNpyHeader(c8, 'c.npy')).toThrow(
      expect.objectContaining({ name: 'NpyError', code: 'NPY_UNSUPPORTED', file: 'c.npy' }),
    );
    expect(() => parseNpyHeader(c8, 'c.npy')).toThrow(/dtype '<c8' is not supported; expected bool/);
    const bytes = encodeNpy({ dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] });
    const short = bytes.subarray(0, bytes.length - 1);
    expect(() => copyNpyValues(short, parseNpyHeader(short, 't.npy')!, new Float32Array(4), 't.npy')).toThrow(
      /^t\.npy: data is truncated: 15 bytes for shape \(2, 2\) of 4-byte float32/,
    );
    const v9 = Uint8Array.from(bytes);
    v9[6] = 9;
    expect(() => parseNpyHeader(v9, 'v9.npy')).toThrow(expect.objectContaining({ code: 'NPY_UNSUPPORTED' }));
  });
});
