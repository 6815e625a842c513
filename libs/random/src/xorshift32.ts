/**
 * xorshift32 (shifts 13, 17, 5), the generator of the project's similarity fixtures: seed 0 is replaced by
 * 0x9E3779B9; `next()` returns u in [0, 1) as x / 2³². Deterministic across platforms.
 */
export class XorShift32 {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 === 0 ? 0x9e3779b9 : seed >>> 0;
  }
  nextUint32(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

/**
 * k indices out of 0..m−1, uniformly without replacement and in increasing order (Knuth's selection sampling),
 * in O(m) time and O(k) memory. The same (k, m, seed) always gives the same indices, which is what keeps two
 * layers' subsampled spatial positions aligned.
 */
export function sampleSorted(k: number, m: number, seed: number): Int32Array {
  const out = new Int32Array(Math.min(k, m));
  const rng = new XorShift32(seed);
  let chosen = 0;
  for (let i = 0; i < m && chosen < out.length; i++) {
    if ((m - i) * rng.next() < out.length - chosen) out[chosen++] = i;
  }
  return out;
}
