import * as tf from '@tensorflow/tfjs';
import { batchNormalizationNoScale } from './batch-norm-no-scale.js';
import type { GraphBuilder, StagePlan } from './graph.js';

/**
 * Keras `applications.InceptionV3`. Keras leaves most layers unnamed, so they carry automatic names
 * (conv2d, conv2d_1, ..., batch_normalization_k, activation_k) in creation order; we create them in the
 * same order so converted Keras weights match by name. Convs have no bias; batch norm has no scale (gamma).
 */
type Pad = 'valid' | 'same';

function convBn(
  g: GraphBuilder,
  x: tf.SymbolicTensor,
  filters: number,
  rows: number,
  cols: number,
  padding: Pad = 'same',
  strides = 1,
): tf.SymbolicTensor {
  x = g.apply(
    tf.layers.conv2d({
      filters: g.channels(filters),
      kernelSize: [rows, cols],
      strides,
      padding,
      useBias: false,
      kernelInitializer: g.kernelInitializer,
      name: g.autoName('conv2d'),
    }),
    x,
  );
  x = g.apply(batchNormalizationNoScale({ axis: 3, name: g.autoName('batch_normalization') }), x);
  return g.apply(tf.layers.activation({ activation: 'relu', name: g.autoName('activation') }), x);
}

function avgPool(g: GraphBuilder, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return g.apply(
    tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: g.autoName('average_pooling2d') }),
    x,
  );
}

function maxPool(g: GraphBuilder, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return g.apply(
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: g.autoName('max_pooling2d') }),
    x,
  );
}

function concat(g: GraphBuilder, xs: tf.SymbolicTensor[], name?: string): tf.SymbolicTensor {
  return g.apply(tf.layers.concatenate({ axis: 3, name: name ?? g.autoName('concatenate') }), xs);
}

/** mixed0..mixed2: 35×35 blocks; `poolFilters` is 32 for mixed0, 64 after. */
function block35(g: GraphBuilder, x: tf.SymbolicTensor, poolFilters: number, name: string): tf.SymbolicTensor {
  const b1 = convBn(g, x, 64, 1, 1);
  let b5 = convBn(g, x, 48, 1, 1);
  b5 = convBn(g, b5, 64, 5, 5);
  let b3 = convBn(g, x, 64, 1, 1);
  b3 = convBn(g, b3, 96, 3, 3);
  b3 = convBn(g, b3, 96, 3, 3);
  const bp = convBn(g, avgPool(g, x), poolFilters, 1, 1);
  return concat(g, [b1, b5, b3, bp], name);
}

/** mixed4..mixed7: 17×17 blocks with factorised 7×7 convs of `c` channels. */
function block17(g: GraphBuilder, x: tf.SymbolicTensor, c: number, name: string): tf.SymbolicTensor {
  const b1 = convBn(g, x, 192, 1, 1);
  let b7 = convBn(g, x, c, 1, 1);
  b7 = convBn(g, b7, c, 1, 7);
  b7 = convBn(g, b7, 192, 7, 1);
  let bd = convBn(g, x, c, 1, 1);
  bd = convBn(g, bd, c, 7, 1);
  bd = convBn(g, bd, c, 1, 7);
  bd = convBn(g, bd, c, 7, 1);
  bd = convBn(g, bd, 192, 1, 7);
  const bp = convBn(g, avgPool(g, x), 192, 1, 1);
  return concat(g, [b1, b7, bd, bp], name);
}

/** mixed9, mixed10: 8×8 blocks; `i` numbers the inner concatenation mixed9_<i>. */
function block8(g: GraphBuilder, x: tf.SymbolicTensor, i: number): tf.SymbolicTensor {
  const b1 = convBn(g, x, 320, 1, 1);
  const b3 = convBn(g, x, 384, 1, 1);
  const b3a = convBn(g, b3, 384, 1, 3);
  const b3b = convBn(g, b3, 384, 3, 1);
  const b3cat = concat(g, [b3a, b3b], `mixed9_${i}`);
  let bd = convBn(g, x, 448, 1, 1);
  bd = convBn(g, bd, 384, 3, 3);
  const bda = convBn(g, bd, 384, 1, 3);
  const bdb = convBn(g, bd, 384, 3, 1);
  const bdcat = concat(g, [bda, bdb]);
  const bp = convBn(g, avgPool(g, x), 192, 1, 1);
  return concat(g, [b1, b3cat, bdcat, bp], `mixed${9 + i}`);
}

/** Smallest input side Keras accepts for InceptionV3 (the 'valid' reductions need it). */
export const INCEPTION_MIN_SIZE = 75;

/** Stages: conv1 (first conv), stem (rest of the stem), mixed0..mixed10. */
export function inceptionV3Plan(): StagePlan[] {
  const stage = (name: string, build: StagePlan['build']): StagePlan => ({ name, build });
  return [
    stage('conv1', (x, g) => convBn(g, x, 32, 3, 3, 'valid', 2)),
    stage('stem', (x, g) => {
      x = convBn(g, x, 32, 3, 3, 'valid');
      x = convBn(g, x, 64, 3, 3);
      x = maxPool(g, x);
      x = convBn(g, x, 80, 1, 1, 'valid');
      x = convBn(g, x, 192, 3, 3, 'valid');
      return maxPool(g, x);
    }),
    stage('mixed0', (x, g) => block35(g, x, 32, 'mixed0')),
    stage('mixed1', (x, g) => block35(g, x, 64, 'mixed1')),
    stage('mixed2', (x, g) => block35(g, x, 64, 'mixed2')),
    stage('mixed3', (x, g) => {
      const b3 = convBn(g, x, 384, 3, 3, 'valid', 2);
      let bd = convBn(g, x, 64, 1, 1);
      bd = convBn(g, bd, 96, 3, 3);
      bd = convBn(g, bd, 96, 3, 3, 'valid', 2);
      const bp = maxPool(g, x);
      return concat(g, [b3, bd, bp], 'mixed3');
    }),
    stage('mixed4', (x, g) => block17(g, x, 128, 'mixed4')),
    stage('mixed5', (x, g) => block17(g, x, 160, 'mixed5')),
    stage('mixed6', (x, g) => block17(g, x, 160, 'mixed6')),
    stage('mixed7', (x, g) => block17(g, x, 192, 'mixed7')),
    stage('mixed8', (x, g) => {
      let b3 = convBn(g, x, 192, 1, 1);
      b3 = convBn(g, b3, 320, 3, 3, 'valid', 2);
      let b7 = convBn(g, x, 192, 1, 1);
      b7 = convBn(g, b7, 192, 1, 7);
      b7 = convBn(g, b7, 192, 7, 1);
      b7 = convBn(g, b7, 192, 3, 3, 'valid', 2);
      const bp = maxPool(g, x);
      return concat(g, [b3, b7, bp], 'mixed8');
    }),
    stage('mixed9', (x, g) => block8(g, x, 0)),
    stage('mixed10', (x, g) => block8(g, x, 1)),
  ];
}
