import { z } from 'zod';
import type { Table } from 'apache-arrow';
import type { Tensor } from '@transfusion/arrow-io';
import {
  ARTIFACT_STORAGES,
  BUILTIN_KINDS,
  kindOf,
  type ArtifactKind,
  type ArtifactStorage,
  type KindOf,
  type KindRef,
} from './artifact-kind.js';

export interface InputSpec {
  kind: KindRef;
  /** The input takes every instance a reference names (a matrix group or a `*` pattern), in plan order. */
  many?: boolean;
  optional?: boolean;
}

/** A folder of files as a stage sees it: an absolute folder path and its files, relative, sorted. */
export interface FilesValue {
  dir: string;
  files: string[];
}

/** An artifact a stage reads itself (a kind handed as `path`): the path of `NAME.arrow` or of the folder `NAME/`. */
export interface PathValue {
  path: string;
  isDirectory: boolean;
}

type LoadedValue<S extends ArtifactStorage> = S extends 'table'
  ? Table
  : S extends 'tensor'
    ? Tensor
    : S extends 'tensors'
      ? Record<string, Tensor>
      : FilesValue;
type ReturnedValue<S extends ArtifactStorage> = S extends 'table'
  ? Table
  : S extends 'tensor'
    ? Tensor
    : S extends 'tensors'
      ? Record<string, Tensor>
      : Record<string, Uint8Array | string>;

export type ValueOf<R extends KindRef> = KindOf<R>['handedAs'] extends 'path'
  ? PathValue
  : LoadedValue<KindOf<R>['storage']>;

/**
 * What `run` returns for an output: a table, tensor or record of tensors, or for `files` relative path → content.
 * Kinds handed as `path` are written by the stage itself into `ctx.outDir`.
 */
export type OutputValueOf<R extends KindRef> = KindOf<R>['handedAs'] extends 'path'
  ? undefined
  : ReturnedValue<KindOf<R>['storage']>;

type InputValue<S extends InputSpec> = S['many'] extends true ? ValueOf<S['kind']>[] : ValueOf<S['kind']>;
export type InputValues<I extends Record<string, InputSpec>> = { [K in keyof I]: InputValue<I[K]> };
export type OutputValues<O extends Record<string, KindRef>> = { [K in keyof O]: OutputValueOf<O[K]> };

export interface StageContext<P, I extends Record<string, InputSpec>> {
  params: P;
  inputs: InputValues<I>;
  /** File or folder path of each input (a list for `many` inputs), for stages that stream from disk. */
  inputPaths: Record<string, string | string[]>;
  /** Names of the outputs this instance must produce (for stages whose outputs the pipeline file declares). */
  outputNames: string[];
  /** An empty private folder; outputs of kinds handed as `path` are written here as `NAME.arrow` or `NAME/`. */
  outDir: string;
  /**
   * The stage's working folder for state worth keeping when an attempt dies (resume checkpoints of a long
   * training): it belongs to the cache key, survives a failed, interrupted or killed attempt, is found again by the
   * next attempt of the same key (on any machine sharing the store) and is removed once the outputs are committed.
   * Never an output; stages do no other bookkeeping of it.
   */
  workDir: string;
  /** The pipeline file's folder: relative paths in params are relative to it. */
  pipelineDir: string;
  /** A line of progress or log on stderr; the engine shows the latest one next to the stage. */
  log(message: string): void;
  /**
   * Not aborted by the engine: an interrupted run stops a stage by sending SIGTERM (then SIGKILL) to its whole
   * process group, which ends it at once even in the middle of a long computation. Kept for code that takes one.
   */
  signal: AbortSignal;
}

export interface StageDefinition<
  P extends z.ZodType = z.ZodType,
  I extends Record<string, InputSpec> = Record<string, InputSpec>,
  O extends Record<string, KindRef> = Record<string, KindRef>,
> {
  /** The name pipeline files use in `uses:`. */
  id: string;
  /** `import.meta.url` of the module that defines the stage: its code closure is part of the cache key. */
  source: string;
  description: string;
  params: P;
  inputs: I;
  /** Fixed outputs, or `declared`: the pipeline file names them with their kinds (`outputs: { a: table }`). */
  outputs: O | 'declared';
  /** Inputs are named by the pipeline file (`needs`); each takes its producer's kind and is handed as a path. */
  openInputs?: boolean;
  /** Environment variables whose values change the result: their values go into the cache key. */
  env?: string[];
  /** Facts about the runtime that change the result (e.g. the compute backend): part of the cache key. */
  runtimeFacts?: () => Promise<Record<string, string>>;
  /** Files (relative to the pipeline file) whose content is part of the stage's code, from its params. */
  codeFiles?: (params: z.output<P>) => string[];
  /**
   * Files or folders outside the store that the stage reads (a user's dataset), from its params; relative to the
   * pipeline file unless absolute. The engine fingerprints them into the key (data-fingerprint.ts), so editing a
   * label file or adding images reruns the stage.
   */
  dataPaths?: (params: z.output<P>) => string[];
  /** Resource class, for executors that route stages (`cpu` or `gpu`). */
  resources?: 'cpu' | 'gpu';
  run(
    ctx: StageContext<z.output<P>, I>,
    // biome-ignore lint/suspicious/noConfusingVoidType: a stage whose outputs it writes itself returns nothing
  ): Promise<O extends Record<string, KindRef> ? Partial<OutputValues<O>> | void : void>;
}

