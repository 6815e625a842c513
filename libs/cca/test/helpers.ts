import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matrix, type Matrix } from '../src/index.js';
import { XorShift32 } from '@transfusion/random';

/**
 * google/svcca's tutorial activations with reference values (copied from the project's shared research folder
 * so the tests run on a fresh clone; Apache-2.0, see the README there).
 */
export const ACTS_DIR = fileURLToPath(new URL('./data/svcca_tutorial_acts/', import.meta.url));

/** Reads the fixtures' JSON-header binary: one JSON line {"shape","dtype","order"}, then little-endian data. */
export function readJhb(path: string): Matrix {
  const bytes = readFileSync(path);
  const nl = bytes.indexOf(10);
  const header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as { shape: [number, number]; dtype: string };
  const body = bytes.subarray(nl + 1);
  const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
  const data = header.dtype === 'float32' ? new Float32Array(copy) : new Float64Array(copy);
  return matrix(header.shape[0], header.shape[1], data);
}

/** U(seed; r×c): row-major u − 0.5 from xorshift32 (research note §9.1). */
export function uniform(seed: number, rows: number, cols: number): Matrix {
  const rng = new XorShift32(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() - 0.5;
  return matrix(rows, cols, data);
}

/** I(seed; r×c): row-major integers floor(u·5) − 2 in −2..2. */
export function integers(seed: number, rows: number, cols: number): Matrix {
  const rng = new XorShift32(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.next() * 5) - 2;
  return matrix(rows, cols, data);
}

export function matMul(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k]!;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j]! += v * b.data[k * b.cols + j]!;
    }
  }
  return matrix(a.rows, b.cols, out);
}

export function add(a: Matrix, b: Matrix): Matrix {
  return matrix(
    a.rows,
    a.cols,
    Float64Array.from(a.data, (v, i) => v + b.data[i]!),
  );
}

export function map(a: Matrix, f: (v: number, row: number, col: number) => number): Matrix {
  return matrix(
    a.rows,
    a.cols,
    Float64Array.from(a.data, (v, i) => f(v, Math.floor(i / a.cols), i % a.cols)),
  );
}

/** Columns of `a` in the given order (a column index may repeat; -1 gives a constant column of `constant`). */
export function columns(a: Matrix, idx: number[], constant = 0): Matrix {
  const out = new Float64Array(a.rows * idx.length);
  for (let i = 0; i < a.rows; i++) {
    idx.forEach((j, k) => {
      out[i * idx.length + k] = j < 0 ? constant : a.data[i * a.cols + j]!;
    });
  }
  return matrix(a.rows, idx.length, out);
}

export function hstack(a: Matrix, b: Matrix): Matrix {
  const c = a.cols + b.cols;
  const out = new Float64Array(a.rows * c);
  for (let i = 0; i < a.rows; i++) {
    out.set(a.data.subarray(i * a.cols, (i + 1) * a.cols), i * c);
    out.set(b.data.subarray(i * b.cols, (i + 1) * b.cols), i * c + a.cols);
  }
  return matrix(a.rows, c, out);
}

/** A random orthogonal d × d matrix (Gram–Schmidt of a seeded uniform matrix). */
export function orthogonal(seed: number, d: number): Matrix {
  const q = uniform(seed, d, d).data as Float64Array;
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[i * d + j]! * q[k * d + j]!;
      for (let j = 0; j < d; j++) q[i * d + j]! -= dot * q[k * d + j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += q[i * d + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) q[i * d + j]! /= norm;
  }
  return matrix(d, d, q);
}

/** Standard normal matrix via Box–Muller on xorshift32. */
export function gaussian(seed: number, rows: number, cols: number): Matrix {
  const rng = new XorShift32(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const u1 = 1 - rng.next();
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    data[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return matrix(rows, cols, data);
}
