// Seeded inputs and the error measure for the kernel tests of libs/native (against loop definitions) and
// libs/train (against the cpu backend). One helper for both libs' tests; not a project, only test support.
import { mulberry32 } from '@transfusion/random';

/** n values uniform in [-1, 1) from mulberry32(seed). */
export function randomArray(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
}

/** randomArray with as many values as a tensor of `shape` holds. */
export function randomOfShape(shape: readonly number[], seed: number): Float32Array {
  return randomArray(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
}

/** Max-norm relative error: max |a - b| / max |b| (max |a - b| where b is all zeros). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relError: length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}
