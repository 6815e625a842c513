// `transfusion data preview`: a PNG contact sheet of sample images with their labels.
import { writeFile } from 'node:fs/promises';
import {
  DataError,
  importManifest,
  labelWidth,
  renderContactSheet,
  type ImageSet,
  type RejectedRow,
  type SheetTile,
} from '@transfusion/data';
import type { CommandIo } from '../../command.js';
import { need, SOURCE_HELP, type Flags } from './flags.js';
import { openSource } from './source.js';

export const help = `transfusion data preview --format F --root PATH --out sheet.png [options]

Writes a PNG contact sheet of sample images with their labels (decoded and preprocessed).

${SOURCE_HELP}  --out FILE          PNG to write (required)
  --samples N         images on the sheet                          [default 24]
  --split S           train | val | test (default: all)
  --size N            preprocessing size in pixels                 [default 128]
  --fundus M          none | trim | circle | graham                [default none]
  -h, --help          show this help
`;

function captionOf(set: ImageSet, i: number): string {
  const k = labelWidth(set.task);
  const l = set.labels.subarray(i * k, (i + 1) * k);
  const m = set.mask.subarray(i * k, (i + 1) * k);
  let label: string;
  if (set.task.kind === 'multiclass') label = set.task.names[l[0]!] ?? String(l[0]);
  else if (set.task.kind === 'binary') label = `${set.task.names[0]}=${m[0] ? l[0] : '?'}`;
  else label = set.task.names.filter((_, j) => m[j] && l[j] === 1).join(', ') || 'none';
  return `${set.splits[i]} ${label}`;
}

export async function run(f: Flags, io: CommandIo): Promise<number> {
  const out = need(f.out, '--out');
  const n = f.samples ?? 24;
  const src = await openSource(f);
  let set: ImageSet;
  let rejected: RejectedRow[] = [];
  if ('manifest' in src) {
    // spread the samples over the index rather than taking the first n
    const rows = f.split ? src.manifest.rows.filter((r) => f.split!.includes(r.split)) : src.manifest.rows;
    const step = Math.max(1, Math.floor(rows.length / n));
    const picked = rows.filter((_, i) => i % step === 0).slice(0, n);
    const r = await importManifest(
      { ...src.manifest, rows: picked },
      { preprocess: { size: f.size ?? 128, fundus: f.fundus ?? 'none' } },
    );
    set = r.set;
    rejected = r.rejected;
  } else set = src.set;
  const d = set.height * set.width * set.channels;
  const tiles: SheetTile[] = [];
  for (let i = 0; i < set.ids.length && tiles.length < n; i++) {
    if (f.split && !f.split.includes(set.splits[i]!)) continue;
    const px =
      set.images instanceof Uint8Array
        ? set.images.subarray(i * d, (i + 1) * d)
        : Uint8Array.from(set.images.subarray(i * d, (i + 1) * d), (v) => Math.max(0, Math.min(255, v * 255)));
    tiles.push({
      pixels: px,
      width: set.width,
      height: set.height,
      channels: set.channels,
      caption: captionOf(set, i),
    });
  }
  if (tiles.length === 0)
    throw new DataError('DATA_EMPTY', `no images to preview${f.split ? ` in split ${f.split.join(', ')}` : ''}`);
  await writeFile(
    out,
    await renderContactSheet(tiles, { columns: Math.min(8, Math.ceil(Math.sqrt(tiles.length * 1.5))), tile: 160 }),
  );
  io.stderr(
    `wrote ${tiles.length} samples to ${out}${rejected.length ? ` (${rejected.length} rows rejected; see \`transfusion data summary\`)` : ''}\n`,
  );
  if (f.json) io.stdout(`${JSON.stringify({ out, samples: tiles.length, rejected: rejected.length })}\n`);
  return 0;
}
