import { z } from 'zod';

/**
 * How an artifact lies in the store: one Arrow IPC file `NAME.arrow` holding a table, one tensor or named tensors
 * (the file's `transfusion.kind` says which), or a folder `NAME/` of arbitrary files.
 */
export type ArtifactStorage = 'table' | 'tensor' | 'tensors' | 'files';
export const ARTIFACT_STORAGES = ['table', 'tensor', 'tensors', 'files'] as const satisfies readonly ArtifactStorage[];

/**
 * What flows along an edge of a pipeline: a name (`weights`, `image-set`), how it is stored, how a stage receives it,
 * and the schema of its metadata record. The engine knows no kind but the generic built-ins; the code that owns the
 * data (the study, a user's registry) defines the others. Two ports connect only if they name the same kind.
 */
export interface ArtifactKind<
  S extends ArtifactStorage = ArtifactStorage,
  H extends 'value' | 'path' = 'value' | 'path',
> {
  readonly name: string;
  readonly description: string;
  readonly storage: S;
  /**
   * `value`: the engine loads it for the stage (a Table, a Tensor, a record of tensors, a file list) and saves what
   * `run` returns. `path`: the stage gets the path and reads it itself (artifacts streamed from disk, or read by
   * a lib that knows the format); it writes the output itself into `ctx.outDir` as `NAME.arrow` or `NAME/`.
   */
  readonly handedAs: H;
  /**
   * The Arrow file's schema metadata (key → string) as one record: checked before an output of this kind is
   * committed, so a bad artifact fails in the stage that wrote it, naming the field. None for `files`.
   */
  readonly metadata?: z.ZodType;
}

/** The generic kinds every registry has; a stage port may name them by their names. */
export const BUILTIN_KINDS = {
  table: { name: 'table', description: 'an Arrow table', storage: 'table', handedAs: 'value' },
  tensor: { name: 'tensor', description: 'one tensor', storage: 'tensor', handedAs: 'value' },
  tensors: { name: 'tensors', description: 'named tensors', storage: 'tensors', handedAs: 'value' },
  files: { name: 'files', description: 'a folder of files', storage: 'files', handedAs: 'value' },
} as const satisfies Record<string, ArtifactKind>;
export type BuiltinKindName = keyof typeof BUILTIN_KINDS;

/** A port's kind as a stage definition writes it: a kind, or the name of a built-in one. */
export type KindRef = ArtifactKind | BuiltinKindName;
/** The kind a reference names. */
export type KindOf<R extends KindRef> = R extends BuiltinKindName ? (typeof BUILTIN_KINDS)[R] : R;

export function kindOf(ref: KindRef): ArtifactKind {
  return typeof ref === 'string' ? BUILTIN_KINDS[ref] : ref;
}

const KIND_NAME = /^[a-z][a-z0-9-]*$/;

const kindShape = z
  .object({
    name: z.string().regex(KIND_NAME, 'a lower-case name: letters, digits and dashes'),
    description: z.string().min(1),
    storage: z.enum(ARTIFACT_STORAGES),
    handedAs: z.enum(['value', 'path']),
    metadata: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'a zod schema').optional(),
  })
  .refine((k) => !(k.storage === 'files' && k.metadata), {
    message: 'a folder of files has no Arrow metadata to check',
    path: ['metadata'],
  })
  .refine((k) => !(k.name in BUILTIN_KINDS), { message: 'the name of a built-in kind', path: ['name'] });

/** Defines an artifact kind once; checked here so a malformed kind fails at import. */
export function defineArtifactKind<const K extends ArtifactKind>(kind: K): K {
  const checked = kindShape.safeParse(kind);
  if (!checked.success)
    throw new TypeError(`artifact kind ${kind.name ?? '(no name)'}: ${z.prettifyError(checked.error)}`);
  return kind;
}

/** A JSON string inside Arrow metadata, decoded and checked by `schema`: for a kind's metadata record. */
export function jsonField<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** `issue.path` of a metadata check as `key.field.0`, for messages that name the field. */
export function metadataIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(record)'}: ${i.message}`)
    .join('; ');
}
