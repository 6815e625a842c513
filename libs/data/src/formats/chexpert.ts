import { existsSync } from 'node:fs';
import path from 'node:path';
import { readCsv, requireColumns, type CsvTable } from '../csv.js';
import { formatZodIssues, DataError } from '../errors.js';
import type { Split } from '../image-set.js';
import { assertNonEmpty, RejectLog, type Manifest, type ManifestRow } from '../manifest.js';
import { DatasetRoot } from '../safe-path.js';
import { hashString } from '../split.js';
import { mixSeed } from '@transfusion/random';
import { chexpertOptionsSchema, type ChexpertOptions } from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { chexpertOptionsSchema, type ChexpertOptions };

const PREFIXES = ['CheXpert-v1.0-small/', 'CheXpert-v1.0/'];
const FIXED = ['Path', 'Sex', 'Age', 'Frontal/Lateral', 'AP/PA'];

/** Finds the folder holding train.csv: the root itself or a CheXpert-v1.0(-small) folder inside it. */
export function locateChexpert(root: string): string {
  for (const dir of [root, ...PREFIXES.map((p) => path.join(root, p))]) {
    if (existsSync(path.join(dir, 'train.csv')) || existsSync(path.join(dir, 'valid.csv'))) return dir;
  }
  throw new DataError(
    'DATA_NOT_FOUND',
    `${root}: no CheXpert train.csv or valid.csv here or in ${PREFIXES.map((p) => p.slice(0, -1)).join(' / ')}`,
    { file: root },
  );
}

/** Parses one label cell: 1, 0, -1 (uncertain), blank → NaN; anything else is undefined (unknown). */
export function parseChexpertCell(cell: string): number | undefined {
  const s = cell.trim();
  if (s === '') return Number.NaN;
  if (!/^-?\d+(\.0+)?$/.test(s)) return undefined;
  const v = Number(s);
  return v === 1 || v === 0 || v === -1 ? v : undefined;
}

/**
 * Reads CheXpert (v1.0 or -small): train.csv → train/val (split by patient), valid.csv → test.
 * Returns raw labels (1/0/-1/NaN); the uncertainty policy is applied when the set is imported.
 */
export async function loadChexpert(options: ChexpertOptions): Promise<Manifest> {
  const parsed = chexpertOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new DataError('DATA_BAD_OPTIONS', `chexpert options: ${formatZodIssues(parsed.error.issues)}`);
  const o = parsed.data;
  const dir = locateChexpert(o.root);
  const files = new DatasetRoot(dir);
  const log = new RejectLog(o.onBadRow);
  const tables: { table: CsvTable; kind: 'train' | 'test' }[] = [];
  for (const [name, kind] of [
    ['train.csv', 'train'],
    ['valid.csv', 'test'],
  ] as const) {
    const f = path.join(dir, name);
    if (!existsSync(f)) continue;
    const table = await readCsv(f);
    requireColumns(table, [...FIXED, ...o.labels]);
    tables.push({ table, kind });
  }
  const testPatients = new Set<string>();
  for (const { table, kind } of tables)
    if (kind === 'test')
      for (const r of table.rows) {
        const p = patientOf(r.cells['Path'] ?? '');
        if (p) testPatients.add(p);
      }
  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  let lateral = 0;
  for (const { table, kind } of tables) {
    for (const { line, cells } of table.rows) {
      const p = cells['Path']!;
      const base = { file: table.file, line, id: p };
      const view = cells['Frontal/Lateral']!.trim();
      if (view !== 'Frontal' && view !== 'Lateral') {
        log.reject({
          ...base,
          reason: 'bad-field',
          message: `Frontal/Lateral: expected "Frontal" or "Lateral", got "${view}"`,
        });
        continue;
      }
      const apPa = cells['AP/PA']!.trim();
      if (!['AP', 'PA', 'LL', 'RL', ''].includes(apPa)) {
        log.reject({ ...base, reason: 'bad-field', message: `AP/PA: expected AP, PA, LL, RL or blank, got "${apPa}"` });
        continue;
      }
      if (o.frontalOnly && view !== 'Frontal') {
        lateral++;
        continue;
      }
      const patient = patientOf(p);
      if (!patient) {
        log.reject({ ...base, reason: 'bad-field', message: `Path: no patientNNNNN folder in "${p}"` });
        continue;
      }
      if (kind === 'train' && testPatients.has(patient)) {
        log.reject({
          ...base,
          reason: 'patient-leak',
          message: `patient ${patient} is also in valid.csv (the test split); dropped from training`,
        });
        continue;
      }
      const raw: number[] = [];
      let badLabel: string | undefined;
      for (const label of o.labels) {
        const v = parseChexpertCell(cells[label]!);
        if (v === undefined) {
          badLabel = `${label}: expected 1, 0, -1 or blank, got "${cells[label]}"`;
          break;
        }
        raw.push(v);
      }
      if (badLabel) {
        log.reject({ ...base, reason: 'unknown-label', message: badLabel });
        continue;
      }
      if (seen.has(p)) {
        log.reject({ ...base, reason: 'duplicate-id', message: `Path "${p}" appears more than once` });
        continue;
      }
      seen.add(p);
      const rel = stripPrefix(p);
      let full = path.join(dir, rel);
      if (o.checkFiles) {
        const r = await files.resolve(rel);
        if (!r.ok) {
          log.reject({ ...base, reason: r.reason, message: r.message });
          continue;
        }
        full = r.path;
      } else if (path.isAbsolute(rel) || path.relative(dir, full).startsWith('..')) {
        log.reject({ ...base, reason: 'path-escape', message: `"${p}" escapes the dataset root` });
        continue;
      }
      const split: Split =
        kind === 'test'
          ? 'test'
          : mixSeed(hashString(patient), o.seed, 0xc4e) / 4294967296 < o.valFraction
            ? 'val'
            : 'train';
      rows.push({
        id: rel,
        patient,
        split,
        path: full,
        raw,
        source: { file: table.file, line },
        attrs: { sex: cells['Sex']!, age: cells['Age']!, view: view === 'Lateral' ? 'L' : apPa, frontalLateral: view },
      });
    }
  }
  return assertNonEmpty({
    format: 'chexpert',
    root: dir,
    task: { kind: 'multilabel', names: [...o.labels] },
    rows,
    rejected: log.rows,
    policy: { uncertainty: o.policy, blank: o.blank },
    ...(lateral ? { filtered: { 'lateral view (frontalOnly)': lateral } } : {}),
  });
}

function stripPrefix(p: string): string {
  for (const pre of PREFIXES) if (p.startsWith(pre)) return p.slice(pre.length);
  return p;
}

function patientOf(p: string): string | undefined {
  return /(?:^|\/)(patient\d+)\//.exec(p)?.[1];
}
