import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, parse as parseYaml, type Document } from 'yaml';
import { z } from 'zod';
import { PipelineFileError, UsageError, type FileIssue } from './errors.js';
import { didYouMean, keysAt } from './suggest.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STAGE_NAME = /^[a-z][A-Za-z0-9_-]*$/;
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** `"${vars.NAME}"`: a matrix axis whose values are a list in `vars` (e.g. `seed: "${vars.seeds}"`). */
const VARS_REF = /^\$\{\s*vars\.[A-Za-z_][\w]*\s*\}$/;

const matrixSchema = z
  .object({
    /** Extra combinations, each a full assignment of the matrix keys. */
    include: z.array(z.record(z.string(), scalar)).optional(),
    /** Combinations to drop; an entry matches every combination that agrees on the keys it names. */
    exclude: z.array(z.record(z.string(), scalar)).optional(),
  })
  .catchall(
    z.union([
      z.array(scalar).min(1, 'at least one value'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the pipeline file's own ${…} syntax
      z.string().regex(VARS_REF, 'a list of values, or "${vars.NAME}" naming a list in vars'),
    ]),
  );

const stageEntrySchema = z.strictObject({
  uses: z.string().min(1, 'the id of a registered stage'),
  description: z.string().optional(),
  with: z.record(z.string(), z.unknown()).default({}),
  /** `INPUT: STAGE.OUTPUT`, or a list of such references (the input then takes all of them, in order). */
  needs: z
    .record(
      z.string().regex(IDENT, 'an input name: letters, digits and _'),
      z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    )
    .default({}),
  matrix: matrixSchema.optional(),
  /**
   * The outputs of a stage whose outputs the file declares (`exec`), each with its artifact kind: `{ NAME: KIND }`.
   * A bare list of names is read so the planner can ask for the kinds by name.
   */
  outputs: z
    .union([
      z.record(
        z.string().regex(IDENT, 'an output name: letters, digits and _'),
        z.string().min(1, 'an artifact kind, e.g. table'),
      ),
      z.array(z.string().regex(IDENT, 'an output name: letters, digits and _')),
    ])
    .optional(),
});

export const pipelineFileSchema = z.strictObject({
  name: z.string().regex(STAGE_NAME, 'a pipeline name: lower-case letters, digits, - and _').optional(),
  description: z.string().optional(),
  /** Free values referenced anywhere in `with`/`needs` as `${vars.NAME}`. */
  vars: z.record(z.string().regex(IDENT), z.unknown()).default({}),
  /** Params merged under the `with` of every instance of a stage id: `defaults: { train: { lr: 0.001 } }`. */
  defaults: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  stages: z
    .record(
      z.string().regex(STAGE_NAME, 'a stage name: starts with a lower-case letter; letters, digits, - and _'),
      stageEntrySchema,
    )
    .refine((s) => Object.keys(s).length > 0, 'at least one stage'),
});

export type PipelineFileContent = z.output<typeof pipelineFileSchema>;
export type StageEntry = z.output<typeof stageEntrySchema>;

export interface LoadedPipelineFile {
  /** The path as the user gave it, for messages. */
  file: string;
  /** Absolute folder of the file: relative paths in it are relative to this. */
  dir: string;
  name: string;
  content: PipelineFileContent;
  /** Turns a path inside the document into an issue with a line and column where possible. */
  issue(path: (string | number)[], message: string): FileIssue;
}

/** `a.b.c=value` → path and a YAML-typed value (`3` is a number, `[a, b]` a list, `'3'` a string). */
export function parseSetFlag(flag: string): { path: string[]; value: unknown } {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${flag}: expected PATH=VALUE, e.g. --set vars.epochs=3`);
  const path = flag.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new UsageError(`--set ${flag}: empty segment in path ${flag.slice(0, eq)}`);
  let value: unknown;
  try {
    value = parseYaml(flag.slice(eq + 1));
  } catch (e) {
    throw new UsageError(`--set ${flag}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  return { path, value: value ?? null };
}

function applySet(doc: Record<string, unknown>, flag: string): void {
  const { path, value } = parseSetFlag(flag);
  let node: Record<string, unknown> = doc;
  for (const [i, key] of path.slice(0, -1).entries()) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new UsageError(
        `--set ${flag}: ${path.slice(0, i + 1).join('.')} is a ${Array.isArray(next) ? 'list' : typeof next}, not a mapping`,
      );
    }
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A `--set` path must name what the file has: a top-level key, one of its vars, one of its stages (a whole new stage
 * may be given as `stages.NAME={uses: ..., ...}`) and a key of a stage entry. A typo would otherwise add a value
 * nothing reads; it is refused with the closest known names. Params under `with` are checked by the stage's schema.
 */
function checkSetPath(doc: Record<string, unknown>, flag: string): void {
  const { path } = parseSetFlag(flag);
  const where = `--set ${flag.slice(0, flag.indexOf('='))}`;
  const top = keysAt(pipelineFileSchema, []);
  const [first, second, third] = path as [string, string?, string?];
  if (!top.includes(first))
    throw new UsageError(
      `${where}: a pipeline file has no key '${first}'${didYouMean(first, top)}; expected one of ${top.join(', ')}`,
    );
  if (second === undefined) return;
  if (first === 'vars' && isRecord(doc['vars']) && !(second in doc['vars'])) {
    const vars = Object.keys(doc['vars']);
    throw new UsageError(
      `${where}: the file has no var '${second}'${didYouMean(second, vars)}; its vars: ${vars.join(', ') || 'none'}`,
    );
  }
  if (first === 'vars' && !isRecord(doc['vars'])) throw new UsageError(`${where}: the file has no vars`);
  if (first === 'stages' && isRecord(doc['stages'])) {
    const stages = Object.keys(doc['stages']);
    if (!(second in doc['stages'])) {
      if (path.length === 2) return; // a whole new stage
      throw new UsageError(`${where}: the file has no stage '${second}'${didYouMean(second, stages)}`);
    }
    const entryKeys = keysAt(pipelineFileSchema, ['stages', second]);
    if (third !== undefined && entryKeys.length && !entryKeys.includes(third)) {
      throw new UsageError(
        `${where}: a stage has no key '${third}'${didYouMean(third, entryKeys)}; expected one of ${entryKeys.join(', ')}`,
      );
    }
  }
}

function locator(file: string, doc: Document, lines: LineCounter, setPaths: string[][]) {
  return (path: (string | number)[], message: string): FileIssue => {
    const dotted = path.join('.');
    // the --set that wrote at or under this path (or, for a stage's params, that wrote below it: `with.trainng.x`)
    const fromSet = setPaths.find(
      (p) =>
        (path.length >= p.length || path.length >= 3) &&
        p.slice(0, path.length).every((seg, i) => String(path[i]) === seg),
    );
    if (fromSet) return { file, path: dotted, message: `${message} (value given by --set ${fromSet.join('.')})` };
    // Walk down as far as the document goes; point at the deepest node that exists.
    let node: unknown = doc.contents;
    let offset: number | undefined = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(seg),
        );
        if (!pair) break;
        const keyRange = (pair.key as { range?: [number, number, number] } | null)?.range;
        const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
        offset = valueRange?.[0] ?? keyRange?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as { range?: [number, number, number] } | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    const pos = offset === undefined ? undefined : lines.linePos(offset);
    return { file, path: dotted, line: pos?.line, column: pos?.col, message };
  };
}

