// Losses on logits. Both average over the entries that count (mask = 1), so ignored labels neither
// contribute gradient nor dilute the mean; class weights follow PyTorch's CrossEntropyLoss(weight) and
// BCEWithLogitsLoss(pos_weight).
import * as tf from '@tensorflow/tfjs';

/**
 * Numerically stable sigmoid BCE, averaged over unmasked entries: max(z,0) - z*y + log(1 + exp(-|z|)).
 * With `posWeight` (one value per label column) the positive term is weighted as in
 * BCEWithLogitsLoss(pos_weight): (1-y)*z + (1 + (p-1)*y) * softplus(-z); the mean is still over entries.
 */
export function sigmoidBce(
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  mask?: tf.Tensor2D,
  posWeight?: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const z = logits;
    let per: tf.Tensor;
    if (posWeight) {
      const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))), tf.relu(tf.neg(z)));
      const weight = tf.add(1, tf.mul(tf.sub(posWeight, 1), labels));
      per = tf.add(tf.mul(tf.sub(1, labels), z), tf.mul(weight, softplusNeg));
    } else {
      per = tf.add(tf.sub(tf.relu(z), tf.mul(z, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    }
    if (!mask) return tf.mean(per) as tf.Scalar;
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(tf.mul(per, mask)), count) as tf.Scalar;
  });
}

/**
 * Softmax cross-entropy with integer class targets (N,): the weighted mean Σ wᵢ·ℓᵢ / Σ wᵢ over rows. `rowWeights`
 * is the mask (0/1), the class weight of each row's class, or their product; without it, the plain mean.
 */
export function softmaxCe(logits: tf.Tensor2D, classes: tf.Tensor1D, rowWeights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(classes, 'int32'), logits.shape[1]);
    const per = tf.neg(tf.sum(tf.mul(logp, onehot), 1));
    if (!rowWeights) return tf.mean(per) as tf.Scalar;
    // Every row masked out: 0 / tiny = 0 (a mask alone sums to 0 or >= 1, where this equals the old max(Σ, 1)).
    return tf.div(tf.sum(tf.mul(per, rowWeights)), tf.maximum(tf.sum(rowWeights), 1e-12)) as tf.Scalar;
  });
}
