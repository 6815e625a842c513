import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeNpy, encodeNpy, matrix, NpyError, readActivations, readNpy, writeNpy } from '../src/index.js';

/** Builds a .npy file by hand (as numpy would write it) for layouts encodeNpy does not produce. */
function npyBytes(descr: string, shape: number[], fortran: boolean, body: Uint8Array, version = 1): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const pre = version === 1 ? 10 : 12;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  header = `${header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1, ' ')}\n`;
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(body, pre + header.length);
  return out;
}

function body(values: number[], width: 4 | 8, little: boolean): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => (width === 4 ? dv.setFloat32(i * 4, v, little) : dv.setFloat64(i * 8, v, little)));
  return out;
}

// The 2 × 3 matrix [[1, 2, 3], [4, 5, 6]] in C order and in Fortran order.
const C_ORDER = [1, 2, 3, 4, 5, 6];
const F_ORDER = [1, 4, 2, 5, 3, 6];

function errorOf(f: () => unknown): NpyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NpyError);
    return e as NpyError;
  }
  throw new Error('expected an error');
}

describe('.npy reader', () => {
  test.each([
    ['<f8', 8, true, false],
    ['<f4', 4, true, false],
    ['>f8', 8, false, false],
    ['>f4', 4, false, false],
    ['<f8', 8, true, true],
    ['>f4', 4, false, true],
  ] as const)('%s fortran=%s', (descr, width, little, fortran) => {
    const m = decodeNpy(npyBytes(descr, [2, 3], fortran, body(fortran ? F_ORDER : C_ORDER, width, little)));
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(m.data).toBeInstanceOf(width === 4 ? Float32Array : Float64Array);
    expect(Array.from(m.data)).toEqual(C_ORDER);
    expect(m.data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  test('format version 2 headers', () => {
    expect(Array.from(decodeNpy(npyBytes('<f8', [2, 3], false, body(C_ORDER, 8, true), 2)).data)).toEqual(C_ORDER);
  });

  test('round-trips through encodeNpy / writeNpy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cca-npy-'));
    try {
      const m = matrix(3, 2, Float32Array.from([0.5, -1, 2, 3.25, 1e-3, 7]));
      await writeNpy(join(dir, 'a.npy'), m);
      const back = await readNpy(join(dir, 'a.npy'));
      expect(Array.from(back.data)).toEqual(Array.from(m.data));
      expect(back.data).toBeInstanceOf(Float32Array);
      expect(decodeNpy(encodeNpy(matrix(1, 1, Float64Array.from([Math.PI])))).data[0]).toBe(Math.PI);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('clear errors for unsupported or damaged files', () => {
    const ok = npyBytes('<f8', [2, 3], false, body(C_ORDER, 8, true));
    expect(errorOf(() => decodeNpy(new TextEncoder().encode('{"shape":[2,3]}'), 'acts.json')).message).toMatch(
      /^acts\.json: not a \.npy file/,
    );
    expect(errorOf(() => decodeNpy(npyBytes('<i4', [2, 3], false, new Uint8Array(24)), 'i.npy')).message).toMatch(
      /dtype '<i4' is not supported; expected float32/,
    );
    expect(errorOf(() => decodeNpy(npyBytes('<f4', [2, 3, 4], false, new Uint8Array(96)), 'c.npy')).message).toMatch(
      /shape \(2, 3, 4\); expected 2-D/,
    );
    expect(errorOf(() => decodeNpy(npyBytes('<f4', [6], false, new Uint8Array(24)))).code).toBe('NPY_UNSUPPORTED');
    expect(errorOf(() => decodeNpy(ok.subarray(0, ok.length - 1), 't.npy')).message).toMatch(
      /^t\.npy: data is truncated/,
    );
    expect(errorOf(() => decodeNpy(ok.subarray(0, 40))).code).toBe('NPY_TRUNCATED');
    const v9 = Uint8Array.from(ok);
    v9[6] = 9;
    expect(errorOf(() => decodeNpy(v9)).message).toMatch(/format version 9\.0 is not supported/);
  });
});

describe('readActivations', () => {
  const dirP = mkdtemp(join(tmpdir(), 'cca-acts-'));
  afterAll(async () => rm(await dirP, { recursive: true }));

  test('recognises .npy by content and rejects other files by name', async () => {
    const dir = await dirP;
    await writeNpy(join(dir, 'weird-name.bin'), matrix(2, 2, Float64Array.from([1, 2, 3, 4])));
    expect(Array.from((await readActivations(join(dir, 'weird-name.bin'))).data)).toEqual([1, 2, 3, 4]);
    await writeFile(join(dir, 'x.csv'), '1,2\n3,4\n');
    await expect(readActivations(join(dir, 'x.csv'))).rejects.toThrow(
      /x\.csv: neither a \.npy file nor an Arrow IPC file/,
    );
    await expect(readActivations(join(dir, 'missing.npy'))).rejects.toThrow(/missing\.npy: cannot open/);
  });
});
