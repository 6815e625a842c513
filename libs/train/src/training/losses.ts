// Losses on logits. Both average over the entries that count (mask = 1), so ignored labels neither
// contribute gradient nor dilute the mean.
import * as tf from '@tensorflow/tfjs';

/** Numerically stable sigmoid BCE: max(z,0) - z*y + log(1 + exp(-|z|)), averaged over unmasked entries. */
export function sigmoidBce(logits: tf.Tensor2D, labels: tf.Tensor2D, mask?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const z = logits;
    const per = tf.add(tf.sub(tf.relu(z), tf.mul(z, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    if (!mask) return tf.mean(per) as tf.Scalar;
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(tf.mul(per, mask)), count) as tf.Scalar;
  });
}

/** Softmax cross-entropy with integer class targets (N,), averaged over rows whose weight (mask) is 1. */
export function softmaxCe(logits: tf.Tensor2D, classes: tf.Tensor1D, mask?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(classes, 'int32'), logits.shape[1]);
    const per = tf.neg(tf.sum(tf.mul(logp, onehot), 1));
    if (!mask) return tf.mean(per) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(per, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
