import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { codeClosure, type CodeClosure } from './code-hash.js';
import { DataPathError, fingerprintDataPath, type DataFingerprint } from './data-fingerprint.js';
import { PipelineFileError } from './errors.js';
import { sha256 } from './hash.js';
import type { PlannedStage } from './plan.js';
import type { AnyStage } from './stage.js';

export const KEY_FORMAT = 'transfusion-stage-key/1';

/**
 * Everything a stage's result depends on, as canonical JSON; the cache key is its sha256. Stored in the run
 * record so that `explain` can say which field changed. No absolute paths, host names or clocks.
 */
export interface KeyPreimage {
  format: typeof KEY_FORMAT;
  stage: string;
  code: { hash: string; files: Record<string, string>; deps: Record<string, string> };
  packages: Record<string, string>;
  params: unknown;
  /** Content hash of each input artifact (a list for inputs that take many). */
  inputs: Record<string, string | string[]>;
  outputs: string[];
  env: Record<string, string | null>;
  runtime: Record<string, string>;
  /** Fingerprints of the external data the stage reads (only for stages that declare `dataPaths`). */
  data?: Record<string, DataFingerprint>;
}

/** Per-process memo of the work that does not change during a run: code closures and runtime facts per stage id. */
export class KeyContext {
  private closures = new Map<string, CodeClosure>();
  private facts = new Map<string, Promise<Record<string, string>>>();
  private deps = new WeakMap<PlannedStage, Promise<Record<string, string>>>();
  private data = new WeakMap<PlannedStage, Promise<Record<string, DataFingerprint> | undefined>>();
  private paths = new Map<string, Promise<DataFingerprint>>();

  /** `fingerprintCache`: folder of the data paths' stat caches (the store's `fingerprints/`), so unchanged files are not re-read. */
  constructor(private readonly options: { fingerprintCache?: string } = {}) {}

  closure(stage: AnyStage): CodeClosure {
    let c = this.closures.get(stage.id);
    if (!c) {
      c = codeClosure(stage.source);
      this.closures.set(stage.id, c);
    }
    return c;
  }

  /** Content hashes of a stage instance's declared code files (exec `deps`), read once per run. */
  codeDeps(s: PlannedStage, pipelineDir: string, pipelineFile: string): Promise<Record<string, string>> {
    let d = this.deps.get(s);
    if (!d) {
      d = hashCodeFiles(s, pipelineDir, pipelineFile);
      this.deps.set(s, d);
    }
    return d;
  }

  /** Fingerprints of a stage instance's declared data paths, taken once per run (before anything runs). */
  dataPaths(
    s: PlannedStage,
    pipelineDir: string,
    pipelineFile: string,
  ): Promise<Record<string, DataFingerprint> | undefined> {
    let d = this.data.get(s);
    if (!d) {
      d = fingerprintData(s, pipelineFile, (path) => this.fingerprint(path, pipelineDir));
      this.data.set(s, d);
    }
    return d;
  }

  /** One fingerprint per data path and run, however many stages read it. */
  private fingerprint(path: string, baseDir: string): Promise<DataFingerprint> {
    const abs = resolve(baseDir, path);
    let f = this.paths.get(abs);
    if (!f) {
      f = fingerprintDataPath(
        path,
        baseDir,
        this.options.fingerprintCache ? { cacheDir: this.options.fingerprintCache } : {},
      );
      this.paths.set(abs, f);
    }
    return f;
  }

  runtime(stage: AnyStage): Promise<Record<string, string>> {
    let f = this.facts.get(stage.id);
    if (!f) {
      f = (async () => ({
        node: process.versions.node.split('.')[0]!,
        ...(stage.runtimeFacts ? await stage.runtimeFacts() : {}),
      }))();
      this.facts.set(stage.id, f);
    }
    return f;
  }
}

async function hashCodeFiles(
  s: PlannedStage,
  pipelineDir: string,
  pipelineFile: string,
): Promise<Record<string, string>> {
  const files = s.stage.codeFiles ? s.stage.codeFiles(s.params) : [];
  const out: Record<string, string> = {};
  for (const f of files) {
    const abs = resolve(pipelineDir, f);
    const rel = relative(pipelineDir, abs).split('\\').join('/');
    if (isAbsolute(f) || rel.startsWith('..')) {
      throw new PipelineFileError([
        {
          file: pipelineFile,
          path: `stages.${s.group}.with.deps`,
          message: `${f}: code files must be inside the pipeline's folder (relative, no ..)`,
        },
      ]);
    }
    try {
      out[rel] = sha256(await readFile(abs));
    } catch {
      throw new PipelineFileError([
        {
          file: pipelineFile,
          path: `stages.${s.group}.with.deps`,
          message: `${f}: no such file (relative to ${pipelineDir})`,
        },
      ]);
    }
  }
  return out;
}

async function fingerprintData(
  s: PlannedStage,
  pipelineFile: string,
  fingerprint: (path: string) => Promise<DataFingerprint>,
): Promise<Record<string, DataFingerprint> | undefined> {
  const paths = s.stage.dataPaths ? s.stage.dataPaths(s.params) : [];
  if (paths.length === 0) return undefined;
  const out: Record<string, DataFingerprint> = {};
  for (const path of paths) {
    try {
      out[path] = await fingerprint(path);
    } catch (err) {
      if (!(err instanceof DataPathError)) throw err;
      throw new PipelineFileError([
        {
          file: pipelineFile,
          path: `stages.${s.group}.with`,
          message: `${err.message}: the stage reads its data from there`,
        },
      ]);
    }
  }
  return out;
}

export async function keyPreimage(
  ctx: KeyContext,
  s: PlannedStage,
  inputs: Record<string, string | string[]>,
  pipelineDir: string,
  pipelineFile: string,
): Promise<KeyPreimage> {
  const closure = ctx.closure(s.stage);
  const env: Record<string, string | null> = {};
  for (const name of [...(s.stage.env ?? [])].sort()) env[name] = process.env[name] ?? null;
  const data = await ctx.dataPaths(s, pipelineDir, pipelineFile);
  return {
    format: KEY_FORMAT,
    stage: s.uses,
    code: { hash: closure.hash, files: closure.files, deps: await ctx.codeDeps(s, pipelineDir, pipelineFile) },
    packages: closure.packages,
    params: s.params,
    inputs,
    outputs: Object.keys(s.outputs).sort(),
    env,
    runtime: await ctx.runtime(s.stage),
    ...(data ? { data } : {}),
  };
}

export function cacheKey(preimage: KeyPreimage): string {
  return sha256(canonicalJson(preimage));
}
