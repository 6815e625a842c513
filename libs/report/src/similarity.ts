import type { CcaResult, ModelInfo } from './schema.js';
import { linearFit, mean, sampleStd, type LinearFit } from './stats.js';

/** Layers of a model as they occur in a set of entries, ordered from input to output. */
function layersOf(
  entries: readonly { model: string; layer: string; layerIndex: number }[],
  model: string,
): { layer: string; layerIndex: number }[] {
  const seen = new Map<string, number>();
  for (const e of entries) if (e.model === model) seen.set(e.layer, e.layerIndex);
  return [...seen.entries()]
    .map(([layer, layerIndex]) => ({ layer, layerIndex }))
    .sort((a, b) => a.layerIndex - b.layerIndex);
}

export interface TopLayerComparison {
  model: string;
  topLayers: string[];
  /** One value per model pair: the CCA similarity averaged over the top layers. */
  randRand: number[];
  randPretrained: number[];
  gap: number;
}

/** Fig 2: per model, CCA of the top two layers averaged, for Rand–Rand and Rand–Pretrained pairs. */
export function topLayerComparisons(cca: CcaResult, models: readonly ModelInfo[]): TopLayerComparison[] {
  const out: TopLayerComparison[] = [];
  for (const m of models) {
    const layers = layersOf(cca.betweenModels, m.id);
    if (layers.length === 0) continue;
    const top = layers.slice(-2).map((l) => l.layer);
    const pairs = new Map<string, { comparison: string; values: number[] }>();
    for (const e of cca.betweenModels) {
      if (e.model !== m.id || !top.includes(e.layer)) continue;
      const key = `${e.comparison}|${e.seedA}|${e.seedB}`;
      const p = pairs.get(key) ?? { comparison: e.comparison, values: [] };
      p.values.push(e.value);
      pairs.set(key, p);
    }
    const of = (c: string): number[] =>
      [...pairs.values()].filter((p) => p.comparison === c).map((p) => mean(p.values));
    const randRand = of('rand-rand');
    const randPretrained = of('rand-pretrained');
    if (randRand.length === 0 || randPretrained.length === 0) continue;
    out.push({ model: m.id, topLayers: top, randRand, randPretrained, gap: mean(randRand) - mean(randPretrained) });
  }
  return out;
}

export interface LayerSimilarity {
  model: string;
  init: 'random' | 'pretrained';
  layer: string;
  layerIndex: number;
  mean: number;
  std: number;
  n: number;
}

/** Fig 3: CCA(init, final) per layer, mean ± std over seeds, ordered by depth. */
export function initFinalByLayer(cca: CcaResult): LayerSimilarity[] {
  const groups = new Map<string, { e: CcaResult['initFinal'][number]; values: number[] }>();
  for (const e of cca.initFinal) {
    const key = `${e.model}|${e.init}|${e.layer}`;
    const g = groups.get(key) ?? { e, values: [] };
    g.values.push(e.value);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map(({ e, values }) => ({
      model: e.model,
      init: e.init,
      layer: e.layer,
      layerIndex: e.layerIndex,
      mean: mean(values),
      std: values.length > 1 ? sampleStd(values) : 0,
      n: values.length,
    }))
    .sort((a, b) =>
      a.model === b.model
        ? a.init === b.init
          ? a.layerIndex - b.layerIndex
          : a.init < b.init
            ? -1
            : 1
        : a.model < b.model
          ? -1
          : 1,
    );
}

export interface InitVsFinalGroup {
  model: string;
  group: 'lower' | 'higher';
  layers: string[];
  points: { layer: string; pair: string; atInit: number; afterTraining: number }[];
  fit: LinearFit;
}

/** Fig 4: points split into the lower and higher half of each model's layers, with the least-squares R². */
export function initVsFinalGroups(cca: CcaResult, models: readonly ModelInfo[]): InitVsFinalGroup[] {
  const out: InitVsFinalGroup[] = [];
  for (const m of models) {
    const layers = layersOf(cca.initVsFinal, m.id);
    if (layers.length === 0) continue;
    const cut = Math.ceil(layers.length / 2);
    for (const [group, ls] of [
      ['lower', layers.slice(0, cut)],
      ['higher', layers.slice(cut)],
    ] as const) {
      if (ls.length === 0) continue;
      const names = ls.map((l) => l.layer);
      const points = cca.initVsFinal
        .filter((e) => e.model === m.id && names.includes(e.layer))
        .map((e) => ({ layer: e.layer, pair: e.pair, atInit: e.atInit, afterTraining: e.afterTraining }));
      const fit = linearFit(
        points.map((p) => p.atInit),
        points.map((p) => p.afterTraining),
      );
      out.push({ model: m.id, group, layers: names, points, fit });
    }
  }
  return out;
}
