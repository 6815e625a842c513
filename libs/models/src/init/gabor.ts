import { ModelsError } from '../errors.js';
import { parseOptions } from '../options.js';
import {
  moments,
  weightSpecs,
  weightTensor,
  type WeightMap,
  type WeightSource,
  type WeightTensor,
} from '../weights.js';
import type { ZooModel } from '../zoo.js';
import { matchSource, unusedNames } from './match.js';
import { kernelVariance, randomWeight } from './random.js';
import type { InitResult } from './transfer.js';
import {
  gaborFilterOptionsSchema,
  gaborInitOptionsSchema,
  type GaborFilterOptions,
  type GaborInitOptions,
} from './options.js';

export interface GaborParams {
  theta: number;
  frequency: number;
  phase: number;
  sigma: number;
}

/** The (θ, f, ψ) grid, one entry per output channel (cycling if the grid is smaller). */
export function gaborGrid(kernelSide: number, filters: number, options: GaborFilterOptions = {}): GaborParams[] {
  const o = parseOptions(gaborFilterOptionsSchema, options, 'gaborGrid');
  const nf = Math.min(filters, filters >= 32 ? 4 : 2);
  const fmin = Math.min(0.4, Math.max(1 / kernelSide, 0.1));
  const freqs =
    o.frequencies ??
    (nf === 1 ? [Math.sqrt(fmin * 0.4)] : Array.from({ length: nf }, (_, i) => fmin * (0.4 / fmin) ** (i / (nf - 1))));
  const nTheta = o.orientations ?? Math.max(1, Math.ceil(filters / (freqs.length * o.phases.length)));
  const grid: GaborParams[] = [];
  for (let t = 0; t < nTheta; t++) {
    for (const frequency of freqs) {
      for (const phase of o.phases) {
        grid.push({
          theta: (t * Math.PI) / nTheta,
          frequency,
          phase,
          sigma: o.sigma ?? Math.min(0.56 / frequency, kernelSide / 3),
        });
      }
    }
  }
  return Array.from({ length: filters }, (_, j) => grid[j % grid.length]!);
}

/**
 * A conv kernel [kh, kw, in, out] of Gabor filters: each output channel one (θ, f, ψ) of the grid, the same
 * pattern on every input channel, each filter standardised (zero mean, unit variance), then the whole
 * kernel scaled to exactly the target mean and variance.
 */
export function gaborKernel(shape: number[], options: GaborFilterOptions = {}): WeightTensor {
  const o = parseOptions(gaborFilterOptionsSchema, options, 'gaborKernel');
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModelsError(
      'BAD_OPTIONS',
      `gaborKernel: shape must be [height, width, inChannels, outChannels], got [${shape.join(', ')}]`,
    );
  }
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  if (kh * kw < 4)
    throw new ModelsError('BAD_OPTIONS', `gaborKernel: a ${kh}×${kw} kernel is too small for Gabor filters`);
  const target = o.target ?? { mean: 0, variance: kernelVariance(shape, 'keras') };
  const grid = gaborGrid(Math.max(kh, kw), cout, o);
  const out = weightTensor(shape);
  const plane = new Float64Array(kh * kw);
  const scale = Math.sqrt(target.variance);
  grid.forEach((p, j) => {
    const cy = (kh - 1) / 2;
    const cx = (kw - 1) / 2;
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const x = c - cx;
        const y = r - cy;
        const xr = x * Math.cos(p.theta) + y * Math.sin(p.theta);
        const yr = -x * Math.sin(p.theta) + y * Math.cos(p.theta);
        plane[r * kw + c] =
          Math.exp(-(xr * xr + o.aspect * o.aspect * yr * yr) / (2 * p.sigma * p.sigma)) *
          Math.cos(2 * Math.PI * p.frequency * xr + p.phase);
      }
    }
    const { mean, variance } = moments(plane);
    const std = Math.sqrt(variance);
    for (let i = 0; i < plane.length; i++) {
      const v = std > 1e-12 ? ((plane[i]! - mean) / std) * scale + target.mean : target.mean;
      for (let ch = 0; ch < cin; ch++) out.data[(i * cin + ch) * cout + j] = v;
    }
  });
  return out;
}

/**
 * Synthetic Gabor conv1 (paper Fig. 8): the model's first conv kernel is a Gabor bank scaled to the target
 * statistics (by default those of the source's first conv when a source is given), everything else random.
 */
export function gaborInit(zm: ZooModel, options: GaborInitOptions, source?: WeightSource): InitResult {
  const o = parseOptions(gaborInitOptionsSchema, options, 'gaborInit');
  const specs = weightSpecs(zm);
  const first = specs.find((s) => s.kind === 'kernel' && s.shape.length === 4);
  if (!first) throw new ModelsError('BAD_OPTIONS', `gaborInit: ${zm.spec.name} has no conv kernel`);
  let target = o.target;
  const warnings: string[] = [];
  let unused: string[] = [];
  if (!target && source) {
    const match = matchSource(zm, source, specs);
    const src = match.byName.get(first.name);
    if (!src)
      throw new ModelsError(
        'WEIGHTS_MISMATCH',
        `${source.origin}: no weight '${first.name}' to take the Gabor target statistics from`,
      );
    const m = moments(src.data);
    target = { mean: m.mean, variance: m.variance };
    warnings.push(...match.warnings);
    unused = unusedNames(match, [first.name]);
  }
  const { seed, scheme, ...filterOptions } = o;
  const weights: WeightMap = {};
  const random: string[] = [];
  for (const s of specs) {
    if (s === first) continue;
    weights[s.name] = randomWeight(s, seed, scheme);
    random.push(s.name);
  }
  weights[first.name] = gaborKernel(first.shape, { ...filterOptions, ...(target ? { target } : {}) });
  return {
    weights,
    report: {
      origin: source?.origin ?? 'synthetic',
      loaded: [],
      random,
      adapted: [],
      mismatches: [],
      unused,
      renamed: 0,
      warnings,
      synthetic: [first.name],
    },
  };
}
