import { isCbrName, PAPER_REPORTED_PARAMS } from './arch/cbr.js';
import { layerMacs, outputShapeOf } from './flops.js';
import type { ModelSpec } from './spec.js';
import { sizeOf } from './weights.js';
import type { ZooModel } from './zoo.js';

/** Keras `applications` totals with a 1000-class head (any input size: the head follows global pooling). */
export const KERAS_PARAMS = { resnet50: 25_636_712, 'inception-v3': 23_851_784 } as const;

export interface StageSummary {
  name: string;
  output: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  params: number;
  macs: number;
}

export interface ModelSummary {
  name: string;
  spec: ModelSpec;
  params: { total: number; trainable: number };
  /** Multiply-accumulates of the conv and dense layers for one image. */
  macs: number;
  /** Forward FLOPs = 2 × macs, counted by flops.ts (batch norm, activations, pooling and adds not counted). */
  flops: number;
  stages: StageSummary[];
  /** CBR only: the paper's way of counting (see paperStyleParamCount) with this head. */
  paperStyleParams?: number;
  /** The number published for this model: the paper's (5 classes) for CBRs, Keras's (1000 classes) otherwise. */
  reference?: { params: number; classes: number; source: 'paper' | 'keras' };
}

/**
 * The paper's count on the built model (so width and lastStage apply): every conv kernel but the first, plus
 * the head's kernel; no batch norm, no biases. Equals paperStyleParamCount for the unscaled CBRs.
 */
export function paperStyleCountOf(zm: ZooModel): number {
  const kernels = zm.model.layers
    .filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense')
    .map((l) => l.weights.find((w) => w.originalName.endsWith('kernel')))
    .map((w) => (w ? sizeOf(w.shape.map(Number)) : 0));
  return kernels.slice(1).reduce((a, b) => a + b, 0);
}

/** Parameter counts, FLOPs and stage shapes of a built model. */
export function modelSummary(zm: ZooModel): ModelSummary {
  const byName = new Map(zm.model.layers.map((l) => [l.name, l]));
  let macs = 0;
  const stages: StageSummary[] = zm.stages.map((s) => {
    let params = 0;
    let stageMacs = 0;
    for (const name of s.layers) {
      const layer = byName.get(name);
      if (!layer) continue;
      params += layer.countParams();
      stageMacs += layerMacs(layer);
    }
    macs += stageMacs;
    return {
      name: s.name,
      output: s.output,
      outputShape: outputShapeOf(byName.get(s.output)?.outputShape),
      params,
      macs: stageMacs,
    };
  });
  const trainable = zm.model.trainableWeights.reduce((a, w) => a + sizeOf(w.shape.map(Number)), 0);
  const summary: ModelSummary = {
    name: zm.spec.name,
    spec: zm.spec,
    params: { total: zm.model.countParams(), trainable },
    macs,
    flops: 2 * macs,
    stages,
  };
  const name = zm.spec.name;
  if (isCbrName(name)) {
    summary.paperStyleParams = paperStyleCountOf(zm);
    const reported = PAPER_REPORTED_PARAMS[name];
    if (reported !== undefined) summary.reference = { params: reported, classes: 5, source: 'paper' };
  } else {
    summary.reference = { params: KERAS_PARAMS[name], classes: 1000, source: 'keras' };
  }
  return summary;
}
