import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '../src/artifact.js';
import { importDataset, IMPORT_FORMATS } from '../src/import-dataset.js';
import type { ImportProgress } from '../src/import.js';
import { writeLearnableMedmnistNpz } from '../src/testing/index.js';
import { makeDicom, removeDir, tempDir, writePng, writeText, writeTruncated } from './helpers.js';

async function writeJpeg(root: string, rel: string, value: number): Promise<void> {
  const dst = path.join(root, rel);
  await mkdir(path.dirname(dst), { recursive: true });
  await sharp(Buffer.alloc(16 * 16 * 3, value), { raw: { width: 16, height: 16, channels: 3 } })
    .jpeg({ quality: 95 })
    .toFile(dst);
}

/** For each patient, the set of splits its rows landed in. */
function splitsByPatient(set: { patients: string[]; splits: string[] }): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  set.patients.forEach((p, i) => m.set(p, (m.get(p) ?? new Set()).add(set.splits[i]!)));
  return m;
}

describe('importDataset', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
    await mkdir(path.join(tmp, 'out'));
  });
  afterAll(() => removeDir(tmp));
  const out = (name: string): string => path.join(tmp, 'out', `${name}.arrow`);

  it('covers every format', () => {
    expect(IMPORT_FORMATS).toEqual(['csv', 'folder', 'dicom', 'chexpert', 'eyepacs', 'aptos', 'medmnist']);
  });

  it('csv: a patient column gives patient-disjoint splits; bad rows come back with file and line', async () => {
    const root = path.join(tmp, 'csv');
    const lines = ['file,finding,patient'];
    for (let p = 0; p < 20; p++) {
      for (const k of [0, 1]) {
        await writePng(root, `img/p${p}_${k}.png`, 12, 10, 1, (p + k) % 2 ? 220 : 40);
        lines.push(`img/p${p}_${k}.png,${(p + k) % 2},P${p}`);
      }
    }
    await writeTruncated(root, 'img/cut.png', path.join(root, 'img/p0_0.png'));
    lines.push('img/cut.png,1,P99', 'img/none.png,0,P98', 'img/p1_0.png,2,P1');
    await writeText(root, 'index.csv', `${lines.join('\n')}\n`);
    const progress: ImportProgress[] = [];
    const r = await importDataset(
      {
        format: 'csv',
        options: {
          root,
          pathColumn: 'file',
          labelColumns: ['finding'],
          kind: 'binary',
          patientColumn: 'patient',
          split: { train: 0.5, val: 0.25, test: 0.25 },
          seed: 2,
        },
        preprocess: { size: 16, channels: 1 },
        shardSize: 16,
      },
      out('csv'),
      (p) => progress.push(p),
    );
    expect([r.format, r.rows, r.shards]).toEqual(['csv', 40, 3]);
    expect(r.task).toEqual({ kind: 'binary', names: ['finding'] });
    expect(r.rejected.map((x) => [path.basename(x.file), x.line, x.reason])).toEqual([
      ['index.csv', 43, 'missing-file'],
      ['index.csv', 44, 'unknown-label'],
      ['index.csv', 42, 'unreadable-image'],
    ]);
    expect(progress.at(-1)).toEqual({ done: 41, total: 41, rejected: 1 });
    const set = await readImageSet(out('csv'));
    expect([set.height, set.width, set.channels]).toEqual([16, 16, 1]);
    const bySplit = splitsByPatient(set);
    expect(bySplit.size).toBe(20);
    for (const s of bySplit.values()) expect(s.size).toBe(1);
    expect(new Set(set.splits)).toEqual(new Set(['train', 'val', 'test']));
    // label-1 images are flat 220 grey, label-0 ones 40 (only the padded top and bottom rows are black)
    set.ids.forEach((_, i) => expect(set.images[i * 256 + 8 * 16 + 8]).toBe(set.labels[i] ? 220 : 40));
  });

  it('folder: class folders, preprocess minSize raises the output side', async () => {
    const root = path.join(tmp, 'folder');
    for (let i = 0; i < 3; i++) {
      await writePng(root, `benign/${i}.png`, 20, 20, 3, 60);
      await writePng(root, `malignant/${i}.png`, 20, 20, 3, 190);
    }
    const r = await importDataset(
      { format: 'folder', options: { root }, preprocess: { size: 16, minSize: 24, channels: 3 } },
      out('folder'),
    );
    expect([r.rows, r.rejected]).toEqual([6, []]);
    const set = await readImageSet(out('folder'));
    expect([set.height, set.width, set.channels]).toEqual([24, 24, 3]);
    expect(set.task.names).toEqual(['benign', 'malignant']);
    expect(JSON.parse(set.meta['preprocess']!)).toMatchObject({ size: 16, minSize: 24 });
  });

  it('ordinal grades: a CSV column or class folders marked ordinal keep that through the artifact; only multiclass can be', async () => {
    const root = path.join(tmp, 'graded');
    const lines = ['file,grade'];
    for (let i = 0; i < 9; i++) {
      await writePng(root, `g${i % 3}/${i}.png`, 8, 8, 3, 40 + 60 * (i % 3));
      lines.push(`g${i % 3}/${i}.png,${['none', 'mild', 'severe'][i % 3]}`);
    }
    await writeText(root, 'grades.csv', `${lines.join('\n')}\n`);
    const csv = await importDataset(
      {
        format: 'csv',
        options: {
          root,
          csv: 'grades.csv',
          pathColumn: 'file',
          labelColumns: ['grade'],
          classes: ['none', 'mild', 'severe'],
          ordinal: true,
        },
        preprocess: { size: 8 },
      },
      out('ordinal-csv'),
    );
    expect(csv.task).toEqual({ kind: 'multiclass', names: ['none', 'mild', 'severe'], ordinal: true });
    expect((await readImageSet(out('ordinal-csv'))).task.ordinal).toBe(true);
    const folders = await importDataset(
      { format: 'folder', options: { root, ordinal: true }, preprocess: { size: 8 } },
      out('ordinal-folder'),
    );
    expect(folders.task).toEqual({ kind: 'multiclass', names: ['g0', 'g1', 'g2'], ordinal: true });
    // without the option the classes are nominal
    expect(
      (await importDataset({ format: 'folder', options: { root }, preprocess: { size: 8 } }, out('nominal'))).task
        .ordinal,
    ).toBeUndefined();
    await expect(
      importDataset(
        {
          format: 'csv',
          options: {
            root,
            csv: 'grades.csv',
            pathColumn: 'file',
            labelColumns: ['grade'],
            kind: 'binary',
            ordinal: true,
          },
          preprocess: { size: 8 },
        },
        out('bad'),
      ),
    ).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
      message: expect.stringMatching(
        /grades\.csv: ordinal: only a multiclass task has ordered grades, this one is binary/,
      ),
    });
  });

  it('dicom: PatientID splits, windowed pixels, unreadable files rejected', async () => {
    const root = path.join(tmp, 'dicom');
    const ramp = Array.from({ length: 64 }, (_, i) => i * 16);
    for (let p = 0; p < 6; p++) {
      for (const k of [0, 1])
        await writeText(
          root,
          `${p % 2 ? 'effusion' : 'normal'}/P${p}/s${k}.dcm`,
          makeDicom({ rows: 8, cols: 8, pixels: ramp, patientId: `PAT-${p}`, sopInstanceUid: `1.${p}.${k}` }),
        );
    }
    await writeText(root, 'normal/broken.dcm', 'not a DICOM file');
    const r = await importDataset(
      {
        format: 'dicom',
        options: { root, split: { train: 0.6, val: 0.2, test: 0.2 } },
        preprocess: { size: 8, window: 'minmax' },
      },
      out('dicom'),
    );
    expect(r.rows).toBe(12);
    expect(r.rejected.map((x) => [path.relative(root, x.file), x.reason])).toEqual([
      ['normal/broken.dcm', 'unreadable-image'],
    ]);
    const set = await readImageSet(out('dicom'));
    expect(new Set(set.patients)).toEqual(new Set(['PAT-0', 'PAT-1', 'PAT-2', 'PAT-3', 'PAT-4', 'PAT-5']));
    for (const s of splitsByPatient(set).values()) expect(s.size).toBe(1);
    expect(set.channels).toBe(1);
    // min–max window: the ramp's first pixel is black, its last white
    expect(set.images[0]).toBeLessThanOrEqual(2);
    expect(set.images[63]).toBeGreaterThanOrEqual(253);
  });

  it('medmnist: a generated binary file, upsampled to minSize, no rows rejected', async () => {
    const file = path.join(tmp, 'mnist', 'pneumoniamnist.npz');
    await writeLearnableMedmnistNpz(file, { flag: 'pneumoniamnist', counts: { train: 8, val: 4, test: 4 }, seed: 1 });
    const progress: ImportProgress[] = [];
    const r = await importDataset(
      { format: 'medmnist', options: { file }, preprocess: { minSize: 32 }, shardSize: 10 },
      out('medmnist'),
      (p) => progress.push(p),
    );
    expect(r).toEqual({
      format: 'medmnist',
      task: { kind: 'binary', names: ['pneumonia'] },
      rows: 16,
      shards: 2,
      rejected: [],
      filtered: {},
    });
    expect(progress.map((p) => p.done)).toEqual([10, 16]);
    const set = await readImageSet(out('medmnist'));
    expect([set.height, set.width, set.channels]).toEqual([32, 32, 1]);
    const stored = path.join(tmp, 'out', 'medmnist28.arrow');
    await importDataset({ format: 'medmnist', options: { file, splits: ['test'] } }, stored);
    expect((await readImageSet(stored)).height).toBe(28);
  });

  it('chexpert, eyepacs and aptos layouts', async () => {
    const cx = path.join(tmp, 'chexpert', 'CheXpert-v1.0-small');
    const header =
      'Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices';
    const rows = [header];
    for (let i = 1; i <= 4; i++) {
      const rel = `train/patient0000${i}/study1/view1_frontal.jpg`;
      await writeJpeg(cx, rel, 100);
      rows.push(
        [
          `CheXpert-v1.0-small/${rel}`,
          'Male',
          '50',
          'Frontal',
          'PA',
          '',
          '',
          '1.0',
          '',
          '',
          '0.0',
          '',
          '',
          '-1.0',
          '',
          '1.0',
          '',
          '',
          '',
        ].join(','),
      );
    }
    await writeText(cx, 'train.csv', `${rows.join('\n')}\n`);
    const c = await importDataset(
      { format: 'chexpert', options: { root: path.dirname(cx), policy: 'ones' }, preprocess: { size: 8, channels: 1 } },
      out('chexpert'),
    );
    expect([c.rows, c.task.kind, c.task.names.length]).toEqual([4, 'multilabel', 5]);
    const cs = await readImageSet(out('chexpert'));
    // Atelectasis -1 under U-Ones → 1; Cardiomegaly 1, Consolidation blank → 0, Edema 0, Effusion 1
    expect(Array.from(cs.labels.subarray(0, 5))).toEqual([1, 1, 0, 0, 1]);

    const ep = path.join(tmp, 'eyepacs');
    const ey = ['image,level'];
    for (let p = 1; p <= 3; p++)
      for (const eye of ['left', 'right']) {
        await writeJpeg(ep, `train/${p}_${eye}.jpeg`, 30 * p);
        ey.push(`${p}_${eye},${p}`);
      }
    await writeText(ep, 'trainLabels.csv', `${ey.join('\n')}\n`);
    const e = await importDataset(
      { format: 'eyepacs', options: { root: ep, task: 'referable' }, preprocess: { size: 8 } },
      out('eyepacs'),
    );
    expect([e.rows, e.task.kind]).toEqual([6, 'binary']);
    const es = await readImageSet(out('eyepacs'));
    expect(Array.from(es.labels)).toEqual([0, 0, 1, 1, 1, 1]);
    for (const s of splitsByPatient(es).values()) expect(s.size).toBe(1);

    const ap = path.join(tmp, 'aptos');
    await writePng(ap, 'train_images/abc.png', 10, 10, 3, 90);
    await writePng(ap, 'train_images/def.png', 10, 10, 3, 90);
    await writeText(ap, 'train.csv', 'id_code,diagnosis\nabc,4\ndef,0\nghi,2\n');
    const a = await importDataset({ format: 'aptos', options: { root: ap }, preprocess: { size: 8 } }, out('aptos'));
    expect([a.rows, a.task.names.length]).toEqual([2, 5]);
    expect(a.rejected).toEqual([expect.objectContaining({ line: 4, reason: 'missing-file' })]);
  });

  it('the loader’s onBadRow also stops at an undecodable image, leaving no file', async () => {
    const root = path.join(tmp, 'strict');
    await writePng(root, 'a/1.png', 8, 8, 1);
    await writePng(root, 'b/2.png', 8, 8, 1);
    await writeTruncated(root, 'b/3.png', path.join(root, 'b/2.png'));
    await expect(
      importDataset({ format: 'folder', options: { root, onBadRow: 'fail' }, preprocess: { size: 8 } }, out('strict')),
    ).rejects.toMatchObject({ code: 'DATA_BAD_ROWS', message: expect.stringMatching(/unreadable-image/) });
    expect(existsSync(out('strict'))).toBe(false);
  });

  it('refuses bad options with the field named', async () => {
    await expect(
      importDataset({ format: 'csv', options: { root: tmp }, preprocess: {} } as never, out('x')),
    ).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
      message: expect.stringMatching(/import options: preprocess\.size/),
    });
    await expect(importDataset({ format: 'nifti', options: { root: tmp } } as never, out('x'))).rejects.toMatchObject({
      code: 'DATA_BAD_OPTIONS',
      message: expect.stringMatching(/import options: format/),
    });
    await expect(
      importDataset(
        { format: 'medmnist', options: { file: 'x.npz' }, preprocess: { fundus: 'trim' } } as never,
        out('x'),
      ),
    ).rejects.toMatchObject({ code: 'DATA_BAD_OPTIONS', message: expect.stringMatching(/preprocess/) });
  });
});
