import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runPipeline, UsageError, type RunSummary, type StageEvent } from '@transfusion/pipeline';

export const summary = 'engine overhead: cold run, fully cached rerun and one-param rerun of an N-stage exec pipeline';

const help = `Usage: transfusion bench pipeline [--stages N] [--jobs J] [--json]

Builds an N-stage exec pipeline (default 50: layers of 5 stages, each stage of a layer reading the one
above it, one fan-in stage at the end) in a temporary folder with its own store, then measures:
  cold       every stage runs (one Node process per stage writing a small Arrow table)
  cached     a fully cached rerun: the engine's own overhead (plan, keys, store lookups, output links)
  one-param  one stage's param changed: only it and its dependents rerun
Times are measured inside the process, so Nx and Node start-up are not counted.`;

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
    lines.push(`  s${i}:`, '    uses: exec', `    with: { command: [node, stage.mjs], deps: [stage.mjs], params: { value: ${i} } }`, '    outputs: { out: table }');
    if (layer > 0) lines.push(`    needs: { up: s${i - width}.out }`);
  }
  const last = Array.from({ length: Math.min(width, body) }, (_, k) => body - 1 - k);
  lines.push('  total:', '    uses: exec', '    with: { command: [node, stage.mjs], deps: [stage.mjs], params: { value: 0 } }', '    outputs: { out: table }');
  lines.push(`    needs: { ${last.map((i) => `in${i}: s${i}.out`).join(', ')} }`);
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { stages: { type: 'string', default: '50' }, jobs: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const n = Number(values.stages);
  if (!Number.isInteger(n) || n < 2) throw new UsageError(`--stages ${values.stages}: expected a whole number ≥ 2`);
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-pipeline-'));
  try {
    symlinkSync(NODE_MODULES, join(dir, 'node_modules'));
    writeFileSync(join(dir, 'stage.mjs'), SCRIPT);
    const file = join(dir, 'bench.yaml');
    writeFileSync(file, benchPipelineYaml(n));
    const opts = { pipelineFile: file, registry: REGISTRY, store: join(dir, 'store'), outRoot: join(dir, 'out'), jobs: values.jobs ? Number(values.jobs) : undefined };
    const measure = async (label: string, sets: string[] = []): Promise<RunSummary & { label: string }> => {
      process.stderr.write(`${label}...\n`);
      const observer = { finished: (e: StageEvent) => void (e.error && process.stderr.write(`${e.stage} failed: ${e.error}\n`)) };
      return { label, ...(await runPipeline({ ...opts, sets, observer })) };
    };
    const runs = [await measure('cold'), await measure('cached'), await measure('one-param', ['stages.s7.with.params.value=700'])];
    const rows = runs.map((r) => ({ run: r.label, seconds: r.seconds, ran: r.ran, cached: r.cached, failed: r.failed }));
    if (values.json) process.stdout.write(`${JSON.stringify({ stages: n, runs: rows })}\n`);
    else for (const r of rows) process.stdout.write(`${r.run.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)} s   ran ${r.ran}, cached ${r.cached}, failed ${r.failed}\n`);
    return runs.some((r) => r.failed) ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
