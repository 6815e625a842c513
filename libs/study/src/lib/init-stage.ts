import { StudyError } from './run-info.js';
import type { Architecture } from '@transfusion/models/schemas';

/** How a train stage's `init` param reads in messages: `transfusion-mixed2`, or a strategy object as JSON. */
export function initName(init: string | Record<string, unknown>): string {
  return typeof init === 'string' ? init : JSON.stringify(init);
}

/** The body stages a run's model has, input to output: the zoo model's (`stageNames`), up to `lastStage` if set. */
export function architectureStages(
  architecture: Pick<Architecture, 'lastStage'>,
  stageNames: readonly string[],
): string[] {
  const last = architecture.lastStage === undefined ? -1 : stageNames.indexOf(architecture.lastStage);
  return last < 0 ? [...stageNames] : stageNames.slice(0, last + 1);
}

/**
 * A transfusion or Slim init names the last pretrained stage: it must be a body stage of the model (ResNet50's
 * `block2`, Inception-v3's `mixed7`, a CBR's `layer2`), and Slim must leave a later stage to slim.
 */
export function checkInitStage(
  init: { strategy: string; upTo?: string },
  name: string,
  model: string,
  stages: readonly string[],
): void {
  if (init.upTo === undefined) return;
  if (!stages.includes(init.upTo)) {
    throw new StudyError(
      'STUDY_BAD_INPUT',
      `init '${name}': ${model} has no stage '${init.upTo}'; its stages are ${stages.join(', ')}`,
    );
  }
  if (init.strategy === 'slim' && init.upTo === stages.at(-1)) {
    throw new StudyError(
      'STUDY_BAD_INPUT',
      `init '${name}': '${init.upTo}' is the last stage of ${model}, so nothing is left to slim; its stages are ${stages.join(', ')}`,
    );
  }
}
