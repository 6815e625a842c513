import type { Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { readCsv, requireColumns } from '../csv.js';
import { DICOM_EXTENSIONS, hasDicomMagic, readDicomHeader, type DicomHeader } from '../dicom.js';
import { DataError } from '../errors.js';
import { assertNonEmpty, RejectLog, type Manifest, type ManifestRow } from '../manifest.js';
import { DatasetRoot } from '../safe-path.js';
import { splitForPatient } from '../split.js';
import { checkLabelColumnCount, labelColumnReader, naturalCompare } from './label-columns.js';
import { parseLoaderOptions, resolveRowPath } from './shared.js';
import { dicomOptionsSchema, type DicomFolderOptions } from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { dicomOptionsSchema, type DicomFolderOptions };

type Resolved = z.infer<typeof dicomOptionsSchema>;
type CsvLabels = Extract<Resolved['labels'], { from: 'csv' }>;

interface DicomFile {
  /** Path relative to the root, '/'-separated: the row id. */
  rel: string;
  full: string;
}

export async function loadDicomFolder(options: DicomFolderOptions): Promise<Manifest> {
  const o = parseLoaderOptions(dicomOptionsSchema, options, 'dicom');
  const root = path.resolve(o.root);
  const log = new RejectLog(o.onBadRow);
  return o.labels.from === 'folders' ? fromFolders(o, root, log) : fromCsv(o, o.labels, root, log);
}

async function fromFolders(o: Resolved, root: string, log: RejectLog): Promise<Manifest> {
  const found = await findDicomFiles(root, new DatasetRoot(root), log);
  const classOf = (rel: string): string | undefined => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : undefined);
  const classes = [...new Set(found.map((f) => classOf(f.rel)).filter((c): c is string => c !== undefined))].sort(
    naturalCompare,
  );
  if (classes.length < 2)
    throw new DataError(
      'DATA_BAD_SET',
      `${root}: expected at least 2 class folders holding DICOM files, found ${classes.length}${classes.length ? ` (${classes[0]})` : ''}`,
      { file: root },
    );
  const rows: ManifestRow[] = [];
  let outside = 0;
  for (const f of found) {
    const cls = classOf(f.rel);
    if (cls === undefined) {
      outside++;
      continue;
    }
    const where = { file: f.full, line: 0, id: f.rel };
    const header = await headerOrReject(f.full, log, where);
    if (!header) continue;
    rows.push(row(o, f, header, [classes.indexOf(cls)], where));
  }
  return assertNonEmpty({
    format: 'dicom',
    root,
    task: {
      kind: 'multiclass',
      names: classes,
      ...(o.labels.from === 'folders' && o.labels.ordinal ? { ordinal: true } : {}),
    },
    rows,
    rejected: log.rows,
    ...(outside ? { filtered: { 'DICOM file outside a class folder': outside } } : {}),
  });
}

async function fromCsv(o: Resolved, l: CsvLabels, root: string, log: RejectLog): Promise<Manifest> {
  checkLabelColumnCount(l, 'dicom options: labels');
  const csvPath = path.resolve(root, l.csv);
  const table = await readCsv(csvPath);
  const keyColumn = l.keyColumn ?? (l.key === 'path' ? 'path' : 'SOPInstanceUID');
  requireColumns(table, [keyColumn, ...l.labelColumns]);
  const labels = labelColumnReader(l, table);
  const files = new DatasetRoot(root);
  // SOPInstanceUID keys need every file's header first; path keys open only the files the CSV names
  const byUid = l.key === 'sopInstanceUid' ? await indexByUid(root, files, log) : undefined;
  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  for (const { line, cells } of table.rows) {
    const key = cells[keyColumn]!.trim();
    const where = { file: csvPath, line, id: key };
    const parsed = labels.read(cells);
    if ('error' in parsed) {
      log.reject({ ...where, reason: 'unknown-label', message: parsed.error });
      continue;
    }
    if (seen.has(key)) {
      log.reject({ ...where, reason: 'duplicate-id', message: `${keyColumn} "${key}" appears more than once` });
      continue;
    }
    seen.add(key);
    let file: DicomFile & { header: DicomHeader };
    if (byUid) {
      const hit = byUid.get(key);
      if (!hit) {
        log.reject({
          ...where,
          reason: 'missing-file',
          message: `no DICOM file under ${root} has SOPInstanceUID ${key}`,
        });
        continue;
      }
      hit.used = true;
      file = hit;
    } else {
      const full = await resolveRowPath(files, key, true, log, where);
      if (!full) continue;
      const header = await headerOrReject(full, log, where);
      if (!header) continue;
      file = { rel: key.split(path.sep).join('/'), full, header };
    }
    rows.push(row(o, file, file.header, parsed.raw, where));
  }
  const unlabelled = byUid ? [...byUid.values()].filter((f) => !f.used).length : 0;
  return assertNonEmpty({
    format: 'dicom',
    root,
    task: labels.task,
    rows,
    rejected: log.rows,
    policy: { uncertainty: l.policy, blank: l.blank },
    ...(unlabelled ? { filtered: { [`DICOM file without a row in ${l.csv}`]: unlabelled } } : {}),
  });
}

