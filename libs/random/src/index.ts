// Every seeded generator of the project. Each algorithm stays as its users' results were pinned with it
// (synthetic data, splits, weight init, shuffles, augmentation, bootstrap, CCA subsampling).
export { type Rng, createRng, mixSeed } from './xoshiro128.js';
export { mulberry32, mixSeedMurmur } from './mulberry32.js';
export { permutation } from './permutation.js';
export { XorShift32, sampleSorted } from './xorshift32.js';
export { type StreamRng, createStreamRng } from './sfc32.js';
export { noise32 } from './noise32.js';
