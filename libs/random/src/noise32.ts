/**
 * A fast 32-bit noise stream for filling benchmark images (one multiply a word): incompressible enough that
 * PNG and Arrow sizes are realistic, not meant for statistics. `next()` returns an unsigned 32-bit integer.
 */
export function noise32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s;
  };
}
