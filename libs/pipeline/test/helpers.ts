import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline, type RunOptions, type RunSummary, type StageEvent } from '@transfusion/pipeline';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, 'fixtures');
export const REGISTRY = join(FIXTURES, 'registry.mjs');
const NODE_MODULES = resolve(here, '../../../node_modules');

/** A fresh folder with the emit.mjs fixture and node_modules reachable, holding `pipeline.yaml`. */
export function workspace(yaml: string): {
  dir: string;
  file: string;
  store: string;
  calls(): string[];
  write(yaml: string): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'tf-pipe-'));
  cpSync(join(FIXTURES, 'emit.mjs'), join(dir, 'emit.mjs'));
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'));
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, yaml);
  return {
    dir,
    file,
    store: join(dir, '.store'),
    calls: () =>
      existsSync(join(dir, 'calls.log'))
        ? readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean)
        : [],
    write: (y: string) => writeFileSync(file, y),
  };
}

/** An exec stage of emit.mjs, as YAML. */
export function emit(
  name: string,
  params: Record<string, unknown> = {},
  needs: Record<string, string> = {},
  outputs = ['out'],
): string {
  const lines = [
    `  ${name}:`,
    `    uses: exec`,
    `    with:`,
    `      command: [node, emit.mjs]`,
    `      deps: [emit.mjs]`,
    `      params: ${JSON.stringify({ name, outputs, ...params })}`,
    // emit.mjs writes a one-row table per output, or a folder when asked to
    `    outputs: { ${outputs.map((o) => `${o}: ${params['folder'] ? 'files' : 'table'}`).join(', ')} }`,
  ];
  if (Object.keys(needs).length) lines.push(`    needs: ${JSON.stringify(needs)}`);
  return lines.join('\n');
}

export async function run(
  ws: { file: string; store: string },
  extra: Partial<RunOptions> = {},
): Promise<RunSummary & { events: StageEvent[] }> {
  const events: StageEvent[] = [];
  const summary = await runPipeline({
    pipelineFile: ws.file,
    registry: REGISTRY,
    store: ws.store,
    outRoot: null,
    jobs: 2,
    ...extra,
    observer: { finished: (e) => events.push(e) },
  });
  return { ...summary, events };
}

export function statusOf(events: StageEvent[]): Record<string, string> {
  return Object.fromEntries(events.map((e) => [e.stage, e.status]));
}

/** Polls until `cond` holds; generous, because CI machines can be loaded. */
export async function waitUntil(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
