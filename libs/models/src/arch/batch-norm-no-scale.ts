import * as tf from '@tensorflow/tfjs';

/**
 * Keras's `BatchNormalization(scale=False)` (InceptionV3): no γ weight, so parameter counts and weight names equal
 * Keras's. tfjs-layers 4.22 reads `this.gamma` unconditionally in its training branch (normalization.js:
 * `normalizeBatchInTraining(input, this.gamma.read(), ...)`) and crashes without it; after the layer is built we
 * give it a constant γ = 1 there. It is not a weight: not trained, not saved, not counted.
 */
export function batchNormalizationNoScale(args: { axis: number; name: string }): tf.layers.Layer {
  const layer = tf.layers.batchNormalization({ ...args, scale: false });
  // The fields below are internal to tfjs-layers' BatchNormalization; typed loosely on purpose.
  const internal = layer as unknown as {
    build(shape: tf.Shape | tf.Shape[]): void;
    gamma?: { read(): tf.Tensor };
    movingMean: { read(): tf.Tensor };
  };
  const build = internal.build.bind(layer);
  internal.build = (shape) => {
    build(shape);
    internal.gamma = { read: () => tf.onesLike(internal.movingMean.read()) };
  };
  return layer;
}
