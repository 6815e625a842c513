// `transfusion data import`: decode and preprocess a dataset into a sharded Arrow image set (resumable).
import {
  importManifestToArrow,
  importMedmnistToArrow,
  removeImportWork,
  type ImportProgress,
  type Split,
} from '@transfusion/data';
import { UsageError } from '@transfusion/pipeline';
import type { CommandIo } from '../../command.js';
import { need, SOURCE_HELP, type Flags } from './flags.js';
import { openSource } from './source.js';

export const help = `transfusion data import --format F --root PATH --out set.arrow [options]

Decodes and preprocesses every image into a sharded Arrow dataset artifact (uint8 NHWC image tensors, labels,
mask, ids, patients, splits). Progress goes to stderr; a JSON result line goes to stdout.

${SOURCE_HELP}  --out FILE          Arrow file to write (required)
  --size N            output side in pixels                        [default 224; medmnist: as stored]
  --min-size N        upsample images smaller than N to N (e.g. a model's minimum input)
  --fit M             pad (keep aspect, pad) | crop (keep aspect, centre crop) | stretch  [default pad]
  --channels C        auto | 1 | 3                                 [default auto]
  --fundus M          none | trim | circle | graham                [default none]
  --shard-size N      rows per record batch                        [default 512]
  --split S           import only this split (repeatable)
  --limit N           import at most N rows
  --work DIR          folder of completed shards and progress, kept if the import is interrupted: rerun the
                      same command to continue where it stopped       [default OUT.import/]
  --no-resume         write the artifact directly (nothing to resume; half the disk writes)
  --concurrency N     images decoded at once                        [default 2]
  --json              (the result line on stdout is always JSON)
  -h, --help          show this help
`;

/** A progress line on stderr at every whole percent, at most every 2 s (and at the end), with rate and ETA. */
function progress(io: CommandIo, what: string): (p: ImportProgress) => void {
  let last = -1;
  let lastAt = 0;
  let first: { t: number; done: number } | undefined;
  return (p) => {
    const now = performance.now();
    first ??= { t: now, done: p.done };
    const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
    if ((pct !== last && now - lastAt >= 2000) || p.done === p.total) {
      last = pct;
      lastAt = now;
      const rate = ((p.done - first.done) * 1000) / Math.max(1, now - first.t);
      const eta = rate > 0 ? `, ETA ${Math.ceil((p.total - p.done) / rate)} s` : '';
      io.stderr(`${what}: ${p.done}/${p.total} (${pct}%), rejected ${p.rejected}, ${rate.toFixed(0)} images/s${eta}\n`);
    }
  };
}

export async function run(f: Flags, io: CommandIo): Promise<number> {
  const out = need(f.out, '--out');
  const channels = f.channels === undefined || f.channels === 'auto' ? 'auto' : (Number(f.channels) as 1 | 3);
  if (f.format === 'medmnist') {
    // MedMNIST images are already small; resize only when --size is given
    const r = await importMedmnistToArrow(
      {
        file: need(f.root, '--root'),
        ...(f.split ? { splits: f.split } : {}),
        ...(f.limit ? { limit: f.limit } : {}),
        resize: {
          ...(f.size ? { size: f.size } : {}),
          ...(f['min-size'] ? { minSize: f['min-size'] } : {}),
          fit: f.fit ?? 'pad',
          channels,
        },
        ...(f['shard-size'] ? { shardSize: f['shard-size'] } : {}),
      },
      out,
      (done, total) => io.stderr(`import: ${done}/${total}\n`),
    );
    io.stdout(`${JSON.stringify({ out, rows: r.rows, shards: r.shards, rejected: 0 })}\n`);
    return 0;
  }
  const src = await openSource(f);
  if (!('manifest' in src))
    throw new UsageError(
      'import reads file formats (chexpert, eyepacs, aptos, medmnist, csv, folder, dicom); use `transfusion data synthetic` for synthetic sets',
    );
  const workDir = f['no-resume'] ? undefined : (f.work ?? `${out}.import`);
  const r = await importManifestToArrow(
    src.manifest,
    out,
    {
      preprocess: {
        size: f.size ?? 224,
        ...(f['min-size'] ? { minSize: f['min-size'] } : {}),
        fit: f.fit ?? 'pad',
        channels,
        fundus: f.fundus ?? 'none',
      },
      onBadRow: f['on-bad-row'] ?? 'skip',
      ...(f.split ? { splits: f.split as Split[] } : {}),
      ...(f.limit ? { limit: f.limit } : {}),
      ...(f['shard-size'] ? { shardSize: f['shard-size'] } : {}),
      ...(f.concurrency ? { concurrency: f.concurrency } : {}),
    },
    progress(io, 'import'),
    workDir
      ? {
          workDir,
          onResume: ({ shards, rows }) =>
            io.stderr(`import: resuming in ${workDir}: ${shards} shard(s) done, continuing at row ${rows}\n`),
        }
      : undefined,
  );
  if (workDir) await removeImportWork(workDir);
  io.stderr(`wrote ${r.rows} images in ${r.shards} shard(s) to ${out}; ${r.rejected.length} row(s) rejected\n`);
  for (const x of r.rejected.slice(0, 20))
    io.stderr(`  ${x.file}${x.line ? `:${x.line}` : ''}: ${x.reason}: ${x.message}\n`);
  io.stdout(`${JSON.stringify({ out, rows: r.rows, shards: r.shards, rejected: r.rejected.length })}\n`);
  return 0;
}
