import h5wasm from 'h5wasm/node';
import type { WeightMap } from '../src/index.js';

/**
 * Writes weights in Keras 2's HDF5 layout, as `save_weights('x.h5')` and the Keras applications' downloads have
 * it: `layer_names` on the root (or on `model_weights/` with `fullModel`), one group per layer with `weight_names`
 * (`conv1_conv/kernel:0`), each weight a dataset at that path inside the layer group. `extraLayers` are layers
 * without weights (activations, pools), listed with empty weight_names as Keras does.
 */
export async function writeKerasH5(
  path: string,
  weights: WeightMap,
  opts: { fullModel?: boolean; extraLayers?: string[]; dtype?: 'float32' | 'float64' } = {},
): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    file.create_attribute('keras_version', '2.15.0');
    file.create_attribute('backend', 'tensorflow');
    const root = opts.fullModel ? file.create_group('model_weights') : file;
    if (opts.fullModel) file.create_attribute('model_config', '{"class_name": "Functional"}');
    const byLayer = new Map<string, [string, WeightMap[string]][]>();
    for (const [name, t] of Object.entries(weights)) {
      const [layer, kind] = name.split('/') as [string, string];
      byLayer.set(layer, [...(byLayer.get(layer) ?? []), [kind, t]]);
    }
    const layers = [...byLayer.keys(), ...(opts.extraLayers ?? [])];
    root.create_attribute('layer_names', layers);
    for (const layer of layers) {
      const group = root.create_group(layer);
      const ws = byLayer.get(layer) ?? [];
      group.create_attribute(
        'weight_names',
        ws.length ? ws.map(([kind]) => `${layer}/${kind}:0`) : [],
        ws.length ? null : [0],
        ws.length ? null : 'S',
      );
      if (!ws.length) continue;
      const sub = group.create_group(layer);
      for (const [kind, t] of ws) {
        const data = opts.dtype === 'float64' ? Float64Array.from(t.data) : t.data;
        sub.create_dataset({ name: `${kind}:0`, data, shape: t.shape, dtype: opts.dtype === 'float64' ? '<d' : '<f' });
      }
    }
  } finally {
    file.close();
  }
}
