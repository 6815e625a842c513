import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipeline, type RunSummary, type StageEvent } from '@transfusion/pipeline';
import { z } from 'zod';
import { parseBenchOptions } from './errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTRY = resolve(here, '../../../apps/cli/dist/registry.js');
const NODE_MODULES = resolve(here, '../../../node_modules');

const SCRIPT = `import { readFileSync, writeFileSync } from 'node:fs';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
const p = JSON.parse(process.env.TRANSFUSION_PARAMS);
let v = p.value;
for (const [k, path] of Object.entries(process.env)) if (k.startsWith('TRANSFUSION_IN_')) for (const f of path.split(':')) v += Number(tableFromIPC(readFileSync(f)).getChild('value').get(0));
writeFileSync(process.env.TRANSFUSION_OUT + '/out.arrow', tableToIPC(tableFromArrays({ value: Float64Array.of(v) }), 'file'));
`;

export function benchPipelineYaml(stages: number, width = 5): string {
  const lines = ['name: bench', 'stages:'];
  const body = stages - 1;
  for (let i = 0; i < body; i++) {
    const layer = Math.floor(i / width);
    lines.push(
      `  s${i}:`,
      '    uses: exec',
      `    with: { command: [node, stage.mjs], deps: [stage.mjs], params: { value: ${i} } }`,
      '    outputs: { out: table }',
    );
    if (layer > 0) lines.push(`    needs: { up: s${i - width}.out }`);
  }
  const last = Array.from({ length: Math.min(width, body) }, (_, k) => body - 1 - k);
  lines.push(
    '  total:',
    '    uses: exec',
    '    with: { command: [node, stage.mjs], deps: [stage.mjs], params: { value: 0 } }',
    '    outputs: { out: table }',
  );
  lines.push(`    needs: { ${last.map((i) => `in${i}: s${i}.out`).join(', ')} }`);
  return `${lines.join('\n')}\n`;
}

export const benchPipelineOptionsSchema = z
  .object({
    /** Stages in the generated pipeline (layers of 5, one fan-in stage at the end). */
    stages: z.number().int().min(2).default(50),
    /** Stages run at once (default: the engine's). */
    jobs: z.number().int().positive().optional(),
  })
  .strict();

export type BenchPipelineOptions = z.input<typeof benchPipelineOptionsSchema>;

export interface BenchPipelineResult {
  stages: number;
  runs: { run: 'cold' | 'cached' | 'one-param'; seconds: number; ran: number; cached: number; failed: number }[];
}

/**
 * Engine overhead: a cold run, a fully cached rerun and a one-param rerun of an N-stage exec pipeline built in a
 * temporary folder with its own store. Times are measured in this process (no Nx or Node start-up).
 */
export async function benchPipeline(
  options: BenchPipelineOptions,
  log: (line: string) => void,
): Promise<BenchPipelineResult> {
  const o = parseBenchOptions(benchPipelineOptionsSchema, options);
  const n = o.stages;
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-pipeline-'));
  try {
    symlinkSync(NODE_MODULES, join(dir, 'node_modules'));
    writeFileSync(join(dir, 'stage.mjs'), SCRIPT);
    const file = join(dir, 'bench.yaml');
    writeFileSync(file, benchPipelineYaml(n));
    const opts = {
      pipelineFile: file,
      registry: REGISTRY,
      store: join(dir, 'store'),
      outRoot: join(dir, 'out'),
      jobs: o.jobs,
    };
    const measure = async (
      label: 'cold' | 'cached' | 'one-param',
      sets: string[] = [],
    ): Promise<RunSummary & { label: typeof label }> => {
      log(`${label}...`);
      const observer = { finished: (e: StageEvent) => void (e.error && log(`${e.stage} failed: ${e.error}`)) };
      return { label, ...(await runPipeline({ ...opts, sets, observer })) };
    };
    const runs = [
      await measure('cold'),
      await measure('cached'),
      await measure('one-param', ['stages.s7.with.params.value=700']),
    ];
    return {
      stages: n,
      runs: runs.map((r) => ({ run: r.label, seconds: r.seconds, ran: r.ran, cached: r.cached, failed: r.failed })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
