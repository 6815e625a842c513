// Activation matrices as .npy files, through the project's one .npy reader (@transfusion/arrow-io/npy).
import { readFile, writeFile } from 'node:fs/promises';
import { copyNpyValues, encodeNpy as encodeNpyArray, NpyError, parseNpyHeader } from '@transfusion/arrow-io/npy';
import { matrix, type Matrix } from './matrix.js';

/**
 * Decodes a .npy file holding a 2-D float32/float64 array (C or Fortran order, either byte order) into a
 * row-major Matrix of the same precision. The values land in shared memory so worker threads read them in place.
 */
export function decodeNpy(bytes: Uint8Array, file = '<bytes>'): Matrix {
  const header = parseNpyHeader(bytes, file);
  if (header === undefined) throw new NpyError('NPY_TRUNCATED', file, 'file ends inside the header');
  if (header.dtype !== 'float32' && header.dtype !== 'float64') {
    throw new NpyError(
      'NPY_UNSUPPORTED',
      file,
      `dtype '${header.descr}' is not supported; expected float32 ('<f4'/'>f4') or float64 ('<f8'/'>f8')`,
    );
  }
  if (header.shape.length !== 2) {
    throw new NpyError(
      'NPY_UNSUPPORTED',
      file,
      `array has shape (${header.shape.join(', ')}); expected 2-D (datapoints × neurons) — reshape conv activations to (N·H·W, C) or pool them first`,
    );
  }
  const [rows, cols] = header.shape as [number, number];
  const sab = new SharedArrayBuffer(rows * cols * header.itemSize);
  const out = header.dtype === 'float32' ? new Float32Array(sab) : new Float64Array(sab);
  copyNpyValues(bytes, header, out, file);
  return matrix(rows, cols, out);
}

export async function readNpy(path: string): Promise<Matrix> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new NpyError('NPY_IO', path, `cannot read: ${(e as Error).message}`);
  }
  return decodeNpy(bytes, path);
}

/** Encodes a row-major matrix as a version 1.0 little-endian C-order .npy file. */
export function encodeNpy(m: Matrix): Uint8Array {
  return encodeNpyArray({
    dtype: m.data instanceof Float32Array ? 'float32' : 'float64',
    shape: [m.rows, m.cols],
    data: m.data,
  });
}

export async function writeNpy(path: string, m: Matrix): Promise<void> {
  await writeFile(path, encodeNpy(m));
}
