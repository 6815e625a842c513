import { open, stat } from 'node:fs/promises';
import { WeightsFileError } from '../errors.js';
import { weightTensor, type WeightMap, type WeightSource } from '../weights.js';
import { kerasApplicationPreprocessing } from './layers-format.js';

/** What one layer group of the file held: its weights' names as the file spells them. */
export interface KerasH5Layer {
  name: string;
  weights: string[];
}

// The slice of h5wasm's API used here (its own types describe every HDF5 value as a wide union).
interface H5Attr {
  value: unknown;
}
interface H5Node {
  attrs: Record<string, H5Attr>;
  keys?(): string[];
  get?(path: string): H5Node | null;
  shape?: number[] | null;
  dtype?: unknown;
  value?: unknown;
}

function strings(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 0) return []; // an empty attribute
  return null;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5's superblock signature, at 0 or after a user block of 512, 1024, 2048, ... bytes. */
async function hasHdf5Signature(path: string, size: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
      await fh.read(buf, 0, 8, at);
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * Reads a Keras 2 HDF5 weights file as Keras applications ship them (`resnet50_weights_tf_dim_ordering_tf_kernels
 * _notop.h5`, `inception_v3_..._notop.h5`) or as `model.save('x.h5')` / `model.save_weights('x.h5')` write it: the
 * root (or `model_weights/` of a whole-model file) lists `layer_names`; each layer group lists its `weight_names`
 * (`conv1_conv/kernel:0`) and holds each as a dataset at that path inside the group. Weights are named
 * `<layer>/<kind>` by the layer group, as the zoo models name theirs, so they match by layer name. Layers without
 * weights (activations, pools) are skipped. Problems are WeightsFileError naming the file and the layer.
 */
export async function importKerasH5Weights(
  path: string,
): Promise<WeightSource & { warnings: string[]; layers: KerasH5Layer[] }> {
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) throw new WeightsFileError(path, 'no such file');
  if (!(await hasHdf5Signature(path, st.size)))
    throw new WeightsFileError(path, 'not an HDF5 file (no HDF5 signature; expected a Keras .h5 weights file)');
  // h5wasm's Node build reads the file by path; loaded only when an .h5 file is read (wasm start-up).
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    throw new WeightsFileError(path, `not an HDF5 file (${(e as Error).message})`);
  }
  try {
    const top = file as unknown as H5Node;
    const rootKeys = top.keys?.() ?? [];
    const root = rootKeys.includes('model_weights') ? top.get!('model_weights')! : top;
    const where = root === top ? '' : 'model_weights/';
    const layerNames = strings(root.attrs['layer_names']?.value);
    if (!layerNames) {
      const keras3 = rootKeys.includes('layers') || rootKeys.includes('_layer_checkpoint_dependencies');
      throw new WeightsFileError(
        path,
        keras3
          ? 'this is a Keras 3 `.weights.h5` file (layers/<name>/vars/<i>), which names no weights; save the weights with Keras 2 (tf.keras ≤ 2.15 or tf_keras) as Keras applications ship them'
          : `no \`layer_names\` attribute on ${where || 'the root group'}: not a Keras weights file (expected what Keras' model.save / save_weights write in HDF5)`,
      );
    }
    const weights: WeightMap = {};
    const layers: KerasH5Layer[] = [];
    const warnings: string[] = [];
    const kerasVersion =
      strings(top.attrs['keras_version']?.value)?.[0] ?? strings(root.attrs['keras_version']?.value)?.[0];
    if (kerasVersion?.startsWith('3.'))
      warnings.push(`written by Keras ${kerasVersion}; Keras 2 files are the tested layout`);
    for (const layer of layerNames) {
      const group = root.get!(layer);
      if (!group)
        throw new WeightsFileError(path, `${where}${layer}: listed in layer_names but the file has no such group`);
      const names = strings(group.attrs['weight_names']?.value);
      if (!names)
        throw new WeightsFileError(
          path,
          `${where}${layer}: no \`weight_names\` attribute (expected the names of the layer's weights, e.g. ${layer}/kernel:0)`,
        );
      if (names.length === 0) continue;
      layers.push({ name: layer, weights: names });
      for (const wn of names) {
        const ds = group.get!(wn);
        if (!ds || ds.shape === undefined || ds.shape === null)
          throw new WeightsFileError(
            path,
            `${where}${layer}/${wn}: listed in weight_names but not a dataset in the file`,
          );
        const raw = ds.value;
        if (!(raw instanceof Float32Array || raw instanceof Float64Array)) {
          throw new WeightsFileError(
            path,
            `${where}${layer}/${wn}: dtype ${String(ds.dtype)}; expected float32 or float64 values`,
          );
        }
        const kind = (wn.split('/').pop() ?? wn).replace(/:\d+$/, '');
        const name = `${layer}/${kind}`;
        if (weights[name]) throw new WeightsFileError(path, `${where}${layer}: two weights named ${kind}`);
        weights[name] = weightTensor([...ds.shape], raw instanceof Float32Array ? raw : Float32Array.from(raw));
      }
    }
    if (layers.length === 0) throw new WeightsFileError(path, 'no layer holds weights');
    const source: WeightSource & { warnings: string[]; layers: KerasH5Layer[] } = {
      weights,
      origin: path,
      warnings,
      layers,
    };
    const keras = kerasApplicationPreprocessing(weights);
    if (keras) source.preprocessing = keras;
    return source;
  } finally {
    file.close();
  }
}
