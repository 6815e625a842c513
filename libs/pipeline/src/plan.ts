import { z } from 'zod';
import { PipelineFileError, UsageError, type FileIssue } from './errors.js';
import { deepMerge, interpolate, InterpolationError } from './interpolate.js';
import type { LoadedPipelineFile, StageEntry } from './pipeline-file.js';
import type { AnyStage, ArtifactKind, StageRegistry } from './stage.js';
import { didYouMean, keysAt } from './suggest.js';

type Scalar = string | number | boolean;

export interface InputRef {
  instance: string;
  output: string;
}

export interface PlannedInput {
  name: string;
  kind: ArtifactKind;
  many: boolean;
  refs: InputRef[];
}

/** One runnable stage instance: a stage of the file, or one combination of its matrix. */
export interface PlannedStage {
  /** Readable id: the stage name, then the matrix values in key order (`train.cbr-small.random.0`). */
  id: string;
  /** The stage's name in the file (the matrix group). */
  group: string;
  uses: string;
  stage: AnyStage;
  /** Validated params, defaults filled in. */
  params: unknown;
  matrix: Record<string, Scalar>;
  inputs: PlannedInput[];
  outputs: Record<string, ArtifactKind>;
}

export interface Plan {
  file: LoadedPipelineFile;
  /** In dependency order: every stage comes after all stages it needs. */
  stages: PlannedStage[];
  byId: ReadonlyMap<string, PlannedStage>;
}

/** The matrix's axes with `${vars.NAME}` references replaced by their lists (each a non-empty list of scalars). */
function matrixAxes(axes: Record<string, unknown>, vars: Record<string, unknown>, path: (string | number)[]): Record<string, Scalar[]> {
  const out: Record<string, Scalar[]> = {};
  for (const [key, raw] of Object.entries(axes)) {
    const values = interpolate(raw, { matrix: {}, vars }, [...path, key]);
    const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (!Array.isArray(values) || values.length === 0 || !values.every(isScalar)) {
      throw new InterpolationError([...path, key], `${String(raw)} must name a non-empty list of strings, numbers or booleans in vars, got ${JSON.stringify(values)}`);
    }
    out[key] = values;
  }
  return out;
}

