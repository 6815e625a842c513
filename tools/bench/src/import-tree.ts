// A dataset tree at paper scale (default 224,000 tiny PNG files and a labels CSV)
// and the time and peak memory of importing it with the resumable, streamed import.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { importDataset, removeImportWork } from '@transfusion/data';
import { z } from 'zod';
import { parseBenchOptions } from './errors.js';
import { peakMemory } from './stream.js';
import { noise32 } from '@transfusion/random';

export const benchImportTreeOptionsSchema = z
  .object({
    tree: z.string().min(1),
    files: z.coerce.number().int().min(1).default(224_000),
    size: z.coerce.number().int().min(1).max(4096).default(32),
    out: z.string().min(1).optional(),
    /** Side after preprocessing (default: size). */
    importSize: z.coerce.number().int().min(8).max(2048).optional(),
    shardSize: z.coerce.number().int().min(1).default(512),
    concurrency: z.coerce.number().int().min(1).max(64).default(4),
    work: z.string().min(1).optional(),
    /** Write the tree and stop. */
    generateOnly: z.boolean().default(false),
  })
  .strict();

export type BenchImportTreeOptions = z.input<typeof benchImportTreeOptionsSchema>;

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
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
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
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, join(dir, 'labels.csv'));
}

/**
 * Generates the tree unless DIR/labels.csv exists, then (unless generateOnly) imports it with the CSV importer,
 * streamed and resumable, and measures the time, images/s and peak RSS; `log` receives progress lines.
 */
export async function benchImportTree(options: BenchImportTreeOptions, log: (line: string) => void) {
  const o = parseBenchOptions(benchImportTreeOptionsSchema, options);
  const t0 = performance.now();
  let generateSeconds: number | null = null;
  if (!existsSync(join(o.tree, 'labels.csv'))) {
    await mkdir(o.tree, { recursive: true });
    await generateTree(o.tree, o.files, o.size, log);
    generateSeconds = (performance.now() - t0) / 1000;
  }
  if (o.generateOnly) {
    return { generateOnly: true as const, tree: o.tree, files: o.files, generate_seconds: generateSeconds };
  }
  const out = o.out ?? `${o.tree.replace(/\/+$/, '')}.arrow`;
  const workDir = o.work ?? `${out}.import`;
  const t1 = performance.now();
  let lastAt = 0;
  let resumedAt: number | null = null;
  const r = await importDataset(
    {
      format: 'csv',
      options: {
        root: o.tree,
        csv: 'labels.csv',
        labelColumns: ['label'],
        kind: 'multiclass',
        patientColumn: 'patient',
        splitColumn: 'split',
      },
      preprocess: { size: o.importSize ?? o.size },
      import: { concurrency: o.concurrency },
      shardSize: o.shardSize,
    },
    out,
    (p) => {
      if (performance.now() - lastAt > 2000 || p.done === p.total) {
        lastAt = performance.now();
        log(
          `import: ${p.done}/${p.total} images, rejected ${p.rejected}, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
        );
      }
    },
    {
      workDir,
      onResume: ({ shards, rows }) => {
        resumedAt = rows;
        log(`import: resuming: ${shards} shards done (${rows} rows)`);
      },
    },
  );
  await removeImportWork(workDir);
  const seconds = (performance.now() - t1) / 1000;
  const mem = peakMemory();
  const result = {
    tree: o.tree,
    out,
    rows: r.rows,
    shards: r.shards,
    rejected: r.rejected.length,
    resumed_at_row: resumedAt,
    import_seconds: seconds,
    images_per_s: (r.rows - (resumedAt ?? 0)) / seconds,
    generate_seconds: generateSeconds,
    peak_rss_bytes: mem.maxrss_bytes,
    vmhwm_bytes: mem.vmhwm_bytes,
  };
  return { generateOnly: false as const, ...result };
}
