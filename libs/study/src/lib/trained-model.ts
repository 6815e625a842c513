import { buildModel, loadWeights, setWeights, type ModelSpec, type ZooModel } from '@transfusion/models';
import { resolveBackend } from '@transfusion/train';
import { StudyError } from './run-info.js';

/** Zoo options that rebuild a stored spec. */
export function optionsOfSpec(spec: ModelSpec) {
  return {
    name: spec.name,
    inputSize: [spec.inputShape[0], spec.inputShape[1]] as [number, number],
    channels: spec.inputShape[2],
    classes: spec.classes,
    width: spec.width,
    stageWidth: spec.stageWidth,
    headActivation: spec.headActivation,
    ...(spec.lastStage !== undefined ? { lastStage: spec.lastStage } : {}),
    ...(spec.blocks !== undefined ? { blocks: spec.blocks } : {}),
  };
}

/** Rebuilds the model a weights artifact of the train stage was saved from, with those weights. */
export async function loadTrainedModel(path: string): Promise<ZooModel> {
  await resolveBackend();
  const source = await loadWeights(path);
  if (!source.spec)
    throw new StudyError(
      'STUDY_BAD_ARTIFACT',
      `${path}: no model spec in the weights' metadata; expected weights written by the train stage`,
    );
  const zm = buildModel(optionsOfSpec(source.spec));
  setWeights(zm, source.weights, path);
  return zm;
}