// Any stage definition, whatever its params/inputs/outputs. `any` because the definition is contravariant in
// its `run` context; registries hold heterogeneous stages and validate params with the stage's own schema.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyStage = StageDefinition<any, any, any>;

const builtinNames = Object.keys(BUILTIN_KINDS) as [keyof typeof BUILTIN_KINDS, ...(keyof typeof BUILTIN_KINDS)[]];
// A kind object is checked where it is defined (defineArtifactKind); here only that a port names one.
const kindRefShape = z.union([
  z.enum(builtinNames),
  z.custom<ArtifactKind>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      'name' in v &&
      'storage' in v &&
      ARTIFACT_STORAGES.includes((v as ArtifactKind).storage),
    'a built-in kind name (table, tensor, tensors, files) or an artifact kind (defineArtifactKind)',
  ),
]);

const definitionShape = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case id: letters, digits and dashes'),
  source: z.string().startsWith('file:', 'import.meta.url of the defining module'),
  description: z.string().min(1),
  inputs: z.record(
    z.string(),
    z.object({ kind: kindRefShape, many: z.boolean().optional(), optional: z.boolean().optional() }),
  ),
  outputs: z.union([z.literal('declared'), z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), kindRefShape)]),
});

/** Defines a stage once; checked here so a malformed definition fails at import, not mid-run. */
export function defineStage<
  P extends z.ZodType,
  const I extends Record<string, InputSpec>,
  const O extends Record<string, KindRef> | 'declared',
>(def: {
  id: string;
  source: string;
  description: string;
  params: P;
  inputs: I;
  outputs: O;
  openInputs?: boolean;
  env?: string[];
  runtimeFacts?: () => Promise<Record<string, string>>;
  codeFiles?: (params: z.output<P>) => string[];
  dataPaths?: (params: z.output<P>) => string[];
  resources?: 'cpu' | 'gpu';
  run(
    ctx: StageContext<z.output<P>, I>,
    // biome-ignore lint/suspicious/noConfusingVoidType: a stage whose outputs it writes itself returns nothing
  ): Promise<O extends Record<string, KindRef> ? Partial<OutputValues<O>> | void : void>;
}): StageDefinition<P, I, O extends Record<string, KindRef> ? O : Record<string, KindRef>> {
  const checked = definitionShape.safeParse(def);
  if (!checked.success) {
    throw new TypeError(`stage definition ${def.id ?? '(no id)'}: ${z.prettifyError(checked.error)}`);
  }
  if (!(def.params instanceof z.ZodType))
    throw new TypeError(`stage definition ${def.id}: params must be a zod schema`);
  return def as unknown as StageDefinition<P, I, O extends Record<string, KindRef> ? O : Record<string, KindRef>>;
}

/** The stages a pipeline may use, by id. A registry module exports it as `stages`. */
export type StageRegistry = ReadonlyMap<string, AnyStage>;

export function makeRegistry(stages: readonly AnyStage[]): StageRegistry {
  const map = new Map<string, AnyStage>();
  for (const s of stages) {
    if (map.has(s.id)) throw new TypeError(`two stages are registered as ${s.id}`);
    map.set(s.id, s);
  }
  kindsOf(map); // two different kinds under one name fail here, when the registry is made
  return map;
}

/** The ports of a stage with their kinds: what the planner wires and the runner loads. */
export function portKinds(stage: AnyStage): {
  inputs: Record<string, ArtifactKind>;
  outputs: Record<string, ArtifactKind>;
} {
  const inputs = Object.fromEntries(
    Object.entries(stage.inputs as Record<string, InputSpec>).map(([name, spec]) => [name, kindOf(spec.kind)]),
  );
  const outputs =
    stage.outputs === 'declared'
      ? {}
      : Object.fromEntries(
          Object.entries(stage.outputs as Record<string, KindRef>).map(([name, ref]) => [name, kindOf(ref)]),
        );
  return { inputs, outputs };
}

const kindsCache = new WeakMap<StageRegistry, ReadonlyMap<string, ArtifactKind>>();

/**
 * Every kind a registry knows, by name: the built-ins and those its stages' ports name. A pipeline file names kinds
 * (a `declared` output's kind) from this list; the stage process resolves the kind names of its job with it.
 */
export function kindsOf(registry: StageRegistry): ReadonlyMap<string, ArtifactKind> {
  const cached = kindsCache.get(registry);
  if (cached) return cached;
  const kinds = new Map<string, ArtifactKind>(Object.values(BUILTIN_KINDS).map((k) => [k.name, k]));
  for (const stage of registry.values()) {
    const { inputs, outputs } = portKinds(stage);
    for (const [port, kind] of [...Object.entries(inputs), ...Object.entries(outputs)]) {
      const known = kinds.get(kind.name);
      if (known && known !== kind)
        throw new TypeError(
          `stage ${stage.id}, port ${port}: two different artifact kinds are named '${kind.name}'; define each kind once and import it`,
        );
      kinds.set(kind.name, kind);
    }
  }
  kindsCache.set(registry, kinds);
  return kinds;
}
