import { ModelsError } from '../errors.js';
import { canonicalWeightName, type WeightSource, type WeightSpec, type WeightTensor } from '../weights.js';
import type { ZooModel } from '../zoo.js';

/**
 * Layer-name prefixes Keras gives unnamed layers. A Keras session numbers them globally, so the same
 * InceptionV3 may come as conv2d..conv2d_93 (tf.keras), conv2d_1..conv2d_94 (Keras 2.2) or shifted further
 * when other models were built first; creation order is the same in all, so we renumber by order.
 */
const AUTO_PREFIXES = ['conv2d', 'batch_normalization'];

function autoIndex(layer: string, prefix: string): number | undefined {
  if (layer === prefix) return 0;
  const m = new RegExp(`^${prefix}_(\\d+)$`).exec(layer);
  return m ? Number(m[1]) : undefined;
}

/**
 * keras_applications ≤ 1.0.8 (standalone Keras 2.2) named ResNet50 layers Caffe-style; map them to the
 * tf.keras names: res2a_branch2a → conv2_block1_1_conv, bn3b_branch1 → conv3_block2_0_bn, fc1000 → predictions.
 */
export function legacyResNetLayerName(layer: string): string | undefined {
  const fixed: Record<string, string> = { conv1: 'conv1_conv', bn_conv1: 'conv1_bn', fc1000: 'predictions' };
  if (fixed[layer]) return fixed[layer];
  const m = /^(res|bn)([2-5])([a-z])_branch(1|2a|2b|2c)$/.exec(layer);
  if (!m) return undefined;
  const [, kind, stage, block, branch] = m as unknown as [string, string, string, string, string];
  const k = { '1': 0, '2a': 1, '2b': 2, '2c': 3 }[branch as '1' | '2a' | '2b' | '2c'];
  return `conv${stage}_block${block.charCodeAt(0) - 96}_${k}_${kind === 'res' ? 'conv' : 'bn'}`;
}

/** Throws WRONG_ARCHITECTURE when the source says it was saved from another zoo model. */
export function assertArchitecture(model: string, source: Pick<WeightSource, 'spec' | 'origin'>): void {
  if (source.spec && source.spec.name !== model) {
    throw new ModelsError(
      'WRONG_ARCHITECTURE',
      `${source.origin}: weights were saved from ${source.spec.name}, the model is ${model}`,
    );
  }
}

export interface SourceMatch {
  /** Source tensors under the target's weight names. */
  byName: Map<string, WeightTensor>;
  /** How many source layers were renamed: legacy ResNet names, renumbered Keras automatic names. */
  renamed: number;
  warnings: string[];
}

/**
 * Puts source weights under the target's names: canonical `<layer>/<kind>` names, Keras automatic names
 * renumbered by creation order. Throws WRONG_ARCHITECTURE when the source was saved from another zoo model
 * or shares no weight name with the target.
 */
export function matchSource(zm: ZooModel, source: WeightSource, targets: WeightSpec[]): SourceMatch {
  assertArchitecture(zm.spec.name, source);
  const warnings: string[] = [];
  const legacy = new Set<string>();
  const canonical = new Map<string, WeightTensor>();
  for (const [name, t] of Object.entries(source.weights)) {
    const c = canonicalWeightName(name);
    if (canonical.has(c))
      warnings.push(`${source.origin}: weight name '${c}' occurs more than once; the first is used`);
    else canonical.set(c, t);
  }

  const targetLayers = [...new Set(targets.map((t) => t.layer))];
  if (zm.spec.name === 'resnet50') {
    for (const [c, t] of [...canonical]) {
      const [layer = '', kind = ''] = c.split('/');
      const modern = legacyResNetLayerName(layer);
      if (modern && !canonical.has(`${modern}/${kind}`)) {
        canonical.delete(c);
        canonical.set(`${modern}/${kind}`, t);
        legacy.add(layer);
      }
    }
  }
  const sourceLayers = [...new Set([...canonical.keys()].map((n) => n.split('/')[0] ?? n))];
  const rename = new Map<string, string>();
  for (const prefix of AUTO_PREFIXES) {
    const order = (layers: string[]) =>
      layers
        .map((l) => ({ l, i: autoIndex(l, prefix) }))
        .filter((x): x is { l: string; i: number } => x.i !== undefined)
        .sort((a, b) => a.i - b.i)
        .map((x) => x.l);
    const src = order(sourceLayers);
    const tgt = order(targetLayers);
    if (src.length > 0 && src.length === tgt.length && src.some((l, i) => l !== tgt[i])) {
      src.forEach((l, i) => rename.set(l, tgt[i]!));
    }
  }

  const byName = new Map<string, WeightTensor>();
  for (const [c, t] of canonical) {
    const [layer = '', kind = ''] = c.split('/');
    const to = rename.get(layer);
    byName.set(to ? `${to}/${kind}` : c, t);
  }
  const found = targets.filter((t) => t.stage !== 'head' && byName.has(t.name)).length;
  if (found === 0) {
    const sample = (xs: string[]) => xs.slice(0, 4).join(', ') + (xs.length > 4 ? ', ...' : '');
    throw new ModelsError(
      'WRONG_ARCHITECTURE',
      `${source.origin}: none of the source's ${canonical.size} weights belongs to ${zm.spec.name} ` +
        `(source has ${sample([...canonical.keys()])}; the model expects ${sample(targets.map((t) => t.name))})`,
    );
  }
  return { byName, renamed: [...rename].filter(([a, b]) => a !== b).length + legacy.size, warnings };
}

/** Source weights (under target names) that an init strategy did not use. */
export function unusedNames(match: SourceMatch, used: Iterable<string>): string[] {
  const u = new Set(used);
  return [...match.byName.keys()].filter((n) => !u.has(n));
}
