import { CcaError } from './errors.js';
import { matrix, type Matrix } from './matrix.js';
import { sampleSorted } from '@transfusion/random';
import { convOptionsSchema, type ConvOptions } from './conv-options.js';

// The options schema lives in conv-options.ts (zod only) for the light '@transfusion/cca/schemas' entry.
export { convOptionsSchema, type ConvOptions };

/** Activations of a conv layer: N images × H × W positions × C channels, in either layout. */
export interface ConvActivations {
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly [number, number, number, number];
  readonly layout: 'NHWC' | 'NCHW';
}

interface Dims {
  n: number;
  h: number;
  w: number;
  c: number;
}

function dims(a: ConvActivations, label: string): Dims {
  const [s0, s1, s2, s3] = a.shape;
  const d = a.layout === 'NHWC' ? { n: s0, h: s1, w: s2, c: s3 } : { n: s0, c: s1, h: s2, w: s3 };
  if (![d.n, d.h, d.w, d.c].every((v) => Number.isInteger(v) && v > 0)) {
    throw new CcaError(
      'CCA_SHAPE',
      `${label}: conv shape ${JSON.stringify(a.shape)} must be four positive integers (${a.layout})`,
    );
  }
  if (a.data.length !== d.n * d.h * d.w * d.c) {
    throw new CcaError('CCA_SHAPE', `${label}: ${a.data.length} values do not fill shape ${JSON.stringify(a.shape)}`);
  }
  return d;
}

/** Value of image i, row y, column x, channel c. */
function reader(a: ConvActivations, d: Dims): (i: number, y: number, x: number, c: number) => number {
  const v = a.data;
  return a.layout === 'NHWC'
    ? (i, y, x, c) => v[((i * d.h + y) * d.w + x) * d.c + c]!
    : (i, y, x, c) => v[((i * d.c + c) * d.h + y) * d.w + x]!;
}

/** Average-pools non-overlapping fh × fw blocks (area resize by an integer factor), returning NHWC float64. */
function areaPool(a: ConvActivations, d: Dims, fh: number, fw: number): ConvActivations {
  const h = d.h / fh;
  const w = d.w / fw;
  const at = reader(a, d);
  const out = new Float64Array(d.n * h * w * d.c);
  const inv = 1 / (fh * fw);
  for (let i = 0; i < d.n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((i * h + y) * w + x) * d.c;
        for (let c = 0; c < d.c; c++) {
          let s = 0;
          for (let dy = 0; dy < fh; dy++) for (let dx = 0; dx < fw; dx++) s += at(i, y * fh + dy, x * fw + dx, c);
          out[o + c] = s * inv;
        }
      }
    }
  }
  return { data: out, shape: [d.n, h, w, d.c], layout: 'NHWC' };
}

/** Conv activations as a (datapoints × channels) matrix; see {@link ConvOptions}. Never channels-as-datapoints. */
export function convToMatrix(a: ConvActivations, options?: ConvOptions, label = 'A'): Matrix {
  const o = parseConvOptions(options);
  const d = dims(a, label);
  const at = reader(a, d);
  if (o.mode === 'pool') {
    const out = new Float64Array(d.n * d.c);
    const inv = 1 / (d.h * d.w);
    for (let i = 0; i < d.n; i++) {
      for (let y = 0; y < d.h; y++)
        for (let x = 0; x < d.w; x++) for (let c = 0; c < d.c; c++) out[i * d.c + c]! += at(i, y, x, c);
      for (let c = 0; c < d.c; c++) out[i * d.c + c]! *= inv;
    }
    return matrix(d.n, d.c, out);
  }
  const total = d.n * d.h * d.w;
  const rows =
    o.maxDatapoints !== undefined && o.maxDatapoints < total ? sampleSorted(o.maxDatapoints, total, o.seed) : null;
  const count = rows?.length ?? total;
  const out = new Float64Array(count * d.c);
  const hw = d.h * d.w;
  for (let r = 0; r < count; r++) {
    const idx = rows === null ? r : rows[r]!;
    const i = Math.floor(idx / hw);
    const y = Math.floor((idx - i * hw) / d.w);
    const x = idx - i * hw - y * d.w;
    for (let c = 0; c < d.c; c++) out[r * d.c + c] = at(i, y, x, c);
  }
  return matrix(count, d.c, out);
}

function parseConvOptions(options: ConvOptions | undefined) {
  const r = convOptionsSchema.safeParse(options ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new CcaError('CCA_BAD_OPTIONS', `invalid conv option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** How a pair of conv layers was turned into matrices (record it next to the similarity values). */
export interface ConvPairInfo {
  readonly mode: 'flatten' | 'pool';
  /** Spatial size both layers were brought to before flattening ([1, 1] when pooled). */
  readonly spatial: readonly [number, number];
  readonly datapoints: number;
  readonly note?: string;
}

/**
 * Two conv layers of the same N images as aligned matrices. With equal spatial sizes, flattening keeps every
 * (image, position) pair aligned (the same subsample on both sides). With different sizes, the larger map is
 * area-pooled to the smaller one when the ratio is an integer; otherwise both are average-pooled over space.
 */
export function convPairToMatrices(
  a: ConvActivations,
  b: ConvActivations,
  options?: ConvOptions,
): { a: Matrix; b: Matrix; info: ConvPairInfo } {
  const o = parseConvOptions(options);
  const da = dims(a, 'A');
  const db = dims(b, 'B');
  if (da.n !== db.n) {
    throw new CcaError(
      'CCA_MISMATCHED_N',
      `A has ${da.n} images but B has ${db.n}; they must be the same images in the same order`,
    );
  }
  if (o.mode === 'pool') {
    return {
      a: convToMatrix(a, o, 'A'),
      b: convToMatrix(b, o, 'B'),
      info: { mode: 'pool', spatial: [1, 1], datapoints: da.n },
    };
  }
  let aa = a;
  let bb = b;
  let note: string | undefined;
  if (da.h !== db.h || da.w !== db.w) {
    const [big, small, bigIsA] = da.h * da.w >= db.h * db.w ? [da, db, true] : [db, da, false];
    if (big.h % small.h === 0 && big.w % small.w === 0) {
      const pooled = areaPool(bigIsA ? a : b, big, big.h / small.h, big.w / small.w);
      if (bigIsA) aa = pooled;
      else bb = pooled;
      note = `${bigIsA ? 'A' : 'B'} area-pooled from ${big.h}×${big.w} to ${small.h}×${small.w}`;
    } else {
      const pooled = { mode: 'pool' as const };
      return {
        a: convToMatrix(a, pooled, 'A'),
        b: convToMatrix(b, pooled, 'B'),
        info: {
          mode: 'pool',
          spatial: [1, 1],
          datapoints: da.n,
          note: `spatial sizes ${da.h}×${da.w} and ${db.h}×${db.w} are not integer multiples: both average-pooled`,
        },
      };
    }
  }
  const ma = convToMatrix(aa, o, 'A');
  const mb = convToMatrix(bb, o, 'B');
  const [h, w] = aa.layout === 'NHWC' ? [aa.shape[1], aa.shape[2]] : [aa.shape[2], aa.shape[3]];
  return {
    a: ma,
    b: mb,
    info: { mode: 'flatten', spatial: [h, w], datapoints: ma.rows, ...(note === undefined ? {} : { note }) },
  };
}
