import type * as tf from '@tensorflow/tfjs';
import { cbrPlan, isCbrName } from './arch/cbr.js';
import { buildFromPlan, type StageInfo, type StagePlan } from './arch/graph.js';
import { INCEPTION_MIN_SIZE, inceptionV3Plan } from './arch/inception.js';
import { resnet50Plan } from './arch/resnet.js';
import { ModelsError } from './errors.js';
import { resolveModelSpec, type ModelName, type ModelOptions, type ModelSpec } from './spec.js';

/** A built model with the names analysis refers to. */
export interface ZooModel {
  spec: ModelSpec;
  model: tf.LayersModel;
  /** Body stages in order, then 'head' (avg_pool, predictions). */
  stages: StageInfo[];
}

/** Smallest input side per model: Keras's minimums for ResNet50 (32) and InceptionV3 (75). */
const MIN_SIDE: Partial<Record<ModelName, number>> = { resnet50: 32, 'inception-v3': INCEPTION_MIN_SIZE };

/** The smallest input side a zoo model takes (1 when any size works: the CBRs' 'same' pooling). */
export function minimumInputSide(name: ModelName): number {
  return MIN_SIDE[name] ?? 1;
}

function planFor(spec: ModelSpec): StagePlan[] {
  if (isCbrName(spec.name)) return cbrPlan(spec.name);
  if (spec.name === 'resnet50') return resnet50Plan(spec.blocks);
  return inceptionV3Plan();
}

/** Body stage names of a model, in order (without building it). */
export function stageNamesOf(name: ModelName): string[] {
  return planFor(resolveModelSpec({ name })).map((p) => p.name);
}

export interface BuildSettings {
  /**
   * 'keras' (default): tfjs's Keras-default initial weights (glorot_uniform kernels, unseeded; use an init
   * strategy for seeded weights). 'zeros': all-zero kernels, much faster, for structure-only uses (counts, FLOPs).
   */
  initialWeights?: 'keras' | 'zeros';
}

/** Builds a zoo model (tfjs layers, NHWC). */
export function buildModel(options: ModelOptions, settings: BuildSettings = {}): ZooModel {
  const spec = resolveModelSpec(options);
  const min = MIN_SIDE[spec.name] ?? 1;
  const [h, w] = spec.inputShape;
  if (h < min || w < min) {
    throw new ModelsError(
      'INPUT_TOO_SMALL',
      `${spec.name}: input ${h}×${w} is too small; each side must be at least ${min}`,
    );
  }
  const init = settings.initialWeights === 'zeros' ? 'zeros' : 'glorotUniform';
  const { model, stages } = buildFromPlan(spec, planFor(spec), spec.name, init);
  return { spec, model, stages };
}

/** Body stage names followed by 'head'. */
export function stageNames(zm: ZooModel): string[] {
  return zm.stages.map((s) => s.name);
}

/** Throws UNKNOWN_STAGE unless `stage` is a body stage of the model; returns its index. */
export function requireStage(zm: ZooModel, stage: string, field = 'stage'): number {
  const i = zm.stages.findIndex((s) => s.name === stage && s.name !== 'head');
  if (i < 0) {
    const known = zm.stages.filter((s) => s.name !== 'head').map((s) => s.name);
    throw new ModelsError('UNKNOWN_STAGE', `${zm.spec.name}: unknown ${field} '${stage}'; stages: ${known.join(', ')}`);
  }
  return i;
}