/** Reads and validates the shape of a pipeline file; `--set` overrides apply before validation. */
export async function loadPipelineFile(file: string, sets: readonly string[] = []): Promise<LoadedPipelineFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new PipelineFileError([
      { file, path: '', message: err.code === 'ENOENT' ? 'no such file' : `cannot read (${err.code ?? err.message})` },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PipelineFileError(
      // The first few: after one syntax error the parser's later complaints are mostly echoes of it.
      doc.errors.slice(0, 3).map((e) => ({
        file,
        path: '',
        line: e.linePos?.[0].line,
        column: e.linePos?.[0].col,
        message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineFileError([{ file, path: '', message: 'expected a mapping with `stages:` at the top level' }]);
  }
  const setPaths = sets.map((s) => parseSetFlag(s).path);
  for (const s of sets) checkSetPath(raw as Record<string, unknown>, s);
  for (const s of sets) applySet(raw as Record<string, unknown>, s);
  const issue = locator(file, doc, lines, setPaths);
  const parsed = pipelineFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PipelineFileError(
      parsed.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') {
          const known = keysAt(pipelineFileSchema, i.path);
          return issue(
            [...i.path.map((p) => p as string | number), i.keys[0]!],
            `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `${k}${didYouMean(k, known)}`).join(', ')}; expected one of ${known.length ? known.join(', ') : 'the documented keys'}`,
          );
        }
        return issue(i.path as (string | number)[], i.message);
      }),
    );
  }
  return {
    file,
    dir: dirname(resolve(file)),
    name: parsed.data.name ?? basename(file, extname(file)),
    content: parsed.data,
    issue,
  };
}
