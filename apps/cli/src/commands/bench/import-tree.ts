// `transfusion bench import-tree`: flags, help and the printed result of the import-at-scale benchmark (tools/bench).
import { benchImportTree, type BenchImportTreeOptions } from '@transfusion/bench';
import type { CommandIo } from '../../command.js';
import { benchArgs } from './options.js';

export const summary = 'generate a tree of tiny PNG files with a labels CSV, and time importing it';

const HELP = `Usage: transfusion bench import-tree --tree DIR [options]

Generates (unless DIR/labels.csv exists) a tree of N seeded random PNG images of S×S RGB pixels,
DIR/img/<000..>/<n>.png with 1,000 files per folder, and DIR/labels.csv (path, label 0..4, patient, split),
written last, atomically. Then, unless --generate-only, imports it with the CSV importer into an Arrow image set
(streamed: memory is one chunk and one shard; resumable through --work) and reports the time, images/s and peak
RSS. Interrupt it and run it again: the import continues after the last finished shard.

Options:
  --tree DIR        where the tree is (required)
  --files N         images (default 224000)
  --size S          side of the generated images (default 32)
  --out FILE        the imported set (default DIR.arrow)
  --import-size S   side after preprocessing (default: --size)
  --shard-size N    rows per shard (default 512)
  --concurrency N   images decoded at once (default 4)
  --work DIR        resumable work folder (default OUT.import)
  --generate-only   write the tree and stop
  --json            one JSON object on stdout
  -h, --help        show this help
`;

/** `transfusion bench import-tree ...`; returns the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const args = benchArgs(
    argv,
    {
      tree: { type: 'string' },
      files: { type: 'string' },
      size: { type: 'string' },
      out: { type: 'string' },
      'import-size': { type: 'string' },
      'shard-size': { type: 'string' },
      concurrency: { type: 'string' },
      work: { type: 'string' },
      'generate-only': { type: 'boolean' },
    },
    HELP,
    io,
  );
  if (!args) return 0;
  const { json } = args;
  // the flags are strings; the benchmark's schema coerces and checks them (errors name the flag)
  const r = await benchImportTree(args.options as BenchImportTreeOptions, (line) => io.stderr(`${line}\n`));
  const { generateOnly, ...out } = r;
  if (generateOnly) io.stdout(json ? `${JSON.stringify(out)}\n` : `tree ready at ${out.tree}\n`);
  else if (json) io.stdout(`${JSON.stringify(out)}\n`);
  else if ('rows' in out) {
    io.stdout(
      `imported ${out.rows} images (${out.shards} shards, ${out.rejected} rejected) into ${out.out} in ${out.import_seconds.toFixed(1)} s, ` +
        `${out.images_per_s.toFixed(0)} images/s; peak RSS ${(out.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }
  return 0;
}