function row(
  o: Resolved,
  f: DicomFile,
  h: DicomHeader,
  raw: number[],
  where: { file: string; line: number },
): ManifestRow {
  const patient = h.patientId ?? f.rel;
  return {
    id: f.rel,
    patient,
    split: splitForPatient(patient, o.seed, o.split),
    path: f.full,
    raw,
    source: { file: where.file, line: where.line },
    attrs: { ...h },
  };
}

async function headerOrReject(
  full: string,
  log: RejectLog,
  where: { file: string; line: number; id: string },
): Promise<DicomHeader | undefined> {
  try {
    return await readDicomHeader(full);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    log.reject({ ...where, reason: 'unreadable-image', message: e.message });
    return undefined;
  }
}

async function indexByUid(
  root: string,
  files: DatasetRoot,
  log: RejectLog,
): Promise<Map<string, DicomFile & { header: DicomHeader; used: boolean }>> {
  const byUid = new Map<string, DicomFile & { header: DicomHeader; used: boolean }>();
  for (const f of await findDicomFiles(root, files, log)) {
    const where = { file: f.full, line: 0, id: f.rel };
    const header = await headerOrReject(f.full, log, where);
    if (!header) continue;
    const uid = header.sopInstanceUid;
    if (!uid)
      log.reject({
        ...where,
        reason: 'bad-field',
        message: 'no SOPInstanceUID (0008,0018): cannot be matched to a label row',
      });
    else if (byUid.has(uid))
      log.reject({
        ...where,
        reason: 'duplicate-id',
        message: `SOPInstanceUID ${uid} is also in ${byUid.get(uid)!.rel}`,
      });
    else byUid.set(uid, { ...f, header, used: false });
  }
  return byUid;
}

/** DICOM files under the root in natural order; symlinks leaving the root are rejected, folder symlinks skipped. */
async function findDicomFiles(root: string, files: DatasetRoot, log: RejectLog): Promise<DicomFile[]> {
  const out: DicomFile[] = [];
  const visit = async (dirRel: string): Promise<void> => {
    const dir = path.join(root, dirRel);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new DataError(
        'DATA_NOT_FOUND',
        `${dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        { file: dir, cause: e },
      );
    }
    for (const e of entries.sort((a, b) => naturalCompare(a.name, b.name))) {
      if (e.name.startsWith('.') || e.name.toUpperCase() === 'DICOMDIR') continue;
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        await visit(rel);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      const named = DICOM_EXTENSIONS.includes(path.extname(e.name).toLowerCase());
      const r = await files.resolve(rel);
      if (!r.ok) {
        // a link to a folder or a dangling link without a DICOM name is not a candidate; escapes always count
        if (r.reason === 'path-escape' || named)
          log.reject({ file: path.join(root, rel), line: 0, id: rel, reason: r.reason, message: r.message });
        continue;
      }
      if (named || (await startsWithDicomMagic(r.path))) out.push({ rel, full: r.path });
    }
  };
  await visit('');
  return out;
}

async function startsWithDicomMagic(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return hasDicomMagic(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
  } finally {
    await fh.close();
  }
}
