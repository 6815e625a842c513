// What one evaluation figure covers: a task in one data regime, the runs' groups there, and how ids, titles and
// legends name it.
import type { RunGroup } from '../aggregate.js';
import type { Run, Task } from '../schema.js';

export interface FigureScope {
  task: Task;
  regime: Run['data']['regime'];
  /** The task's groups in this regime, in report order (model, then init). */
  groups: RunGroup[];
}

/** Every task × regime that has runs, full data first. */
export function figureScopes(tasks: readonly Task[], groups: readonly RunGroup[]): FigureScope[] {
  return tasks.flatMap((task) =>
    (['full', 'limited'] as const)
      .map((regime) => ({ task, regime, groups: groups.filter((g) => g.task.id === task.id && g.regime === regime) }))
      .filter((s) => s.groups.length > 0),
  );
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** e.g. `roc-retina-referable`, `roc-retina-referable-limited`. */
export const scopeId = (kind: string, scope: FigureScope): string =>
  `${kind}-${slug(scope.task.id)}${scope.regime === 'limited' ? '-limited' : ''}`;

/** e.g. `retina-referable` or `retina-referable, small-data regime (5,000 training images)`. */
export function scopeName(scope: FigureScope): string {
  if (scope.regime === 'full') return scope.task.id;
  const images = [...new Set(scope.groups.map((g) => g.trainImages))].map((n) => n.toLocaleString('en-US')).join(' / ');
  return `${scope.task.id}, small-data regime (${images} training images)`;
}

/** "the 2 seeds" / "the seeds (2–3 per setting)". */
export function seedsPhrase(groups: readonly RunGroup[]): string {
  const counts = [...new Set(groups.map((g) => g.runs.length))].sort((a, b) => a - b);
  return counts.length === 1
    ? `the ${counts[0]} seed${counts[0] === 1 ? '' : 's'}`
    : `the seeds (${counts[0]}–${counts[counts.length - 1]} per setting)`;
}
