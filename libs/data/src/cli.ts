import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { renderContactSheet, type SheetTile } from './contact-sheet.js';
import { DataError, formatZodIssues, type RejectedRow } from './errors.js';
import { labelWidth, type ImageSet, type Split } from './image-set.js';
import { importManifest, importManifestToArrow, type ImportProgress } from './import.js';
import { removeImportWork } from './import-resume.js';
import { FILE_FORMATS, type FileFormat } from './load.js';
import { loadChexpert } from './formats/chexpert.js';
import { loadAptos, loadEyepacs } from './formats/retina.js';
import { loadCsvDataset, loadFolderDataset } from './formats/generic.js';
import { loadDicomFolder } from './formats/dicom-folder.js';
import type { Manifest } from './manifest.js';
import { importMedmnistToArrow, readMedmnist } from './formats/medmnist.js';
import { formatSummary, summarizeImageSet, summarizeManifest } from './summary.js';
import { generateSyntheticSet, SYNTHETIC_KINDS, writeSyntheticSet, type SyntheticKind } from './synthetic/index.js';

export const summary = 'inspect and import datasets: summary, preview, import, synthetic';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}
const processIo: CliIo = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

const FORMATS = [...FILE_FORMATS, 'medmnist', ...SYNTHETIC_KINDS.map((k) => `synthetic-${k}` as const)] as const;

const HELP = `transfusion data <command> [options]

Commands:
  summary    per split: images, patients, label counts; rejected rows with reasons
  preview    write a PNG contact sheet of sample images with their labels
  import     decode + preprocess a dataset into a sharded Arrow dataset artifact
  synthetic  generate a synthetic demo set (natural | fundus | chest) into an Arrow artifact

Run \`transfusion data <command> --help\` for its options.
`;

const SOURCE_HELP = `Dataset source:
  --format F          ${FORMATS.join(' | ')}
  --root PATH         dataset root (for medmnist: the .npz file)
  --policy P          uncertain labels: ignore (U-Ignore, default) | zeros | ones
  --blank B           blank label cells: zero (default) | ignore
  --task T            eyepacs/aptos: grade (5 classes, default) | referable (grade >= 2)
  --all-views         chexpert: keep lateral views too (default: frontal only)
  --csv FILE          csv: index file (relative to --root)        [default index.csv]
                      dicom: label CSV (without it, class folders give the labels)
  --path-column C     csv, dicom: image path column                [default path]
  --label-columns L   csv, dicom: comma-separated label columns    [default label]
  --kind K            csv, dicom: multiclass | binary | multilabel [default multiclass]
  --on-bad-row M      skip (report and continue, default) | fail (stop at the first bad row)
  --seed N            seed of the patient-level split (and of synthetic sets)  [default 0]
  --count N           synthetic: number of images                  [default 1000]
  --difficulty D      synthetic: 0 (easy) .. 1 (hard)               [default 0.5]
`;

const SUBHELP: Record<string, string> = {
  summary: `transfusion data summary --format F --root PATH [options] [--json]

Prints, per split, the image count, patients, and per-label positives / negatives / uncertain / blank /
ignored (after the uncertainty policy), then the rejected rows with their reasons.

${SOURCE_HELP}  --size N            synthetic: image side in pixels              [default 64]
  --classes N         synthetic-natural: number of classes         [default 16]
  --max-rejected N    rejected rows listed in the text report      [default 20]
  --json              print the summary as JSON on stdout
  -h, --help          show this help
`,
  preview: `transfusion data preview --format F --root PATH --out sheet.png [options]

Writes a PNG contact sheet of sample images with their labels (decoded and preprocessed).

${SOURCE_HELP}  --out FILE          PNG to write (required)
  --samples N         images on the sheet                          [default 24]
  --split S           train | val | test (default: all)
  --size N            preprocessing size in pixels                 [default 128]
  --fundus M          none | trim | circle | graham                [default none]
  -h, --help          show this help
`,
  import: `transfusion data import --format F --root PATH --out set.arrow [options]

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
`,
  synthetic: `transfusion data synthetic --kind K --out set.arrow [options]

Generates a synthetic demo set deterministically from --seed (see the libs/data README for the label rules).

  --kind K            natural | fundus | chest (required)
  --out FILE          Arrow file to write (required)
  --count N           number of images                             [default 1000]
  --size N            image side in pixels                         [default 64]
  --seed N            seed                                         [default 0]
  --difficulty D      0 (easy) .. 1 (hard)                          [default 0.5]
  --classes N         natural: number of classes                   [default 16]
  --policy P          chest: ignore | zeros | ones                 [default ignore]
  --shard-size N      rows per record batch                        [default 512]
  -h, --help          show this help
`,
};

