import { join, resolve } from 'node:path';
import { loadPipelineFile } from './pipeline-file.js';
import { planPipeline, selectStages, type Plan, type PlannedStage } from './plan.js';
import { loadRegistry, registryUrl } from './registry.js';
import { cacheKey, KeyContext, keyPreimage, type KeyPreimage } from './cache-key.js';
import type { RunRecord } from './store.js';

export interface SessionOptions {
  pipelineFile: string;
  /** Module exporting `stages` (path or file URL). */
  registry: string;
  sets?: readonly string[];
  only?: readonly string[];
  /** The store's root: data-path fingerprints keep their stat cache in `<store>/fingerprints/`. */
  store?: string;
  /** `--until STAGE`: the stage and everything it needs. */
  until?: readonly string[];
  /** `--downstream STAGE`: the stage and everything after it. */
  downstream?: readonly string[];
}

/**
 * A validated pipeline ready to be keyed: file + registry + plan, with the memo of code closures. Everything
 * that can be wrong with the input is found here, before anything runs or is written.
 */
export class Session {
  readonly keys: KeyContext;
  private constructor(
    readonly plan: Plan,
    readonly selected: PlannedStage[],
    readonly registryUrl: string,
    store?: string,
  ) {
    this.keys = new KeyContext(store ? { fingerprintCache: join(resolve(store), 'fingerprints') } : {});
  }

  static async open(opts: SessionOptions): Promise<Session> {
    const file = await loadPipelineFile(opts.pipelineFile, opts.sets ?? []);
    const registry = await loadRegistry(opts.registry);
    const plan = planPipeline(file, registry);
    const session = new Session(
      plan,
      selectStages(plan, opts.only ?? [], { until: opts.until ?? [], downstream: opts.downstream ?? [] }),
      registryUrl(opts.registry),
      opts.store,
    );
    // Hash code closures, declared code files and external data now: a missing `deps` file or dataset root is
    // bad input, found before any run.
    for (const s of session.selected) {
      session.keys.closure(s.stage);
      await session.keys.codeDeps(s, plan.file.dir, plan.file.file);
      await session.keys.dataPaths(s, plan.file.dir, plan.file.file);
    }
    return session;
  }

  get name(): string {
    return this.plan.file.name;
  }

  /** Content hashes of a stage's inputs, from the records of the upstream instances. */
  inputHashes(s: PlannedStage, records: ReadonlyMap<string, RunRecord>): Record<string, string | string[]> | null {
    const out: Record<string, string | string[]> = {};
    for (const input of s.inputs) {
      const hashes: string[] = [];
      for (const ref of input.refs) {
        const rec = records.get(ref.instance);
        const output = rec?.outputs[ref.output];
        if (!output) return null;
        hashes.push(output.hash);
      }
      out[input.name] = input.many ? hashes : hashes[0]!;
    }
    return out;
  }

  preimage(s: PlannedStage, inputs: Record<string, string | string[]>): Promise<KeyPreimage> {
    return keyPreimage(this.keys, s, inputs, this.plan.file.dir, this.plan.file.file);
  }

  async key(
    s: PlannedStage,
    inputs: Record<string, string | string[]>,
  ): Promise<{ key: string; preimage: KeyPreimage }> {
    const preimage = await this.preimage(s, inputs);
    return { key: cacheKey(preimage), preimage };
  }
}
