import type { RunGroup } from './aggregate.js';
import { convergenceThreshold, summarizeSteps, type StepsSummary } from './convergence.js';
import { initOrder, stagesOf } from './init.js';
import type { ReportOptions } from './options.js';

/** Steps-to-threshold of every init of one model on one task (full data), against the task's threshold. */
export interface SpeedComparison {
  task: string;
  model: string;
  /** The model's body stages, input to output: the order of its transfusion prefixes. */
  stages: string[];
  threshold: number;
  steps: StepsSummary[];
}

const hasCurves = (g: RunGroup, metric: string): boolean =>
  g.runs.every((r) => r.history.some((h) => metric in h.metrics));

/**
 * Compares the inits `keys` of each model: Fig 6 uses random / meanvar / pretrained, Fig 7 random /
 * transfusion prefixes / pretrained. Models with fewer than two of the inits (with curves) are left out.
 */
export function compareSpeed(
  groups: readonly RunGroup[],
  metric: string,
  options: ReportOptions,
  keys: (k: string) => boolean,
): SpeedComparison[] {
  const out: SpeedComparison[] = [];
  const settings = new Map<string, RunGroup[]>();
  const thresholds = new Map<string, number>();
  const withCurves = groups.filter((g) => g.regime === 'full' && hasCurves(g, metric));
  for (const task of new Set(withCurves.map((g) => g.task.id))) {
    thresholds.set(
      task,
      convergenceThreshold(
        withCurves.filter((g) => g.task.id === task),
        metric,
        options,
      ),
    );
  }
  for (const g of withCurves) {
    if (!keys(g.initKey)) continue;
    const k = `${g.task.id}|${g.model.id}`;
    settings.set(k, [...(settings.get(k) ?? []), g]);
  }
  for (const gs of settings.values()) {
    if (gs.length < 2 || !gs.some((g) => g.initKey === 'random')) continue;
    const model = gs[0]!.model;
    gs.sort((a, b) => initOrder(a.init, model) - initOrder(b.init, model));
    const threshold = thresholds.get(gs[0]!.task.id)!;
    out.push({
      task: gs[0]!.task.id,
      model: model.id,
      stages: stagesOf(model),
      threshold,
      steps: gs.map((g) => summarizeSteps(g, metric, threshold)),
    });
  }
  return out;
}

export const isFig6Init = (k: string): boolean => k === 'random' || k === 'meanvar' || k === 'pretrained';
export const isFig7Init = (k: string): boolean => k === 'random' || k === 'pretrained' || k.startsWith('transfusion:');

export interface Recovery {
  initKey: string;
  steps: number | null;
  /** (steps_random − steps_prefix) / (steps_random − steps_full_transfer). */
  fraction: number | null;
}

/** Fig 7 / statement 7: the share of full transfer's speed-up each transfusion prefix recovers, shallow to deep. */
export function recoveredSpeedup(c: SpeedComparison): Recovery[] | null {
  const by = new Map(c.steps.map((s) => [s.initKey, s]));
  const random = by.get('random')?.mean ?? null;
  const full = by.get('pretrained')?.mean ?? null;
  if (random === null || full === null || random <= full) return null;
  return c.stages
    .map((st) => by.get(`transfusion:${st}`))
    .filter((s): s is StepsSummary => s !== undefined)
    .map((s) => ({
      initKey: s.initKey,
      steps: s.mean,
      fraction: s.mean === null ? null : (random - s.mean) / (random - full),
    }));
}
