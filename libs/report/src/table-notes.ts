import type { Run, Task } from './schema.js';

/** Readable names of validation metrics a checkpoint may be selected by (history keys are `val_<metric>`). */
const metricNames: Record<string, string> = {
  auc: 'AUC',
  acc: 'accuracy',
  kappa: 'QWK',
  loss: 'loss',
  referable_auc: 'referable AUC',
};

function monitorLabel(monitor: string | undefined): string {
  if (monitor === undefined) return 'validation';
  if (!monitor.startsWith('val_')) return `"${monitor}"`;
  const base = monitor.slice('val_'.length);
  return `validation ${metricNames[base] ?? base}`;
}

function stepRange(steps: number[]): string {
  const lo = Math.min(...steps);
  const hi = Math.max(...steps);
  return lo === hi
    ? `step ${lo.toLocaleString('en-US')}`
    : `steps ${lo.toLocaleString('en-US')}–${hi.toLocaleString('en-US')}`;
}

/**
 * Which weights a table's test numbers come from, e.g. "Test numbers come from the best validation AUC
 * checkpoint of each run (steps 120–480)."; runs that differ are listed per kind with their counts.
 */
export function checkpointNote(runs: readonly Run[]): string {
  const kinds = new Map<string, number[]>();
  let unrecorded = 0;
  for (const r of runs) {
    if (!r.checkpoint) {
      unrecorded++;
      continue;
    }
    const what = r.checkpoint.kind === 'best' ? `best ${monitorLabel(r.checkpoint.monitor)} checkpoint` : 'last step';
    kinds.set(what, [...(kinds.get(what) ?? []), r.checkpoint.step]);
  }
  const parts = [...kinds].map(([what, steps]) => ({ what, runs: steps.length, detail: stepRange(steps) }));
  if (unrecorded > 0) parts.push({ what: 'last step', runs: unrecorded, detail: 'no checkpoint selection recorded' });
  if (parts.length === 1) return `Test numbers come from the ${parts[0]!.what} of each run (${parts[0]!.detail}).`;
  return `Test numbers come from: ${parts.map((p) => `the ${p.what} (${p.runs} run${p.runs === 1 ? '' : 's'}, ${p.detail})`).join('; ')}.`;
}

/** Where the source weights of the transfer-type runs came from, per source: "…: the synthetic natural set (ResNet50, CBR-Small)". */
export function transferSourceNote(runs: readonly Run[], modelLabel: (id: string) => string): string | undefined {
  const bySource = new Map<string, Set<string>>();
  for (const r of runs)
    if (r.transferSource && r.init.kind !== 'random')
      bySource.set(r.transferSource, (bySource.get(r.transferSource) ?? new Set()).add(r.model));
  if (bySource.size === 0) return undefined;
  const parts = [...bySource].map(([source, models]) =>
    bySource.size === 1 ? source : `${source} (${[...models].map(modelLabel).join(', ')})`,
  );
  return `Transfer, Mean Var, transfusion, Slim and Gabor runs start from source weights pretrained on ${parts.join('; ')}.`;
}

/** The lines under each of a task's tables: which checkpoint, the transfer source, and the task's description. */
export function taskTableNotes(
  task: Task,
  runs: readonly Run[],
  modelLabel: (id: string) => string = (id) => id,
): string[] {
  const source = transferSourceNote(runs, modelLabel);
  return [
    checkpointNote(runs),
    ...(source ? [source] : []),
    ...(task.description ? [`Task ${task.id}: ${task.description}`] : []),
  ];
}
