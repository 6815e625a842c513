import { collectGarbage } from '@transfusion/pipeline';
import { commandArgs, defaultStore } from '../args.js';

export const summary = 'remove what the latest run of each pipeline and pinned runs do not reference';

export const help = `Usage: transfusion gc [options]

Keeps the run records and objects referenced by the latest run of each pipeline and by pinned runs
(run --pin NAME); removes every other run record, object and leftover attempt folder.
Refuses while a run is in progress on the store.

Options:
  --dry-run            list what would be removed; remove nothing
  --unpin NAME         drop the pin NAME first (repeatable)
  --store PATH         artifact store (default: $TRANSFUSION_STORE or .transfusion)
  --json               the result as one JSON object
  -h, --help           this help`;

function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export async function main(argv: string[]): Promise<number> {
  const args = commandArgs('gc', argv, help, {
    'dry-run': { type: 'boolean' },
    unpin: { type: 'string', multiple: true },
    store: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!args) return 0;
  const { values } = args;
  const result = await collectGarbage(defaultStore(values.store), {
    dryRun: Boolean(values['dry-run']),
    unpin: values.unpin ?? [],
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const verb = result.dryRun ? 'would remove' : 'removed';
  if (result.dryRun) {
    for (const k of result.removed.records) process.stdout.write(`run     ${k}\n`);
    for (const h of result.removed.objects) process.stdout.write(`object  ${h}\n`);
    for (const t of result.removed.tmp) process.stdout.write(`tmp     ${t}\n`);
    for (const w of result.removed.work) process.stdout.write(`work    ${w}\n`);
  }
  process.stdout.write(
    `kept ${result.keptRecords} runs and ${result.keptObjects} objects (pipelines: ${result.roots.pipelines.join(', ') || 'none'}; pins: ${result.roots.pins.join(', ') || 'none'}); ` +
      `${verb} ${result.removed.records.length} runs, ${result.removed.objects.length} objects, ${result.removed.tmp.length} attempt folders, ${result.removed.work.length} working folders (${fmtBytes(result.bytesFreed)})\n`,
  );
  return 0;
}
