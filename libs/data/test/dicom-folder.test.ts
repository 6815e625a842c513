import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomHeader } from '../src/dicom.js';
import { loadDicomFolder } from '../src/formats/dicom-folder.js';
import { splitForPatient } from '../src/split.js';
import { makeDicom, removeDir, tempDir, writeText } from './helpers.js';

const ramp = Array.from({ length: 64 }, (_, i) => i * 16);
const dcm = (patientId: string | undefined, sopInstanceUid: string): Uint8Array =>
  makeDicom({ rows: 8, cols: 8, pixels: ramp, sopInstanceUid, ...(patientId ? { patientId } : {}) });

describe('loadDicomFolder', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await tempDir();
    outside = await tempDir();
    await writeText(root, 'normal/P1/study1/a.dcm', dcm('P1', '1.2.3.1'));
    await writeText(root, 'normal/P1/study2/b.dcm', dcm('P1', '1.2.3.2'));
    await writeText(root, 'normal/P2/IM0001', dcm('P2', '1.2.3.3')); // no extension: found by its DICM magic
    await writeText(root, 'pneumonia/P3/d.dcm', dcm('P3', '1.2.3.4'));
    await writeText(root, 'pneumonia/anon/e.dcm', dcm(undefined, '1.2.3.5')); // no PatientID: the file is its own patient
    await writeText(root, 'pneumonia/notes.txt', 'not DICOM');
    await writeText(root, 'pneumonia/bad.dcm', 'garbage that is not DICOM');
    await writeText(root, 'loose.dcm', dcm('P9', '1.2.3.9'));
    await writeText(root, 'normal/DICOMDIR', dcm('P0', '1.2.3.0'));
    await writeText(outside, 'secret.dcm', dcm('PX', '9.9.9'));
    await symlink(path.join(outside, 'secret.dcm'), path.join(root, 'pneumonia', 'link.dcm'));
  });
  afterAll(async () => {
    await removeDir(root);
    await removeDir(outside);
  });

  it('reads PatientID and SOPInstanceUID from the header', async () => {
    expect(await readDicomHeader(path.join(root, 'normal/P1/study1/a.dcm'))).toEqual({
      patientId: 'P1',
      sopInstanceUid: '1.2.3.1',
    });
    expect(await readDicomHeader(path.join(root, 'pneumonia/anon/e.dcm'))).toEqual({ sopInstanceUid: '1.2.3.5' });
    await expect(readDicomHeader(path.join(root, 'pneumonia/bad.dcm'))).rejects.toMatchObject({
      code: 'DATA_BAD_DICOM',
      file: path.join(root, 'pneumonia/bad.dcm'),
    });
  });

  it('labels from class folders, patients from PatientID, bad files rejected with the file named', async () => {
    const m = await loadDicomFolder({ root, seed: 3 });
    expect(m.format).toBe('dicom');
    expect(m.task).toEqual({ kind: 'multiclass', names: ['normal', 'pneumonia'] });
    expect(m.rows.map((r) => [r.id, r.raw[0], r.patient])).toEqual([
      ['normal/P1/study1/a.dcm', 0, 'P1'],
      ['normal/P1/study2/b.dcm', 0, 'P1'],
      ['normal/P2/IM0001', 0, 'P2'],
      ['pneumonia/anon/e.dcm', 1, 'pneumonia/anon/e.dcm'],
      ['pneumonia/P3/d.dcm', 1, 'P3'],
    ]);
    for (const r of m.rows) expect(r.split).toBe(splitForPatient(r.patient, 3));
    expect(m.rows[0]!.attrs).toEqual({ patientId: 'P1', sopInstanceUid: '1.2.3.1' });
    // escapes are found while walking the tree, unreadable files when their headers are read
    expect(m.rejected.map((r) => [path.relative(root, r.file), r.line, r.reason])).toEqual([
      ['pneumonia/link.dcm', 0, 'path-escape'],
      ['pneumonia/bad.dcm', 0, 'unreadable-image'],
    ]);
    expect(m.filtered).toEqual({ 'DICOM file outside a class folder': 1 });
    await expect(loadDicomFolder({ root, onBadRow: 'fail' })).rejects.toMatchObject({
      code: 'DATA_BAD_ROWS',
      message: expect.stringMatching(/link\.dcm:0: path-escape/),
    });
  });

  it('labels from a CSV keyed by path: bad rows named by CSV line', async () => {
    await writeText(
      root,
      'labels.csv',
      'path,finding\nnormal/P1/study1/a.dcm,1\npneumonia/P3/d.dcm,0\nnormal/missing.dcm,1\nnormal/P2/IM0001,maybe\npneumonia/P3/d.dcm,1\npneumonia/notes.txt,0\n',
    );
    const m = await loadDicomFolder({ root, labels: { from: 'csv', labelColumns: ['finding'], kind: 'binary' } });
    expect(m.task).toEqual({ kind: 'binary', names: ['finding'] });
    expect(m.rows.map((r) => [r.id, r.raw[0], r.patient, r.source.line])).toEqual([
      ['normal/P1/study1/a.dcm', 1, 'P1', 2],
      ['pneumonia/P3/d.dcm', 0, 'P3', 3],
    ]);
    expect(m.rejected.map((r) => [path.basename(r.file), r.line, r.reason])).toEqual([
      ['labels.csv', 4, 'missing-file'],
      ['labels.csv', 5, 'unknown-label'],
      ['labels.csv', 6, 'duplicate-id'],
      ['labels.csv', 7, 'unreadable-image'],
    ]);
  });

  it('labels from a CSV keyed by SOPInstanceUID; unlabelled files are counted, unknown UIDs rejected', async () => {
    await writeText(root, 'by-uid.csv', 'SOPInstanceUID,grade\n1.2.3.2,severe\n1.2.3.5,mild\n1.2.3.77,mild\n');
    const m = await loadDicomFolder({
      root,
      labels: {
        from: 'csv',
        csv: 'by-uid.csv',
        key: 'sopInstanceUid',
        labelColumns: ['grade'],
        classes: ['mild', 'severe'],
      },
    });
    expect(m.task).toEqual({ kind: 'multiclass', names: ['mild', 'severe'] });
    expect(m.rows.map((r) => [r.id, r.raw[0], r.patient])).toEqual([
      ['normal/P1/study2/b.dcm', 1, 'P1'],
      ['pneumonia/anon/e.dcm', 0, 'pneumonia/anon/e.dcm'],
    ]);
    expect(m.rejected.map((r) => [path.basename(r.file), r.line, r.reason])).toEqual([
      ['link.dcm', 0, 'path-escape'],
      ['bad.dcm', 0, 'unreadable-image'],
      ['by-uid.csv', 4, 'missing-file'],
    ]);
    expect(m.rejected[2]!.message).toMatch(/no DICOM file under .* has SOPInstanceUID 1\.2\.3\.77/);
    // a.dcm, IM0001, d.dcm and loose.dcm have no row
    expect(m.filtered).toEqual({ 'DICOM file without a row in by-uid.csv': 4 });
  });

  it('keeps every image of a patient in one split (patient-level splits)', async () => {
    const many = await tempDir();
    try {
      for (let p = 0; p < 40; p++) {
        for (const k of [0, 1, 2])
          await writeText(many, `${p % 2 ? 'sick' : 'well'}/case${p}_${k}.dcm`, dcm(`PAT${p}`, `2.${p}.${k}`));
      }
      const m = await loadDicomFolder({ root: many, split: { train: 0.5, val: 0.25, test: 0.25 } });
      expect(m.rows).toHaveLength(120);
      const byPatient = new Map<string, Set<string>>();
      for (const r of m.rows) byPatient.set(r.patient, (byPatient.get(r.patient) ?? new Set()).add(r.split));
      expect(byPatient.size).toBe(40);
      for (const splits of byPatient.values()) expect(splits.size).toBe(1);
      expect(new Set(m.rows.map((r) => r.split))).toEqual(new Set(['train', 'val', 'test']));
    } finally {
      await removeDir(many);
    }
  });

  it('refuses a tree with fewer than 2 class folders and bad options', async () => {
    const one = await tempDir();
    try {
      await writeText(one, 'only/a.dcm', dcm('P1', '1'));
      await expect(loadDicomFolder({ root: one })).rejects.toMatchObject({
        code: 'DATA_BAD_SET',
        message: expect.stringMatching(/expected at least 2 class folders holding DICOM files, found 1 \(only\)/),
      });
      await expect(loadDicomFolder({ root: one, labels: { from: 'xml' } } as never)).rejects.toMatchObject({
        code: 'DATA_BAD_OPTIONS',
      });
      await expect(
        loadDicomFolder({ root: one, labels: { from: 'csv', kind: 'binary', labelColumns: ['a', 'b'] } }),
      ).rejects.toThrow(/exactly one label column/);
    } finally {
      await removeDir(one);
    }
  });
});
