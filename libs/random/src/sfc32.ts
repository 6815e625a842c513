/**
 * Seeded random numbers. Each weight tensor draws from its own stream derived from (seed, weight name), so a
 * tensor's random values do not depend on which other tensors were drawn before it: weight transfusion with
 * seed s equals random init with seed s outside the transferred prefix.
 */
export interface StreamRng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/** FNV-1a 32-bit hash of a string, mixed with a seed. */
function hash32(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Fold in the high part of seeds above 2^32 as well.
  h ^= Math.floor(seed / 4294967296) >>> 0;
  return Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
}

/** sfc32: small, fast, passes PractRand to 2^40+ bytes; plenty for weight initialisation. */
export function createStreamRng(seed: number, stream = ''): StreamRng {
  let a = hash32(seed, `a:${stream}`);
  let b = hash32(seed, `b:${stream}`);
  let c = hash32(seed, `c:${stream}`);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up away from the seeded state
  let spare: number | undefined;
  return {
    uniform: next,
    normal(): number {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // Box-Muller; 1 - u keeps the log argument in (0, 1].
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