function expandMatrix(entry: StageEntry, vars: Record<string, unknown>, path: (string | number)[]): Record<string, Scalar>[] {
  if (!entry.matrix) return [{}];
  const { include = [], exclude = [], ...rawAxes } = entry.matrix;
  const axes = matrixAxes(rawAxes, vars, path);
  let combos: Record<string, Scalar>[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  combos = combos.filter((c) => !exclude.some((ex) => Object.entries(ex).every(([k, v]) => c[k] === v)));
  return [...combos, ...include];
}

function idSegment(v: Scalar): string {
  return String(v).replace(/[^A-Za-z0-9_.+-]/g, '_');
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Expands, interpolates and validates a loaded pipeline file against the registry. Throws every problem at once. */
export function planPipeline(file: LoadedPipelineFile, registry: StageRegistry): Plan {
  const issues: FileIssue[] = [];
  const { content } = file;
  const stages: PlannedStage[] = [];
  const groups = new Map<string, PlannedStage[]>();
  const needsByInstance = new Map<PlannedStage, Record<string, string | string[]>>();
  /** Stages with an instance whose params are invalid: references to them are not reported again as missing. */
  const invalidGroups = new Set<string>();
  const reported = new Set<string>();

  for (const uses of Object.keys(content.defaults)) {
    if (!registry.has(uses)) issues.push(file.issue(['defaults', uses], `defaults for unknown stage '${uses}'${didYouMean(uses, registry.keys())}; registered: ${[...registry.keys()].join(', ')}`));
  }

  for (const [group, entry] of Object.entries(content.stages)) {
    const stage = registry.get(entry.uses);
    if (!stage) {
      issues.push(file.issue(['stages', group, 'uses'], `unknown stage '${entry.uses}'${didYouMean(entry.uses, registry.keys())}; registered: ${[...registry.keys()].join(', ')}`));
      continue;
    }
    let outputs: Record<string, ArtifactKind>;
    if (stage.outputs === 'declared') {
      if (!entry.outputs || entry.outputs.length === 0) {
        issues.push(file.issue(['stages', group], `stage '${entry.uses}' needs \`outputs: [NAME, ...]\`: the names of what the command writes`));
        continue;
      }
      outputs = Object.fromEntries(entry.outputs.map((o) => [o, 'any' as const]));
    } else {
      if (entry.outputs) issues.push(file.issue(['stages', group, 'outputs'], `stage '${entry.uses}' has fixed outputs (${Object.keys(stage.outputs).join(', ')}); remove \`outputs\``));
      outputs = stage.outputs as Record<string, ArtifactKind>;
    }
    const instances: PlannedStage[] = [];
    let combos: Record<string, Scalar>[];
    try {
      combos = expandMatrix(entry, content.vars, ['stages', group, 'matrix']);
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      issues.push(file.issue(e.path, e.message));
      continue;
    }
    for (const combo of combos) {
      const id = [group, ...Object.values(combo).map(idSegment)].join('.');
      const scope = { matrix: combo, vars: content.vars };
      let withValue: unknown;
      let needs: Record<string, string | string[]>;
      try {
        withValue = interpolate(deepMerge(content.defaults[entry.uses] ?? {}, entry.with), scope, ['stages', group, 'with']);
        needs = interpolate(entry.needs, scope, ['stages', group, 'needs']) as Record<string, string | string[]>;
      } catch (e) {
        if (!(e instanceof InterpolationError)) throw e;
        issues.push(file.issue(e.path, e.message));
        continue;
      }
      const params = stage.params.safeParse(withValue);
      if (!params.success) {
        invalidGroups.add(group);
        const where = Object.keys(combo).length ? ` (instance ${id})` : '';
        for (const i of (params.error as z.ZodError).issues) {
          const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
          const known = i.code === 'unrecognized_keys' ? keysAt(stage.params, i.path) : [];
          const msg = i.code === 'unrecognized_keys' ? `unknown param${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `${k}${didYouMean(k, known)}`).join(', ')} for stage '${entry.uses}'` : i.message;
          // the same problem in every instance of a matrix stage is said once, for the first
          const seen = `${group}\u0000${path.join('.')}\u0000${msg}`;
          if (reported.has(seen)) continue;
          reported.add(seen);
          issues.push(file.issue(['stages', group, 'with', ...(path as (string | number)[])], msg + where));
        }
        continue;
      }
      const planned: PlannedStage = { id, group, uses: entry.uses, stage, params: params.data, matrix: combo, inputs: [], outputs };
      if (stages.some((s) => s.id === id) || instances.some((s) => s.id === id)) {
        issues.push(file.issue(['stages', group, 'matrix'], `two instances get the id ${id}; make the matrix values distinct`));
        continue;
      }
      instances.push(planned);
      needsByInstance.set(planned, needs);
    }
    if (entry.matrix) groups.set(group, instances);
    stages.push(...instances);
  }
  const byId = new Map(stages.map((s) => [s.id, s]));

  /** `STAGE.OUTPUT` → the instances it names: one instance, every instance of a matrix stage, or a `*` pattern. */
  const resolveRef = (ref: string): { producers: PlannedStage[]; output: string; many: boolean } | { error: string } => {
    const dot = ref.lastIndexOf('.');
    if (dot <= 0) return { error: `expected STAGE.OUTPUT (e.g. make.table), got '${ref}'` };
    const target = ref.slice(0, dot);
    const output = ref.slice(dot + 1);
    const many = target.includes('*') || groups.has(target);
    const producers = target.includes('*')
      ? stages.filter((p) => globToRegExp(target).test(p.id))
      : (groups.get(target) ?? (byId.has(target) ? [byId.get(target)!] : []));
    if (producers.length === 0) return { error: `'${ref}' names no stage of this pipeline (missing upstream '${target}')${didYouMean(target, [...groups.keys(), ...byId.keys()])}` };
    return { producers, output, many };
  };

  // Resolve `needs` now that every instance exists.
  for (const s of stages) {
    const needs = needsByInstance.get(s)!;
    const declared = s.stage.inputs as Record<string, { kind: ArtifactKind; many?: boolean; optional?: boolean }>;
    for (const [name, spec] of Object.entries(declared)) {
      if (!spec.optional && !(name in needs)) issues.push(file.issue(['stages', s.group, 'needs'], `missing input '${name}' (${spec.kind}) of stage '${s.uses}'`));
    }
    for (const [name, value] of Object.entries(needs)) {
      const path = ['stages', s.group, 'needs', name];
      const spec = declared[name] ?? (s.stage.openInputs ? { kind: 'any' as const } : undefined);
      if (!spec) {
        issues.push(file.issue(path, `stage '${s.uses}' has no input '${name}'${didYouMean(name, Object.keys(declared))}; its inputs: ${Object.keys(declared).join(', ') || 'none'}`));
        continue;
      }
      const refs: InputRef[] = [];
      let many = Array.isArray(value);
      let ok = true;
      for (const [i, ref] of (Array.isArray(value) ? value : [value]).entries()) {
        const at = Array.isArray(value) ? [...path, i] : path;
        const resolved = resolveRef(ref);
        if ('error' in resolved) {
          const target = ref.slice(0, Math.max(0, ref.lastIndexOf('.')));
          const invalid = [...invalidGroups].some((g) => target === g || target.startsWith(`${g}.`));
          if (!invalid) issues.push(file.issue(at, resolved.error)); // else: its own problem is reported already
          ok = false;
          continue;
        }
        many ||= resolved.many;
        for (const p of resolved.producers) {
          const kind = p.outputs[resolved.output];
          if (kind === undefined) {
            issues.push(file.issue(at, `stage ${p.id} has no output '${resolved.output}'${didYouMean(resolved.output, Object.keys(p.outputs))}; its outputs: ${Object.keys(p.outputs).join(', ')}`));
            ok = false;
            break;
          }
          if (kind !== spec.kind && kind !== 'any' && spec.kind !== 'any') {
            issues.push(file.issue(at, `input '${name}' expects a ${spec.kind}, but ${p.id}.${resolved.output} is a ${kind}`));
            ok = false;
            break;
          }
          refs.push({ instance: p.id, output: resolved.output });
        }
      }
      if (!ok) continue;
      if (many && !spec.many && !s.stage.openInputs) {
        issues.push(file.issue(path, `${JSON.stringify(value)} names ${refs.length} instances but input '${name}' of '${s.uses}' takes one; name one instance, e.g. ${refs[0]!.instance}.${refs[0]!.output}`));
        continue;
      }
      s.inputs.push({ name, kind: spec.kind, many: many || Boolean(spec.many), refs });
    }
  }
  if (issues.length) throw new PipelineFileError(issues);

  return { file, stages: topoSort(file, stages, byId), byId };
}

function topoSort(file: LoadedPipelineFile, stages: PlannedStage[], byId: Map<string, PlannedStage>): PlannedStage[] {
  const order: PlannedStage[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: PlannedStage, trail: string[]): void => {
    const st = state.get(s.id);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(s.id)), s.id];
      throw new PipelineFileError([file.issue(['stages', s.group, 'needs'], `cycle: ${cycle.join(' → ')}`)]);
    }
    state.set(s.id, 'visiting');
    for (const input of s.inputs) for (const ref of input.refs) visit(byId.get(ref.instance)!, [...trail, s.id]);
    state.set(s.id, 'done');
    order.push(s);
  };
  for (const s of stages) visit(s, []);
  return order;
}

