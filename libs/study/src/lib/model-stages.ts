import type { ModelInfo } from '@transfusion/report/schemas';

/**
 * The report's models with `stages` (body stages, input to output) filled in: a model's own `stages` if the pipeline
 * gives them, else the zoo model its id names (`resnet50`, `inception-v3`, `cbr-tiny-32`, ...), else, for a hybrid,
 * its base model's (`hybridOf`, or the id without the `-slim` the train stage appends). Models none of these name
 * keep no `stages` (the report then assumes the paper's ResNet names).
 */
export function withStages(models: readonly ModelInfo[], zooStages: (id: string) => string[] | undefined): ModelInfo[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const stagesFor = (m: ModelInfo, seen: ReadonlySet<string>): string[] | undefined => {
    if (m.stages) return m.stages;
    const own = zooStages(m.id);
    if (own) return own;
    const baseId = m.hybridOf ?? (m.id.endsWith('-slim') ? m.id.slice(0, -'-slim'.length) : undefined);
    if (baseId === undefined || seen.has(baseId)) return undefined;
    const base = byId.get(baseId);
    return base ? stagesFor(base, new Set([...seen, m.id])) : zooStages(baseId);
  };
  return models.map((m) => {
    const stages = stagesFor(m, new Set([m.id]));
    return stages ? { ...m, stages } : m;
  });
}
