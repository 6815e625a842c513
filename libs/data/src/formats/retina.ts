import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { readCsv, requireColumns } from '../csv.js';
import { DataError } from '../errors.js';
import type { LabelSpec, Split } from '../image-set.js';
import { assertNonEmpty, RejectLog, type Manifest, type ManifestRow } from '../manifest.js';
import { DatasetRoot } from '../safe-path.js';
import { splitForPatient } from '../split.js';
import { parseGrade, parseLoaderOptions, resolveRowPath } from './shared.js';
import {
  aptosOptionsSchema,
  drTaskSchema,
  eyepacsOptionsSchema,
  type AptosOptions,
  type DrTask,
  type EyepacsOptions,
} from './options.js';

// The options schema lives in options.ts (zod only) for the light '@transfusion/data/schemas' entry.
export { aptosOptionsSchema, drTaskSchema, eyepacsOptionsSchema, type AptosOptions, type DrTask, type EyepacsOptions };

export const DR_GRADES = ['none', 'mild', 'moderate', 'severe', 'proliferative'];

export function drLabelSpec(task: DrTask): LabelSpec {
  return task === 'grade' ? { kind: 'multiclass', names: DR_GRADES } : { kind: 'binary', names: ['referable'] };
}

interface RetinaLayout {
  format: 'eyepacs' | 'aptos';
  idColumn: string;
  gradeColumn: string;
  /** patient of an image id: EyePACS "123_left" → "123"; APTOS has no patient ids (one image = one patient). */
  patientOf: (id: string) => string;
}

/**
 * EyePACS / Kaggle DR 2015: trainLabels.csv (image, level 0–4), images `train/<image>.jpeg`, both eyes of a
 * patient share the split. If `retinopathy_solution.csv` (image, level, Usage) and `test/` exist they are
 * used as the released test labels: Usage=Public → val, Private → test, and trainLabels.csv is all train.
 */
export async function loadEyepacs(options: EyepacsOptions): Promise<Manifest> {
  const o = parseLoaderOptions(eyepacsOptionsSchema, options, 'eyepacs');
  const layout: RetinaLayout = {
    format: 'eyepacs',
    idColumn: 'image',
    gradeColumn: 'level',
    patientOf: (id) => id.replace(/_(left|right)$/i, ''),
  };
  const solution = path.join(o.root, 'retinopathy_solution.csv');
  const extra =
    existsSync(solution) && existsSync(path.join(o.root, 'test')) ? { csv: solution, imageDir: 'test' } : undefined;
  return loadRetina(o, layout, extra);
}

/** APTOS 2019: train.csv (id_code, diagnosis 0–4), images `train_images/<id_code>.png`. */
export async function loadAptos(options: AptosOptions): Promise<Manifest> {
  const o = parseLoaderOptions(aptosOptionsSchema, options, 'aptos');
  return loadRetina(o, { format: 'aptos', idColumn: 'id_code', gradeColumn: 'diagnosis', patientOf: (id) => id });
}

async function loadRetina(
  o: z.infer<typeof eyepacsOptionsSchema>,
  layout: RetinaLayout,
  released?: { csv: string; imageDir: string },
): Promise<Manifest> {
  const csvPath = path.resolve(o.root, o.labelsCsv);
  if (!existsSync(csvPath))
    throw new DataError('DATA_NOT_FOUND', `${csvPath}: ${layout.format} labels CSV not found`, { file: csvPath });
  const files = new DatasetRoot(o.root);
  const log = new RejectLog(o.onBadRow);
  const rows: ManifestRow[] = [];
  const seen = new Set<string>();
  const sources: { csv: string; imageDir: string; split?: (cells: Record<string, string>) => Split | undefined }[] = [
    { csv: csvPath, imageDir: o.imageDir },
  ];
  if (released) {
    sources[0]!.split = () => 'train';
    sources.push({
      ...released,
      split: (cells) => (cells['Usage'] === 'Public' ? 'val' : cells['Usage'] === 'Private' ? 'test' : undefined),
    });
  }
  for (const src of sources) {
    const table = await readCsv(src.csv);
    requireColumns(table, [
      layout.idColumn,
      layout.gradeColumn,
      ...(src.split && src.csv !== csvPath ? ['Usage'] : []),
    ]);
    for (const { line, cells } of table.rows) {
      const id = cells[layout.idColumn]!.trim();
      const where = { file: table.file, line, id };
      if (id === '') {
        log.reject({ ...where, reason: 'bad-field', message: `${layout.idColumn}: empty image id` });
        continue;
      }
      const grade = parseGrade(cells[layout.gradeColumn]!, 4);
      if (grade === undefined) {
        log.reject({
          ...where,
          reason: 'unknown-label',
          message: `${layout.gradeColumn}: expected a grade 0–4, got "${cells[layout.gradeColumn]}"`,
        });
        continue;
      }
      if (seen.has(id)) {
        log.reject({ ...where, reason: 'duplicate-id', message: `image id "${id}" appears more than once` });
        continue;
      }
      const patient = layout.patientOf(id);
      const split: Split | undefined = src.split ? src.split(cells) : splitForPatient(patient, o.seed, o.split);
      if (split === undefined) {
        log.reject({
          ...where,
          reason: 'bad-field',
          message: `Usage: expected Public or Private, got "${cells['Usage']}"`,
        });
        continue;
      }
      const full = await resolveRowPath(files, path.join(src.imageDir, id + o.extension), o.checkFiles, log, where);
      if (!full) continue;
      seen.add(id);
      const eye = /_(left|right)$/i.exec(id)?.[1]?.toLowerCase();
      rows.push({
        id,
        patient,
        split,
        path: full,
        raw: [o.task === 'grade' ? grade : grade >= 2 ? 1 : 0],
        source: { file: table.file, line },
        attrs: { grade: String(grade), ...(eye ? { eye } : {}) },
      });
    }
  }
  return assertNonEmpty({
    format: layout.format,
    root: path.resolve(o.root),
    task: drLabelSpec(o.task),
    rows,
    rejected: log.rows,
  });
}