/** The instances a name matches: an instance id, a stage (group) name or a `*` pattern; a usage error naming `flag` if none. */
export function matchStages(plan: Plan, flag: string, name: string): PlannedStage[] {
  const matches = plan.stages.filter((s) => s.id === name || s.group === name || (name.includes('*') && globToRegExp(name).test(s.id)));
  if (matches.length === 0) {
    const groups = [...new Set(plan.stages.map((s) => s.group))];
    throw new UsageError(`${flag} ${name}: no such stage in ${plan.file.file}${didYouMean(name, [...groups, ...plan.stages.map((s) => s.id)])}; stages: ${groups.join(', ')}`);
  }
  return matches;
}

/** The given instances and everything they need, transitively. */
export function upstreamOf(plan: Plan, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const add = (id: string): void => {
    if (out.has(id)) return;
    out.add(id);
    for (const input of plan.byId.get(id)!.inputs) for (const ref of input.refs) add(ref.instance);
  };
  for (const id of ids) add(id);
  return out;
}

/** The given instances and everything that depends on them, transitively. */
export function downstreamOf(plan: Plan, ids: Iterable<string>): Set<string> {
  const out = new Set(ids);
  // plan.stages is in dependency order: one pass sees every upstream before its dependents
  for (const s of plan.stages) {
    if (out.has(s.id)) continue;
    if (s.inputs.some((i) => i.refs.some((r) => out.has(r.instance)))) out.add(s.id);
  }
  return out;
}

export interface Selection {
  /** `--only`: these stages and what they need. */
  only?: readonly string[];
  /** `--until`: these stages and everything they need (the same closure as `only`; both may be given). */
  until?: readonly string[];
  /** `--downstream`: these stages and everything after them (plus what those need, which is usually cached). */
  downstream?: readonly string[];
}

/**
 * The selected stages in plan order. `only`/`until` name targets whose upstream closure is selected; `downstream`
 * names stages whose dependents are selected. Given both, the stages between them (downstream of the one, upstream
 * of the other). Whatever a selected stage needs is selected too, so the run can resolve its inputs.
 */
export function selectStages(plan: Plan, only: readonly string[], more: Omit<Selection, 'only'> = {}): PlannedStage[] {
  const targets = [...only.map((n) => ['--only', n] as const), ...(more.until ?? []).map((n) => ['--until', n] as const)];
  const down = more.downstream ?? [];
  if (targets.length === 0 && down.length === 0) return plan.stages;
  const up = targets.length ? upstreamOf(plan, targets.flatMap(([flag, n]) => matchStages(plan, flag, n).map((s) => s.id))) : null;
  const after = down.length ? downstreamOf(plan, down.flatMap((n) => matchStages(plan, '--downstream', n).map((s) => s.id))) : null;
  const core = up && after ? [...after].filter((id) => up.has(id)) : [...(after ?? up!)];
  const wanted = upstreamOf(plan, core);
  return plan.stages.filter((s) => wanted.has(s.id));
}

