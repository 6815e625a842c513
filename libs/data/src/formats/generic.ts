import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readCsv, requireColumns } from '../csv.js';
import { DataError } from '../errors.js';
import { SPLITS, type Split } from '../image-set.js';
import { assertNonEmpty, RejectLog, type Manifest, type ManifestRow } from '../manifest.js';
import { DatasetRoot } from '../safe-path.js';
import { splitForPatient } from '../split.js';
import { checkLabelColumnCount, labelColumnReader, naturalCompare } from './label-columns.js';
import { parseLoaderOptions, resolveRowPath } from './shared.js';
import {
  csvOptionsSchema,
  folderOptionsSchema,
  IMAGE_EXTENSIONS,
  type CsvOptions,
  type FolderOptions,
} from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { csvOptionsSchema, folderOptionsSchema, IMAGE_EXTENSIONS, type CsvOptions, type FolderOptions };

export async function loadCsvDataset(options: CsvOptions): Promise<Manifest> {
  const o = parseLoaderOptions(csvOptionsSchema, options, 'csv');
  checkLabelColumnCount(o, 'csv options');
  const csvPath = path.resolve(o.root, o.csv);
  const table = await readCsv(csvPath);
  requireColumns(table, [
    o.pathColumn,
    ...o.labelColumns,
    ...(o.patientColumn ? [o.patientColumn] : []),
    ...(o.splitColumn ? [o.splitColumn] : []),
  ]);
  const labels = labelColumnReader(o, table);
  const files = new DatasetRoot(o.root);
  const log = new RejectLog(o.onBadRow);
  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  for (const { line, cells } of table.rows) {
    const rel = cells[o.pathColumn]!.trim();
    const where = { file: csvPath, line, id: rel };
    const parsed = labels.read(cells);
    if ('error' in parsed) {
      log.reject({ ...where, reason: 'unknown-label', message: parsed.error });
      continue;
    }
    const raw = parsed.raw;
    if (seen.has(rel)) {
      log.reject({ ...where, reason: 'duplicate-id', message: `path "${rel}" appears more than once` });
      continue;
    }
    const patient = o.patientColumn ? cells[o.patientColumn]!.trim() || rel : rel;
    let split: Split;
    if (o.splitColumn) {
      const s = cells[o.splitColumn]!.trim().toLowerCase();
      const mapped = s === 'valid' || s === 'validation' ? 'val' : s;
      if (!SPLITS.includes(mapped as Split)) {
        log.reject({
          ...where,
          reason: 'bad-field',
          message: `${o.splitColumn}: expected train, val or test, got "${s}"`,
        });
        continue;
      }
      split = mapped as Split;
    } else split = splitForPatient(patient, o.seed, o.split);
    const full = await resolveRowPath(files, rel, o.checkFiles, log, where);
    if (!full) continue;
    seen.add(rel);
    rows.push({ id: rel, patient, split, path: full, raw, source: { file: csvPath, line }, attrs: {} });
  }
  return assertNonEmpty({
    format: 'csv',
    root: path.resolve(o.root),
    task: labels.task,
    rows,
    rejected: log.rows,
    policy: { uncertainty: o.policy, blank: o.blank },
  });
}

export async function loadFolderDataset(options: FolderOptions): Promise<Manifest> {
  const o = parseLoaderOptions(folderOptionsSchema, options, 'folder');
  const root = path.resolve(o.root);
  const top = await listDirs(root);
  const splitDirs = top.filter((d) => ['train', 'val', 'valid', 'test'].includes(d));
  const layouts: { dir: string; split?: Split }[] = splitDirs.length
    ? splitDirs.map((d) => ({ dir: d, split: (d === 'valid' ? 'val' : d) as Split }))
    : [{ dir: '' }];
  const classSet = new Set<string>();
  for (const l of layouts) for (const c of await listDirs(path.join(root, l.dir))) classSet.add(c);
  const classes = [...classSet].sort(naturalCompare);
  if (classes.length < 2)
    throw new DataError('DATA_BAD_SET', `${root}: expected at least 2 class folders, found ${classes.length}`, {
      file: root,
    });
  const files = new DatasetRoot(root);
  const log = new RejectLog(o.onBadRow);
  const rows: ManifestRow[] = [];
  const exts = o.extensions.map((e) => e.toLowerCase());
  for (const l of layouts) {
    for (const cls of await listDirs(path.join(root, l.dir))) {
      const entries = await readdir(path.join(root, l.dir, cls), { withFileTypes: true });
      for (const e of entries.sort((a, b) => naturalCompare(a.name, b.name))) {
        if (!exts.includes(path.extname(e.name).toLowerCase())) continue;
        const rel = path.join(l.dir, cls, e.name);
        const full = await resolveRowPath(files, rel, true, log, {
          file: path.join(root, l.dir, cls),
          line: 0,
          id: rel,
        });
        if (!full) continue;
        const id = rel.split(path.sep).join('/');
        rows.push({
          id,
          patient: id,
          split: l.split ?? splitForPatient(id, o.seed, o.split),
          path: full,
          raw: [classes.indexOf(cls)],
          source: { file: path.join(root, l.dir, cls), line: 0 },
          attrs: {},
        });
      }
    }
  }
  return assertNonEmpty({
    format: 'folder',
    root,
    task: { kind: 'multiclass', names: classes, ...(o.ordinal ? { ordinal: true } : {}) },
    rows,
    rejected: log.rows,
  });
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort(naturalCompare);
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `${dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file: dir, cause: e },
    );
  }
}
