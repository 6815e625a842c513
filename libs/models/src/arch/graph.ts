import * as tf from '@tensorflow/tfjs';
import { ModelsError } from '../errors.js';
import type { ModelSpec } from '../spec.js';

/** A named part of a model: activation capture and weight transfusion address models by these names. */
export interface StageInfo {
  name: string;
  /** Layer names in build order. */
  layers: string[];
  /** The layer whose output is the stage's representation. */
  output: string;
}

/** One stage of an architecture: a function from the previous stage's output to this stage's output. */
export interface StagePlan {
  name: string;
  build(x: tf.SymbolicTensor, g: GraphBuilder): tf.SymbolicTensor;
  /** Layer whose output represents the stage, when not the stage's last layer. */
  output?: string;
}

/**
 * Records which stage each layer belongs to while an architecture is built, scales channel counts and hands
 * out Keras-style automatic names (`conv2d`, `conv2d_1`, ...) for architectures whose Keras source leaves
 * layers unnamed (Inception-v3), so that converted Keras weights match by name.
 */
export class GraphBuilder {
  readonly stages: StageInfo[] = [];
  private readonly counters = new Map<string, number>();

  constructor(
    readonly spec: ModelSpec,
    /** Conv/dense kernel initializer: Keras's glorot_uniform, or zeros when only the structure is needed. */
    readonly kernelInitializer: 'glorotUniform' | 'zeros' = 'glorotUniform',
  ) {}

  beginStage(name: string): void {
    this.stages.push({ name, layers: [], output: '' });
  }

  private get current(): StageInfo {
    const s = this.stages[this.stages.length - 1];
    if (!s) throw new Error('internal: layer added before any stage began');
    return s;
  }

  /** Channel count after the global width multiplier and the current stage's multiplier. */
  channels(n: number): number {
    const factor = this.spec.width * (this.spec.stageWidth[this.current.name] ?? 1);
    return Math.max(1, Math.round(n * factor));
  }

  /** Keras's automatic layer name: prefix, prefix_1, prefix_2, ... in creation order. */
  autoName(prefix: string): string {
    const k = this.counters.get(prefix) ?? 0;
    this.counters.set(prefix, k + 1);
    return k === 0 ? prefix : `${prefix}_${k}`;
  }

  /** Applies a layer to inputs and records it in the current stage. */
  apply(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    const out = layer.apply(input);
    if (Array.isArray(out) || !(out instanceof tf.SymbolicTensor)) {
      throw new Error(`internal: layer ${layer.name} did not return one symbolic tensor`);
    }
    this.current.layers.push(layer.name);
    this.current.output = layer.name;
    return out;
  }
}

/** Builds stem-to-head: the stages up to `spec.lastStage`, then global average pooling and the dense head. */
export function buildFromPlan(
  spec: ModelSpec,
  plan: StagePlan[],
  modelName: string,
  kernelInitializer: GraphBuilder['kernelInitializer'] = 'glorotUniform',
): { model: tf.LayersModel; stages: StageInfo[] } {
  const names = plan.map((p) => p.name);
  const last = spec.lastStage ?? names[names.length - 1];
  const lastIndex = names.indexOf(last ?? '');
  if (lastIndex < 0) {
    throw new ModelsError(
      'UNKNOWN_STAGE',
      `${spec.name}: unknown stage '${String(spec.lastStage)}' for lastStage; stages: ${names.join(', ')}`,
    );
  }
  for (const key of Object.keys(spec.stageWidth)) {
    if (!names.includes(key)) {
      throw new ModelsError(
        'UNKNOWN_STAGE',
        `${spec.name}: unknown stage '${key}' in stageWidth; stages: ${names.join(', ')}`,
      );
    }
  }
  const g = new GraphBuilder(spec, kernelInitializer);
  const input = tf.input({ shape: spec.inputShape, name: 'input_1' });
  let x = input;
  for (const stage of plan.slice(0, lastIndex + 1)) {
    g.beginStage(stage.name);
    x = stage.build(x, g);
    if (stage.output) g.stages[g.stages.length - 1]!.output = stage.output;
  }
  g.beginStage('head');
  x = g.apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = g.apply(
    tf.layers.dense({ units: spec.classes, activation: spec.headActivation, kernelInitializer, name: 'predictions' }),
    x,
  );
  return { model: tf.model({ inputs: input, outputs: x, name: modelName.replace(/-/g, '_') }), stages: g.stages };
}
