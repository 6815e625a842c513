import { type FileHandle, open } from 'node:fs/promises';
import { isNpy } from '@transfusion/arrow-io/npy';
import { ActivationFileError, NpyError } from './errors.js';
import { matrix, type Matrix } from './matrix.js';
import { readNpy } from './npy.js';

async function sniff(path: string): Promise<'npy' | 'arrow' | 'unknown'> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new NpyError('NPY_IO', path, `cannot open: ${(e as Error).message}`);
  }
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await fh.read(head, 0, 6, 0);
    const text = head.subarray(0, bytesRead);
    if (isNpy(text)) return 'npy';
    if (text.toString('latin1') === 'ARROW1') return 'arrow';
    return 'unknown';
  } finally {
    await fh.close();
  }
}

async function readArrowTensor(path: string): Promise<Matrix> {
  // Loaded on demand so .npy users never load apache-arrow.
  const arrow = await import('@transfusion/arrow-io');
  let t: Awaited<ReturnType<typeof arrow.readTensor>>;
  try {
    t = await arrow.readTensor(path);
  } catch (e) {
    if (e instanceof arrow.ArrowFileError)
      throw new ActivationFileError(path, `not a readable Arrow tensor file: ${e.message}`);
    throw e;
  }
  if (t.shape.length !== 2) {
    throw new ActivationFileError(
      path,
      `tensor has shape [${t.shape.join(', ')}]; expected 2-D (datapoints × neurons)`,
    );
  }
  const [rows, cols] = t.shape as [number, number];
  if (t.data instanceof Float32Array || t.data instanceof Float64Array) return matrix(rows, cols, t.data);
  // Integer activations (e.g. quantised) are exact in float64.
  return matrix(rows, cols, Float64Array.from(t.data));
}

/** Reads an N × d activation matrix from a .npy file or an Arrow tensor file, recognised by content. */
export async function readActivations(path: string): Promise<Matrix> {
  const kind = await sniff(path);
  if (kind === 'npy') return readNpy(path);
  if (kind === 'arrow') return readArrowTensor(path);
  throw new NpyError(
    'NPY_BAD_MAGIC',
    path,
    'neither a .npy file nor an Arrow IPC file (expected \\x93NUMPY or ARROW1 magic)',
  );
}
