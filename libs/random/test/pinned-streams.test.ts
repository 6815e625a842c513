// Each generator's first draws, as computed by the copies this library replaced: seeded synthetic data,
// splits, weight init, shuffles, augmentation, bootstrap and CCA subsampling were pinned with these streams.
import { describe, expect, it } from 'vitest';
import {
  createRng,
  createStreamRng,
  mixSeed,
  mixSeedMurmur,
  mulberry32,
  noise32,
  permutation,
  sampleSorted,
  XorShift32,
} from '../src/index.js';

describe('pinned streams', () => {
  it('xoshiro128** (createRng) and its mixSeed', () => {
    const r = createRng(42);
    expect([r.next(), r.next(), r.next()]).toEqual([0.2436549838166684, 0.4714066218584776, 0.5168848352041095]);
    expect(mixSeed(1, 2, 3)).toBe(257032807);
  });

  it('mulberry32, mixSeedMurmur and permutation', () => {
    const r = mulberry32(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    expect(mixSeedMurmur(1, 2, 3)).toBe(1338127855);
    expect(Array.from(permutation(6, mulberry32(1)))).toEqual([4, 1, 5, 2, 0, 3]);
  });

  it('xorshift32 and sampleSorted', () => {
    const x = new XorShift32(42);
    expect([x.next(), x.next(), x.next()]).toEqual([0.002643892541527748, 0.660311977379024, 0.11095708678476512]);
    expect(Array.from(sampleSorted(4, 20, 7))).toEqual([0, 1, 6, 9]);
  });

  it('sfc32 streams keyed by name (createStreamRng)', () => {
    const s = createStreamRng(42, 'conv1/kernel');
    expect([s.uniform(), s.uniform(), s.normal()]).toEqual([
      0.6838206420652568, 0.7241442026570439, 0.11943496996992474,
    ]);
    expect(createStreamRng(42, 'conv2/kernel').uniform()).not.toBe(0.6838206420652568);
  });

  it('noise32 (benchmark images)', () => {
    const n = noise32(0x9e3779b9);
    expect([n(), n(), n()]).toEqual([3562183296, 4198465462, 3232226845]);
  });
});
