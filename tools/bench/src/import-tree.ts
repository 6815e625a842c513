// `transfusion bench import-tree`: a dataset tree at paper scale (default 224,000 tiny PNG files and a labels CSV)
// and the time and peak memory of importing it with the resumable, streamed import.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { importDataset, removeImportWork } from '@transfusion/data';
import { z } from 'zod';
import { peakMemory } from './stream.js';
import { noise32 } from '@transfusion/random';

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

const flagsSchema = z.object({
  tree: z.string().min(1),
  files: z.coerce.number().int().min(1).default(224_000),
  size: z.coerce.number().int().min(1).max(4096).default(32),
  out: z.string().min(1).optional(),
  'import-size': z.coerce.number().int().min(8).max(2048).optional(),
  'shard-size': z.coerce.number().int().min(1).default(512),
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  work: z.string().min(1).optional(),
  'generate-only': z.boolean().default(false),
  json: z.boolean().default(false),
});

export interface BenchIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
const processIo: BenchIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A minimal RGB PNG (8-bit, no filter): enough for sharp and every decoder. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', new Uint8Array(0))]);
}

/** Writes the tree; labels.csv last (atomically), so a tree with labels.csv is complete. */
export async function generateTree(dir: string, files: number, size: number, log: (s: string) => void): Promise<void> {
  const noise = noise32(0x12345678);
  const rgb = new Uint8Array(size * size * 3);
  const lines = ['path,label,patient,split'];
  let lastAt = 0;
  const t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const folder = String(Math.floor(i / 1000)).padStart(3, '0');
    if (i % 1000 === 0) await mkdir(join(dir, 'img', folder), { recursive: true });
    for (let p = 0; p < rgb.length; p++) {
      rgb[p] = noise() >>> 24;
    }
    const rel = `img/${folder}/${i}.png`;
    await writeFile(join(dir, rel), encodePng(rgb, size, size));
    lines.push(`${rel},${i % 5},p${i >> 1},${i % 10 === 8 ? 'val' : i % 10 === 9 ? 'test' : 'train'}`);
    if (performance.now() - lastAt > 2000 || i + 1 === files) {
      lastAt = performance.now();
      const rate = (i + 1) / ((lastAt - t0) / 1000);
      log(`generate: ${i + 1}/${files} files, ${rate.toFixed(0)} files/s`);
    }
  }
  const tmp = join(dir, '.labels.csv.tmp');
  await writeFile(tmp, lines.join('\n') + '\n');
  await rename(tmp, join(dir, 'labels.csv'));
}

export async function main(argv: string[], io: BenchIo = processIo): Promise<number> {
  let raw: Record<string, unknown>;
  try {
    ({ values: raw } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        tree: { type: 'string' }, files: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' }, 'import-size': { type: 'string' },
        'shard-size': { type: 'string' }, concurrency: { type: 'string' }, work: { type: 'string' }, 'generate-only': { type: 'boolean' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`bench import-tree: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (raw['help']) {
    io.stdout(HELP);
    return 0;
  }
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) {
    io.stderr(`bench import-tree: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\nRun 'transfusion bench import-tree --help' for usage.\n`);
    return 2;
  }
  const o = parsed.data;
  try {
    const t0 = performance.now();
    let generateSeconds: number | null = null;
    if (!existsSync(join(o.tree, 'labels.csv'))) {
      await mkdir(o.tree, { recursive: true });
      await generateTree(o.tree, o.files, o.size, (l) => io.stderr(`${l}\n`));
      generateSeconds = (performance.now() - t0) / 1000;
    }
    if (o['generate-only']) {
      io.stdout(o.json ? `${JSON.stringify({ tree: o.tree, files: o.files, generate_seconds: generateSeconds })}\n` : `tree ready at ${o.tree}\n`);
      return 0;
    }
    const out = o.out ?? `${o.tree.replace(/\/+$/, '')}.arrow`;
    const workDir = o.work ?? `${out}.import`;
    const t1 = performance.now();
    let lastAt = 0;
    let resumedAt: number | null = null;
    const r = await importDataset({
      format: 'csv',
      options: { root: o.tree, csv: 'labels.csv', labelColumns: ['label'], kind: 'multiclass', patientColumn: 'patient', splitColumn: 'split' },
      preprocess: { size: o['import-size'] ?? o.size },
      import: { concurrency: o.concurrency },
      shardSize: o['shard-size'],
    }, out, (p) => {
      if (performance.now() - lastAt > 2000 || p.done === p.total) {
        lastAt = performance.now();
        io.stderr(`import: ${p.done}/${p.total} images, rejected ${p.rejected}, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB\n`);
      }
    }, { workDir, onResume: ({ shards, rows }) => {
      resumedAt = rows;
      io.stderr(`import: resuming: ${shards} shards done (${rows} rows)\n`);
    } });
    await removeImportWork(workDir);
    const seconds = (performance.now() - t1) / 1000;
    const mem = peakMemory();
    const result = {
      tree: o.tree, out, rows: r.rows, shards: r.shards, rejected: r.rejected.length, resumed_at_row: resumedAt, import_seconds: seconds,
      images_per_s: (r.rows - (resumedAt ?? 0)) / seconds, generate_seconds: generateSeconds, peak_rss_bytes: mem.maxrss_bytes, vmhwm_bytes: mem.vmhwm_bytes,
    };
    io.stdout(o.json ? `${JSON.stringify(result)}\n` : `imported ${r.rows} images (${r.shards} shards, ${r.rejected.length} rejected) into ${out} in ${seconds.toFixed(1)} s, ` +
      `${result.images_per_s.toFixed(0)} images/s; peak RSS ${(mem.maxrss_bytes / 2 ** 20).toFixed(0)} MiB\n`);
    return 0;
  } catch (err) {
    io.stderr(`bench import-tree: ${(err as Error).message}\n`);
    return 1;
  }
}

/** For tests: removes a generated tree. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
