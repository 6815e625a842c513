// The report section on the test set: its figures per task and data regime, its title, and what it says when the
// runs carry no per-image scores.
import type { RunGroup } from '../aggregate.js';
import type { FigureDef } from '../figures.js';
import type { StudyResults } from '../schema.js';
import { aucSeedsFigure } from './auc-seeds-figure.js';
import { confusionFigure } from './confusion-figure.js';
import { reliabilityFigure } from './reliability-figure.js';
import { rocFigure } from './roc-figure.js';
import { figureScopes } from './scope.js';

export const evaluationSectionTitle = 'Test-set evaluation (per-seed AUC, ROC, calibration, confusion)';

/**
 * The test-set evaluation figures, per task and data regime: AUC per seed beside the mean (whenever there are
 * runs), then — only where runs carry per-image test scores — ROC curves, reliability diagrams and, for a
 * multi-class task, confusion matrices.
 */
export function evaluationFigureDefs(results: StudyResults, groups: readonly RunGroup[]): FigureDef[] {
  return figureScopes(results.tasks, groups).flatMap((scope) =>
    [
      aucSeedsFigure(scope, results.evaluation.bootstrap.level),
      rocFigure(scope),
      reliabilityFigure(scope),
      confusionFigure(scope),
    ].filter((f): f is FigureDef => f !== undefined),
  );
}

/** Said under the section when the runs carry no test scores, so a reader knows why ROC and calibration are missing. */
export function missingScoresNote(results: StudyResults): string | undefined {
  if (results.runs.length === 0 || results.runs.some((r) => r.test !== undefined)) return undefined;
  return 'The runs carry no per-image test scores (run.test.scores), so there are no ROC curves, reliability diagrams or confusion matrices, and no bootstrap intervals.';
}
