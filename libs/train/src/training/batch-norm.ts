import type * as tf from '@tensorflow/tfjs';

/** Every layer of a model, descending into nested models (a zoo backbone used as a layer). */
export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => ('layers' in layer ? allLayers(layer as tf.LayersModel) : [layer]));
}

/**
 * Sets the moving-average momentum of every BatchNormalization layer and returns a function that puts the
 * previous values back. tfjs-layers reads `momentum` on each training call but offers no setter, hence the cast.
 */
export function setBatchNormMomentum(model: tf.LayersModel, momentum: number): () => void {
  const layers = allLayers(model).filter((l) => l.getClassName() === 'BatchNormalization') as unknown as {
    momentum: number;
  }[];
  const previous = layers.map((l) => l.momentum);
  for (const l of layers) l.momentum = momentum;
  return () =>
    layers.forEach((l, i) => {
      l.momentum = previous[i]!;
    });
}
