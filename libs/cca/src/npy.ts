import { readFile, writeFile } from 'node:fs/promises';
import { NpyError } from './errors.js';
import { matrix, type Matrix } from './matrix.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
}

/** Parses the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeader(text: string, file: string): NpyHeader {
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
      if (!Number.isInteger(v) || v < 0) throw new NpyError('NPY_BAD_HEADER', file, `bad shape entry "${s}" in ${text.trim()}`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Decodes a .npy file holding a 2-D float32/float64 array (C or Fortran order, either byte order) into a
 * row-major Matrix of the same precision. The values land in shared memory so worker threads read them in place.
 */
export function decodeNpy(bytes: Uint8Array, file = '<bytes>'): Matrix {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError('NPY_BAD_MAGIC', file, 'not a .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('NPY_TRUNCATED', file, 'file ends inside the header length');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new NpyError('NPY_UNSUPPORTED', file, `.npy format version ${major}.${bytes[7]} is not supported (expected 1, 2 or 3)`);
  }
  if (start + headerLen > bytes.length) throw new NpyError('NPY_TRUNCATED', file, 'file ends inside the header');
  const header = parseHeader(new TextDecoder().decode(bytes.subarray(start, start + headerLen)), file);
  const m = /^([<>|=])([fiucbOUSVMm])(\d+)$/.exec(header.descr);
  if (m === null || m[2] !== 'f' || (m[3] !== '4' && m[3] !== '8')) {
    throw new NpyError('NPY_UNSUPPORTED', file, `dtype '${header.descr}' is not supported; expected float32 ('<f4'/'>f4') or float64 ('<f8'/'>f8')`);
  }
  if (header.shape.length !== 2) {
    throw new NpyError(
      'NPY_UNSUPPORTED',
      file,
      `array has shape (${header.shape.join(', ')}); expected 2-D (datapoints × neurons) — reshape conv activations to (N·H·W, C) or pool them first`,
    );
  }
  const [rows, cols] = header.shape as [number, number];
  const width = Number(m[3]);
  const bigEndian = m[1] === '>';
  const body = start + headerLen;
  const count = rows * cols;
  if (bytes.length - body < count * width) {
    throw new NpyError('NPY_TRUNCATED', file, `data is truncated: ${bytes.length - body} bytes for ${rows} × ${cols} values of ${width} bytes`);
  }
  const sab = new SharedArrayBuffer(count * width);
  const out = width === 4 ? new Float32Array(sab) : new Float64Array(sab);
  const get = width === 4 ? (o: number) => view.getFloat32(o, !bigEndian) : (o: number) => view.getFloat64(o, !bigEndian);
  if (!header.fortran && !bigEndian && (bytes.byteOffset + body) % width === 0) {
    // Fast path: aligned little-endian C order is already the layout we want.
    const src = width === 4 ? new Float32Array(bytes.buffer, bytes.byteOffset + body, count) : new Float64Array(bytes.buffer, bytes.byteOffset + body, count);
    out.set(src);
  } else if (!header.fortran) {
    for (let i = 0; i < count; i++) out[i] = get(body + i * width);
  } else {
    // Fortran order stores column after column.
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < rows; i++) out[i * cols + j] = get(body + (j * rows + i) * width);
    }
  }
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
  const descr = m.data instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  // Pad so the data starts on a 64-byte boundary, as numpy does; the header ends with a newline.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + m.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const data = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  out.set(data, total);
  return out;
}

export async function writeNpy(path: string, m: Matrix): Promise<void> {
  await writeFile(path, encodeNpy(m));
}
