import type { z } from 'zod';
import type { ArtifactKind } from './artifact-kind.js';
import { PipelineFileError, UsageError, type FileIssue, type KindMismatch } from './errors.js';
import { deepMerge, interpolate, InterpolationError } from './interpolate.js';
import type { LoadedPipelineFile, StageEntry } from './pipeline-file.js';
import { kindsOf, portKinds, type AnyStage, type InputSpec, type StageRegistry } from './stage.js';
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
function matrixAxes(
  axes: Record<string, unknown>,
  vars: Record<string, unknown>,
  path: (string | number)[],
): Record<string, Scalar[]> {
  const out: Record<string, Scalar[]> = {};
  for (const [key, raw] of Object.entries(axes)) {
    const values = interpolate(raw, { matrix: {}, vars }, [...path, key]);
    const isScalar = (v: unknown): v is Scalar =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (!Array.isArray(values) || values.length === 0 || !values.every(isScalar)) {
      throw new InterpolationError(
        [...path, key],
        `${String(raw)} must name a non-empty list of strings, numbers or booleans in vars, got ${JSON.stringify(values)}`,
      );
    }
    out[key] = values;
  }
  return out;
}

function expandMatrix(
  entry: StageEntry,
  vars: Record<string, unknown>,
  path: (string | number)[],
): Record<string, Scalar>[] {
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

/** What planning has found so far: the problems, and the instances with their still unresolved `needs`. */
interface Planning {
  file: LoadedPipelineFile;
  registry: StageRegistry;
  issues: FileIssue[];
  stages: PlannedStage[];
  /** Matrix stages: group name → its instances. */
  groups: Map<string, PlannedStage[]>;
  needs: Map<PlannedStage, Record<string, string | string[]>>;
  /** Stages with an instance whose params are invalid: references to them are not reported again as missing. */
  invalidGroups: Set<string>;
  /** Param problems already said for a group (the same problem in every instance of a matrix is said once). */
  reported: Set<string>;
}

/**
 * Expands, interpolates and validates a loaded pipeline file against the registry. Throws every problem at once:
 * unknown stages, bad params, dangling references and mis-wired edges (an input given another kind of artifact).
 */
export function planPipeline(file: LoadedPipelineFile, registry: StageRegistry): Plan {
  const planning: Planning = {
    file,
    registry,
    issues: [],
    stages: [],
    groups: new Map(),
    needs: new Map(),
    invalidGroups: new Set(),
    reported: new Set(),
  };
  checkDefaults(planning);
  for (const [group, entry] of Object.entries(file.content.stages)) planGroup(planning, group, entry);
  const byId = new Map(planning.stages.map((s) => [s.id, s]));
  for (const s of planning.stages) wireInputs(planning, s, byId);
  if (planning.issues.length) throw new PipelineFileError(planning.issues);
  return { file, stages: topoSort(file, planning.stages, byId), byId };
}

function checkDefaults({ file, registry, issues }: Planning): void {
  for (const uses of Object.keys(file.content.defaults)) {
    if (!registry.has(uses))
      issues.push(
        file.issue(
          ['defaults', uses],
          `defaults for unknown stage '${uses}'${didYouMean(uses, registry.keys())}; registered: ${[...registry.keys()].join(', ')}`,
        ),
      );
  }
}

/** One stage of the file: its instances (one, or one per matrix combination), each with validated params. */
function planGroup(planning: Planning, group: string, entry: StageEntry): void {
  const { file, registry, issues } = planning;
  const stage = registry.get(entry.uses);
  if (!stage) {
    issues.push(
      file.issue(
        ['stages', group, 'uses'],
        `unknown stage '${entry.uses}'${didYouMean(entry.uses, registry.keys())}; registered: ${[...registry.keys()].join(', ')}`,
      ),
    );
    return;
  }
  const outputs = outputsOf(planning, group, entry, stage);
  if (!outputs) return;
  let combos: Record<string, Scalar>[];
  try {
    combos = expandMatrix(entry, file.content.vars, ['stages', group, 'matrix']);
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    issues.push(file.issue(e.path, e.message));
    return;
  }
  const instances: PlannedStage[] = [];
  for (const combo of combos) {
    const planned = planInstance(planning, group, entry, stage, combo, outputs);
    if (!planned) continue;
    if (planning.stages.some((s) => s.id === planned.id) || instances.some((s) => s.id === planned.id)) {
      issues.push(
        file.issue(
          ['stages', group, 'matrix'],
          `two instances get the id ${planned.id}; make the matrix values distinct`,
        ),
      );
      continue;
    }
    instances.push(planned);
  }
  if (entry.matrix) planning.groups.set(group, instances);
  planning.stages.push(...instances);
}

/** The stage's outputs with their kinds: fixed by the stage, or declared by the file with kinds the registry knows. */
function outputsOf(
  { file, registry, issues }: Planning,
  group: string,
  entry: StageEntry,
  stage: AnyStage,
): Record<string, ArtifactKind> | undefined {
  if (stage.outputs !== 'declared') {
    if (entry.outputs)
      issues.push(
        file.issue(
          ['stages', group, 'outputs'],
          `stage '${entry.uses}' has fixed outputs (${Object.keys(stage.outputs).join(', ')}); remove \`outputs\``,
        ),
      );
    return portKinds(stage).outputs;
  }
  const kinds = kindsOf(registry);
  const known = [...kinds.keys()].join(', ');
  if (!entry.outputs || Object.keys(entry.outputs).length === 0) {
    issues.push(
      file.issue(
        ['stages', group],
        `stage '${entry.uses}' needs \`outputs: { NAME: KIND }\`: what the command writes and its kind (${known})`,
      ),
    );
    return undefined;
  }
  if (Array.isArray(entry.outputs)) {
    const example = entry.outputs.map((o) => `${o}: table`).join(', ');
    issues.push(
      file.issue(
        ['stages', group, 'outputs'],
        `say the kind of each output: \`outputs: { ${example} }\`, each kind one of ${known}`,
      ),
    );
    return undefined;
  }
  const outputs: Record<string, ArtifactKind> = {};
  for (const [name, kindName] of Object.entries(entry.outputs)) {
    const kind = kinds.get(kindName);
    if (kind) outputs[name] = kind;
    else
      issues.push(
        file.issue(
          ['stages', group, 'outputs', name],
          `unknown artifact kind '${kindName}'${didYouMean(kindName, kinds.keys())}; kinds: ${known}`,
        ),
      );
  }
  return Object.keys(outputs).length === Object.keys(entry.outputs).length ? outputs : undefined;
}

/** One instance: `with` and `needs` interpolated for its matrix combination, params validated by the stage's schema. */
function planInstance(
  planning: Planning,
  group: string,
  entry: StageEntry,
  stage: AnyStage,
  combo: Record<string, Scalar>,
  outputs: Record<string, ArtifactKind>,
): PlannedStage | undefined {
  const { file, issues } = planning;
  const { vars, defaults } = file.content;
  const id = [group, ...Object.values(combo).map(idSegment)].join('.');
  const scope = { matrix: combo, vars };
  let withValue: unknown;
  let needs: Record<string, string | string[]>;
  try {
    withValue = interpolate(deepMerge(defaults[entry.uses] ?? {}, entry.with), scope, ['stages', group, 'with']);
    needs = interpolate(entry.needs, scope, ['stages', group, 'needs']) as Record<string, string | string[]>;
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    issues.push(file.issue(e.path, e.message));
    return undefined;
  }
  const params = stage.params.safeParse(withValue);
  if (!params.success) {
    planning.invalidGroups.add(group);
    reportParamIssues(
      planning,
      group,
      entry.uses,
      stage,
      Object.keys(combo).length ? ` (instance ${id})` : '',
      params.error as z.ZodError,
    );
    return undefined;
  }
  const planned: PlannedStage = {
    id,
    group,
    uses: entry.uses,
    stage,
    params: params.data,
    matrix: combo,
    inputs: [],
    outputs,
  };
  planning.needs.set(planned, needs);
  return planned;
}

function reportParamIssues(
  planning: Planning,
  group: string,
  uses: string,
  stage: AnyStage,
  where: string,
  error: z.ZodError,
): void {
  for (const i of error.issues) {
    const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
    const known = i.code === 'unrecognized_keys' ? keysAt(stage.params, i.path) : [];
    const msg =
      i.code === 'unrecognized_keys'
        ? `unknown param${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `${k}${didYouMean(k, known)}`).join(', ')} for stage '${uses}'`
        : i.message;
    // the same problem in every instance of a matrix stage is said once, for the first
    const seen = `${group}\u0000${path.join('.')}\u0000${msg}`;
    if (planning.reported.has(seen)) continue;
    planning.reported.add(seen);
    planning.issues.push(planning.file.issue(['stages', group, 'with', ...(path as (string | number)[])], msg + where));
  }
}

/** `STAGE.OUTPUT` → the instances it names: one instance, every instance of a matrix stage, or a `*` pattern. */
function resolveRef(
  planning: Planning,
  byId: ReadonlyMap<string, PlannedStage>,
  ref: string,
): { producers: PlannedStage[]; output: string; many: boolean } | { error: string } {
  const dot = ref.lastIndexOf('.');
  if (dot <= 0) return { error: `expected STAGE.OUTPUT (e.g. make.table), got '${ref}'` };
  const target = ref.slice(0, dot);
  const output = ref.slice(dot + 1);
  const { groups, stages } = planning;
  const many = target.includes('*') || groups.has(target);
  const producers = target.includes('*')
    ? stages.filter((p) => globToRegExp(target).test(p.id))
    : (groups.get(target) ?? (byId.has(target) ? [byId.get(target)!] : []));
  if (producers.length === 0)
    return {
      error: `'${ref}' names no stage of this pipeline (missing upstream '${target}')${didYouMean(target, [...groups.keys(), ...byId.keys()])}`,
    };
  return { producers, output, many };
}

/** Resolves an instance's `needs` into inputs, now that every instance exists; checks each edge's kinds. */
function wireInputs(planning: Planning, s: PlannedStage, byId: ReadonlyMap<string, PlannedStage>): void {
  const { file, issues } = planning;
  const needs = planning.needs.get(s)!;
  const declared = s.stage.inputs as Record<string, InputSpec>;
  const kinds = portKinds(s.stage).inputs;
  for (const [name, spec] of Object.entries(declared)) {
    if (!spec.optional && !(name in needs))
      issues.push(
        file.issue(['stages', s.group, 'needs'], `missing input '${name}' (${kinds[name]!.name}) of stage '${s.uses}'`),
      );
  }
  for (const [name, value] of Object.entries(needs)) {
    const path = ['stages', s.group, 'needs', name];
    if (!declared[name] && !s.stage.openInputs) {
      issues.push(
        file.issue(
          path,
          `stage '${s.uses}' has no input '${name}'${didYouMean(name, Object.keys(declared))}; its inputs: ${Object.keys(declared).join(', ') || 'none'}`,
        ),
      );
      continue;
    }
    const input = wireInput(planning, s, byId, name, value, kinds[name]);
    if (!input) continue;
    if (input.many && !declared[name]?.many && !s.stage.openInputs) {
      const [first] = input.refs;
      issues.push(
        file.issue(
          path,
          `${JSON.stringify(value)} names ${input.refs.length} instances but input '${name}' of '${s.uses}' takes one; name one instance, e.g. ${first!.instance}.${first!.output}`,
        ),
      );
      continue;
    }
    s.inputs.push({ ...input, many: input.many || Boolean(declared[name]?.many) });
  }
}

/**
 * One input's references, resolved. `expected` is the kind the port takes; an open input (an `exec` stage's) takes
 * its producers' kind, which must then be one kind for all of them.
 */
function wireInput(
  planning: Planning,
  s: PlannedStage,
  byId: ReadonlyMap<string, PlannedStage>,
  name: string,
  value: string | string[],
  expected: ArtifactKind | undefined,
): PlannedInput | undefined {
  const { file, issues } = planning;
  const path = ['stages', s.group, 'needs', name];
  const refs: InputRef[] = [];
  let kind = expected;
  let many = Array.isArray(value);
  let ok = true;
  for (const [i, ref] of (Array.isArray(value) ? value : [value]).entries()) {
    const at = Array.isArray(value) ? [...path, i] : path;
    const resolved = resolveRef(planning, byId, ref);
    if ('error' in resolved) {
      const target = ref.slice(0, Math.max(0, ref.lastIndexOf('.')));
      const invalid = [...planning.invalidGroups].some((g) => target === g || target.startsWith(`${g}.`));
      if (!invalid) issues.push(file.issue(at, resolved.error)); // else: its own problem is reported already
      ok = false;
      continue;
    }
    many ||= resolved.many;
    for (const p of resolved.producers) {
      const got = p.outputs[resolved.output];
      if (got === undefined) {
        issues.push(
          file.issue(
            at,
            `stage ${p.id} has no output '${resolved.output}'${didYouMean(resolved.output, Object.keys(p.outputs))}; its outputs: ${Object.keys(p.outputs).join(', ')}`,
          ),
        );
        ok = false;
        break;
      }
      kind ??= got;
      if (got.name !== kind.name) {
        const mismatch: KindMismatch = {
          instance: s.id,
          input: name,
          expected: kind.name,
          got: got.name,
          from: `${p.id}.${resolved.output}`,
        };
        const takes = expected ? `expects ${kind.name}` : `takes one kind (${kind.name}, from the first reference)`;
        issues.push({
          ...file.issue(at, `stage ${s.id}: input '${name}' ${takes}, but ${mismatch.from} is ${got.name}`),
          mismatch,
        });
        ok = false;
        break;
      }
      refs.push({ instance: p.id, output: resolved.output });
    }
  }
  return ok && kind ? { name, kind, many, refs } : undefined;
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
  const matches = plan.stages.filter(
    (s) => s.id === name || s.group === name || (name.includes('*') && globToRegExp(name).test(s.id)),
  );
  if (matches.length === 0) {
    const groups = [...new Set(plan.stages.map((s) => s.group))];
    throw new UsageError(
      `${flag} ${name}: no such stage in ${plan.file.file}${didYouMean(name, [...groups, ...plan.stages.map((s) => s.id)])}; stages: ${groups.join(', ')}`,
    );
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
  const targets = [
    ...only.map((n) => ['--only', n] as const),
    ...(more.until ?? []).map((n) => ['--until', n] as const),
  ];
  const down = more.downstream ?? [];
  if (targets.length === 0 && down.length === 0) return plan.stages;
  const up = targets.length
    ? upstreamOf(
        plan,
        targets.flatMap(([flag, n]) => matchStages(plan, flag, n).map((s) => s.id)),
      )
    : null;
  const after = down.length
    ? downstreamOf(
        plan,
        down.flatMap((n) => matchStages(plan, '--downstream', n).map((s) => s.id)),
      )
    : null;
  const core = up && after ? [...after].filter((id) => up.has(id)) : [...(after ?? up!)];
  const wanted = upstreamOf(plan, core);
  return plan.stages.filter((s) => wanted.has(s.id));
}
