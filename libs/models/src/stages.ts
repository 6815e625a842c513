import * as tf from '@tensorflow/tfjs';
import { requireStage, type ZooModel } from './zoo.js';

/**
 * A model that returns the named stages' outputs (in the order given) for activation capture; it shares
 * layers and weights with `zm.model`.
 */
export function stageOutputsModel(zm: ZooModel, stages: string[]): tf.LayersModel {
  const outputs = stages.map((s) => {
    const stage = zm.stages[requireStage(zm, s)]!;
    return zm.model.getLayer(stage.output).output as tf.SymbolicTensor;
  });
  return tf.model({ inputs: zm.model.inputs, outputs, name: `${zm.spec.name}_stages` });
}
