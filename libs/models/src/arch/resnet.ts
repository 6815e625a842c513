import * as tf from '@tensorflow/tfjs';
import type { GraphBuilder, StagePlan } from './graph.js';

/** Keras `applications.ResNet50` (v1: stride on the first 1×1 conv, convs with bias, BN epsilon 1.001e-5). */
export const RESNET50_BLOCKS = [3, 4, 6, 3] as const;
const BN_EPSILON = 1.001e-5;

function convBn(
  g: GraphBuilder,
  x: tf.SymbolicTensor,
  filters: number,
  kernel: number,
  strides: number,
  padding: 'valid' | 'same',
  name: string,
): tf.SymbolicTensor {
  x = g.apply(
    tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides,
      padding,
      kernelInitializer: g.kernelInitializer,
      name: `${name}_conv`,
    }),
    x,
  );
  return g.apply(tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name: `${name}_bn` }), x);
}

/** Keras `block1`: bottleneck residual block, projection shortcut on the first block of a stack. */
function bottleneck(
  g: GraphBuilder,
  x: tf.SymbolicTensor,
  filters: number,
  stride: number,
  projection: boolean,
  name: string,
): tf.SymbolicTensor {
  const f = g.channels(filters);
  const shortcut = projection ? convBn(g, x, 4 * f, 1, stride, 'valid', `${name}_0`) : x;
  let y = convBn(g, x, f, 1, stride, 'valid', `${name}_1`);
  y = g.apply(tf.layers.activation({ activation: 'relu', name: `${name}_1_relu` }), y);
  y = convBn(g, y, f, 3, 1, 'same', `${name}_2`);
  y = g.apply(tf.layers.activation({ activation: 'relu', name: `${name}_2_relu` }), y);
  y = convBn(g, y, 4 * f, 1, 1, 'valid', `${name}_3`);
  y = g.apply(tf.layers.add({ name: `${name}_add` }), [shortcut, y]);
  return g.apply(tf.layers.activation({ activation: 'relu', name: `${name}_out` }), y);
}

/** Stages conv1, block1..block4 (the paper's names) = Keras conv1, conv2..conv5 stacks. */
export function resnet50Plan(blocks: readonly number[] = RESNET50_BLOCKS): StagePlan[] {
  const conv1: StagePlan = {
    name: 'conv1',
    build(x, g) {
      x = g.apply(
        tf.layers.zeroPadding2d({
          padding: [
            [3, 3],
            [3, 3],
          ],
          name: 'conv1_pad',
        }),
        x,
      );
      x = convBn(g, x, g.channels(64), 7, 2, 'valid', 'conv1');
      return g.apply(tf.layers.activation({ activation: 'relu', name: 'conv1_relu' }), x);
    },
  };
  const stacks = [64, 128, 256, 512].map((filters, i): StagePlan => {
    const keras = `conv${i + 2}`;
    return {
      name: `block${i + 1}`,
      build(x, g) {
        if (i === 0) {
          x = g.apply(
            tf.layers.zeroPadding2d({
              padding: [
                [1, 1],
                [1, 1],
              ],
              name: 'pool1_pad',
            }),
            x,
          );
          x = g.apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
        }
        const n = blocks[i] ?? RESNET50_BLOCKS[i]!;
        for (let b = 1; b <= n; b++) {
          x = bottleneck(g, x, filters, b === 1 && i > 0 ? 2 : 1, b === 1, `${keras}_block${b}`);
        }
        return x;
      },
    };
  });
  return [conv1, ...stacks];
}