const optionDefs = {
  help: { type: 'boolean', short: 'h' },
  format: { type: 'string' },
  root: { type: 'string' },
  policy: { type: 'string' },
  blank: { type: 'string' },
  task: { type: 'string' },
  'all-views': { type: 'boolean' },
  csv: { type: 'string' },
  'path-column': { type: 'string' },
  'label-columns': { type: 'string' },
  kind: { type: 'string' },
  'on-bad-row': { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  difficulty: { type: 'string' },
  classes: { type: 'string' },
  json: { type: 'boolean' },
  'max-rejected': { type: 'string' },
  out: { type: 'string' },
  samples: { type: 'string' },
  split: { type: 'string', multiple: true },
  size: { type: 'string' },
  'min-size': { type: 'string' },
  fit: { type: 'string' },
  channels: { type: 'string' },
  fundus: { type: 'string' },
  'shard-size': { type: 'string' },
  limit: { type: 'string' },
  work: { type: 'string' },
  'no-resume': { type: 'boolean' },
  concurrency: { type: 'string' },
} as const;

const int = (min: number) => z.coerce.number().int().min(min);
const flagsSchema = z.object({
  format: z.enum(FORMATS).optional(),
  root: z.string().min(1).optional(),
  policy: z.enum(['ignore', 'zeros', 'ones']).optional(),
  blank: z.enum(['zero', 'ignore']).optional(),
  task: z.enum(['grade', 'referable']).optional(),
  'all-views': z.boolean().optional(),
  csv: z.string().min(1).optional(),
  'path-column': z.string().min(1).optional(),
  'label-columns': z.string().min(1).optional(),
  kind: z.string().optional(),
  'on-bad-row': z.enum(['skip', 'fail']).optional(),
  seed: int(0).optional(),
  count: int(1).optional(),
  difficulty: z.coerce.number().min(0).max(1).optional(),
  classes: int(2).optional(),
  json: z.boolean().optional(),
  'max-rejected': int(0).optional(),
  out: z.string().min(1).optional(),
  samples: int(1).max(400).optional(),
  split: z.array(z.enum(['train', 'val', 'test'])).optional(),
  size: int(8).max(2048).optional(),
  'min-size': int(8).max(2048).optional(),
  fit: z.enum(['pad', 'crop', 'stretch']).optional(),
  channels: z.enum(['auto', '1', '3']).optional(),
  fundus: z.enum(['none', 'trim', 'circle', 'graham']).optional(),
  'shard-size': int(1).optional(),
  limit: int(1).optional(),
  work: z.string().min(1).optional(),
  'no-resume': z.boolean().optional(),
  concurrency: int(1).max(64).optional(),
  help: z.boolean().optional(),
});
type Flags = z.infer<typeof flagsSchema>;

class UsageError extends Error {}

function parseFlags(args: string[]): Flags {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options: optionDefs, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const r = flagsSchema.safeParse(values);
  if (!r.success) throw new UsageError(formatZodIssues(r.error.issues).replace(/^(\S+):/, '--$1:'));
  return r.data;
}

function need<T>(v: T | undefined, flag: string): T {
  if (v === undefined) throw new UsageError(`${flag} is required`);
  return v;
}

/** Loads the dataset named by the flags: a manifest for file formats, an in-memory set otherwise. */
async function openSource(f: Flags): Promise<{ manifest: Manifest } | { set: ImageSet; root: string }> {
  const format = need(f.format, '--format');
  const seed = f.seed ?? 0;
  if (format.startsWith('synthetic-')) {
    const kind = format.slice('synthetic-'.length) as SyntheticKind;
    const base = { count: f.count ?? 1000, size: f.size ?? 64, seed, difficulty: f.difficulty ?? 0.5 };
    const opts = kind === 'chest' ? { ...base, policy: f.policy ?? 'ignore' } : kind === 'natural' ? { ...base, classes: f.classes ?? 16 } : base;
    return { set: generateSyntheticSet(kind, opts), root: '' };
  }
  const root = need(f.root, '--root');
  if (format === 'medmnist') return { set: await readMedmnist({ file: root }), root };
  const common = { root, seed, onBadRow: f['on-bad-row'] ?? 'skip' } as const;
  const labelPolicy = { policy: f.policy ?? 'ignore', blank: f.blank ?? 'zero' } as const;
  let manifest: Manifest;
  switch (format as FileFormat) {
    case 'chexpert':
      manifest = await loadChexpert({ ...common, ...labelPolicy, frontalOnly: !f['all-views'] });
      break;
    case 'eyepacs':
      manifest = await loadEyepacs({ ...common, task: f.task ?? 'grade' });
      break;
    case 'aptos':
      manifest = await loadAptos({ ...common, task: f.task ?? 'grade' });
      break;
    case 'csv':
      manifest = await loadCsvDataset({ ...common, ...labelPolicy, ...csvLabels(f), csv: f.csv ?? 'index.csv', pathColumn: f['path-column'] ?? 'path' });
      break;
    case 'dicom':
      manifest = await loadDicomFolder({
        ...common,
        labels: f.csv ? { from: 'csv', csv: f.csv, key: 'path', keyColumn: f['path-column'] ?? 'path', ...labelPolicy, ...csvLabels(f) } : { from: 'folders' },
      });
      break;
    default:
      manifest = await loadFolderDataset(common);
  }
  return { manifest };
}

function csvLabels(f: Flags): { labelColumns: string[]; kind: 'multiclass' | 'binary' | 'multilabel' } {
  const kind = z.enum(['multiclass', 'binary', 'multilabel']).safeParse(f.kind ?? 'multiclass');
  if (!kind.success) throw new UsageError('--kind: expected multiclass, binary or multilabel');
  return { labelColumns: (f['label-columns'] ?? 'label').split(',').map((s) => s.trim()), kind: kind.data };
}

/** A progress line on stderr at every whole percent, at most every 2 s (and at the end), with rate and ETA. */
function progress(io: CliIo, what: string): (p: ImportProgress) => void {
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

async function cmdSummary(f: Flags, io: CliIo): Promise<number> {
  const src = await openSource(f);
  const s = 'manifest' in src ? summarizeManifest(src.manifest) : summarizeImageSet(src.set, f.format, src.root);
  io.stdout(f.json ? JSON.stringify(s, null, 2) + '\n' : formatSummary(s, f['max-rejected'] ?? 20));
  return 0;
}

async function cmdPreview(f: Flags, io: CliIo): Promise<number> {
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
    const r = await importManifest({ ...src.manifest, rows: picked }, { preprocess: { size: f.size ?? 128, fundus: f.fundus ?? 'none' } });
    set = r.set;
    rejected = r.rejected;
  } else set = src.set;
  const d = set.height * set.width * set.channels;
  const tiles: SheetTile[] = [];
  for (let i = 0; i < set.ids.length && tiles.length < n; i++) {
    if (f.split && !f.split.includes(set.splits[i]!)) continue;
    const px = set.images instanceof Uint8Array ? set.images.subarray(i * d, (i + 1) * d) : Uint8Array.from(set.images.subarray(i * d, (i + 1) * d), (v) => Math.max(0, Math.min(255, v * 255)));
    tiles.push({ pixels: px, width: set.width, height: set.height, channels: set.channels, caption: captionOf(set, i) });
  }
  if (tiles.length === 0) throw new DataError('DATA_EMPTY', `no images to preview${f.split ? ` in split ${f.split.join(', ')}` : ''}`);
  await writeFile(out, await renderContactSheet(tiles, { columns: Math.min(8, Math.ceil(Math.sqrt(tiles.length * 1.5))), tile: 160 }));
  io.stderr(`wrote ${tiles.length} samples to ${out}${rejected.length ? ` (${rejected.length} rows rejected; see \`transfusion data summary\`)` : ''}\n`);
  if (f.json) io.stdout(JSON.stringify({ out, samples: tiles.length, rejected: rejected.length }) + '\n');
  return 0;
}

async function cmdImport(f: Flags, io: CliIo): Promise<number> {
  const out = need(f.out, '--out');
  const channels = f.channels === undefined || f.channels === 'auto' ? 'auto' : (Number(f.channels) as 1 | 3);
  if (f.format === 'medmnist') {
    // MedMNIST images are already small; resize only when --size is given
    const r = await importMedmnistToArrow(
      {
        file: need(f.root, '--root'),
        ...(f.split ? { splits: f.split } : {}),
        ...(f.limit ? { limit: f.limit } : {}),
        resize: { ...(f.size ? { size: f.size } : {}), ...(f['min-size'] ? { minSize: f['min-size'] } : {}), fit: f.fit ?? 'pad', channels },
        ...(f['shard-size'] ? { shardSize: f['shard-size'] } : {}),
      },
      out,
      (done, total) => io.stderr(`import: ${done}/${total}\n`),
    );
    io.stdout(JSON.stringify({ out, rows: r.rows, shards: r.shards, rejected: 0 }) + '\n');
    return 0;
  }
  const src = await openSource(f);
  if (!('manifest' in src)) throw new UsageError('import reads file formats (chexpert, eyepacs, aptos, medmnist, csv, folder, dicom); use `transfusion data synthetic` for synthetic sets');
  const workDir = f['no-resume'] ? undefined : (f.work ?? `${out}.import`);
  const r = await importManifestToArrow(
    src.manifest,
    out,
    {
      preprocess: { size: f.size ?? 224, ...(f['min-size'] ? { minSize: f['min-size'] } : {}), fit: f.fit ?? 'pad', channels, fundus: f.fundus ?? 'none' },
      onBadRow: f['on-bad-row'] ?? 'skip',
      ...(f.split ? { splits: f.split as Split[] } : {}),
      ...(f.limit ? { limit: f.limit } : {}),
      ...(f['shard-size'] ? { shardSize: f['shard-size'] } : {}),
      ...(f.concurrency ? { concurrency: f.concurrency } : {}),
    },
    progress(io, 'import'),
    workDir ? { workDir, onResume: ({ shards, rows }) => io.stderr(`import: resuming in ${workDir}: ${shards} shard(s) done, continuing at row ${rows}\n`) } : undefined,
  );
  if (workDir) await removeImportWork(workDir);
  io.stderr(`wrote ${r.rows} images in ${r.shards} shard(s) to ${out}; ${r.rejected.length} row(s) rejected\n`);
  for (const x of r.rejected.slice(0, 20)) io.stderr(`  ${x.file}${x.line ? `:${x.line}` : ''}: ${x.reason}: ${x.message}\n`);
  io.stdout(JSON.stringify({ out, rows: r.rows, shards: r.shards, rejected: r.rejected.length }) + '\n');
  return 0;
}

async function cmdSynthetic(f: Flags, io: CliIo): Promise<number> {
  const kind = z.enum(SYNTHETIC_KINDS).safeParse(f.kind);
  if (!kind.success) throw new UsageError(`--kind: expected one of ${SYNTHETIC_KINDS.join(', ')}`);
  const out = need(f.out, '--out');
  const base = { count: f.count ?? 1000, size: f.size ?? 64, seed: f.seed ?? 0, difficulty: f.difficulty ?? 0.5 };
  const opts = kind.data === 'chest' ? { ...base, policy: f.policy ?? 'ignore' } : kind.data === 'natural' ? { ...base, classes: f.classes ?? 16 } : base;
  let last = -1;
  const r = await writeSyntheticSet(kind.data, opts, out, f['shard-size'] ?? 512, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct !== last) io.stderr(`synthetic-${kind.data}: ${done}/${total}\n`);
    last = pct;
  });
  io.stdout(JSON.stringify({ out, rows: r.rows, shards: r.shards }) + '\n');
  return 0;
}

const COMMANDS: Record<string, (f: Flags, io: CliIo) => Promise<number>> = {
  summary: cmdSummary,
  preview: cmdPreview,
  import: cmdImport,
  synthetic: cmdSynthetic,
};

/** Entry point of `transfusion data ...`; returns the exit code (0 ok, 1 failure, 2 bad input/usage). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(HELP);
    return cmd === undefined ? 2 : 0;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    io.stderr(`transfusion data: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  try {
    const flags = parseFlags(rest);
    if (flags.help) {
      io.stdout(SUBHELP[cmd]!);
      return 0;
    }
    return await run(flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`transfusion data ${cmd}: ${e.message}\nRun \`transfusion data ${cmd} --help\` for usage.\n`);
      return 2;
    }
    if (e instanceof DataError) {
      io.stderr(`transfusion data ${cmd}: ${e.code}: ${e.message}\n`);
      return e.code === 'DATA_BAD_OPTIONS' || e.code === 'DATA_MISSING_COLUMN' || e.code === 'DATA_NOT_FOUND' || e.code === 'DATA_BAD_CSV' || e.code === 'DATA_BAD_ROWS' ? 2 : 1;
    }
    io.stderr(`transfusion data ${cmd}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
