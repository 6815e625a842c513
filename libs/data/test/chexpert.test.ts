import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { loadChexpert, parseChexpertCell } from '../src/formats/chexpert.js';
import { rowTargets } from '../src/import.js';
import { summarizeManifest } from '../src/summary.js';
import { place, removeDir, SAMPLE, tempDir, writeText, writeTruncated } from './helpers.js';

const HEADER =
  'Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices';

/** A CheXpert row; labels given for the 5 competition columns (Atelectasis, Cardiomegaly, Consolidation, Edema, Effusion). */
function row(
  p: string,
  view: 'Frontal' | 'Lateral',
  apPa: string,
  [atel, cardio, consol, edema, eff]: string[],
): string {
  // column order: NoFinding, EnlCM, Cardiomegaly, LungOpacity, LungLesion, Edema, Consolidation, Pneumonia, Atelectasis, Pneumothorax, Effusion, PleuralOther, Fracture, SupportDevices
  return [p, 'Female', '68', view, apPa, '', '', cardio, '', '', edema, consol, '', atel, '', eff, '', '', '1.0'].join(
    ',',
  );
}

describe('loadChexpert', () => {
  let parent: string;
  let root: string;
  beforeAll(async () => {
    parent = await tempDir();
    root = path.join(parent, 'CheXpert-v1.0-small');
    const img = (p: string): Promise<string> => place(root, p, SAMPLE.cxr1);
    const rows: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const id = `patient${String(i).padStart(5, '0')}`;
      await img(`train/${id}/study1/view1_frontal.jpg`);
      rows.push(
        row(`CheXpert-v1.0-small/train/${id}/study1/view1_frontal.jpg`, 'Frontal', i % 2 ? 'AP' : 'PA', [
          i % 3 === 0 ? '-1.0' : '1.0',
          '0.0',
          '',
          '-1.0',
          '1.0',
        ]),
      );
      if (i <= 3) {
        await img(`train/${id}/study1/view2_lateral.jpg`);
        rows.push(
          row(`CheXpert-v1.0-small/train/${id}/study1/view2_lateral.jpg`, 'Lateral', '', [
            '1.0',
            '1.0',
            '1.0',
            '1.0',
            '1.0',
          ]),
        );
      }
    }
    // rare LL / RL values and the full-size prefix are accepted
    await img('train/patient00013/study1/view1_frontal.jpg');
    rows.push(
      row('CheXpert-v1.0/train/patient00013/study1/view1_frontal.jpg', 'Frontal', 'LL', [
        '0.0',
        '1.0',
        '0.0',
        '0.0',
        '0.0',
      ]),
    );
    // bad rows
    rows.push(
      row('CheXpert-v1.0-small/train/patient00014/study1/view1_frontal.jpg', 'Frontal', 'AP', [
        '1',
        '0',
        '0',
        '0',
        '0',
      ]),
    ); // missing file
    await writeTruncated(root, 'train/patient00015/study1/view1_frontal.jpg', SAMPLE.cxr1); // kept by the index; fails at decode
    rows.push(
      row('CheXpert-v1.0-small/train/patient00015/study1/view1_frontal.jpg', 'Frontal', 'AP', [
        '1',
        '0',
        '0',
        '0',
        '0',
      ]),
    );
    rows.push(
      row('CheXpert-v1.0-small/../../etc/patient00016/x/view1_frontal.jpg', 'Frontal', 'AP', ['1', '0', '0', '0', '0']),
    ); // escape
    rows.push(row('/etc/patient00017/study1/view1_frontal.jpg', 'Frontal', 'AP', ['1', '0', '0', '0', '0'])); // absolute
    await symlink(SAMPLE.cxr2, path.join(root, 'train', 'patient00001', 'study1', 'link_frontal.jpg'));
    rows.push(
      row('CheXpert-v1.0-small/train/patient00001/study1/link_frontal.jpg', 'Frontal', 'AP', ['1', '0', '0', '0', '0']),
    ); // symlink out
    await img('train/patient00018/study1/view1_frontal.jpg');
    rows.push(
      row('CheXpert-v1.0-small/train/patient00018/study1/view1_frontal.jpg', 'Frontal', 'AP', [
        '2.0',
        '0',
        '0',
        '0',
        '0',
      ]),
    ); // unknown label
    rows.push(
      row('CheXpert-v1.0-small/train/patient00018/study1/view1_frontal.jpg', 'Frontal', 'XX', [
        '1',
        '0',
        '0',
        '0',
        '0',
      ]),
    ); // bad AP/PA
    await writeText(root, 'train.csv', `${[HEADER, ...rows].join('\n')}\n`);
    // valid.csv: two test patients, one of them also (wrongly) in train.csv → the train rows are dropped
    await img('valid/patient64541/study1/view1_frontal.jpg');
    await img('valid/patient00012/study1/view1_frontal.jpg');
    await writeText(
      root,
      'valid.csv',
      [
        HEADER,
        row('CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg', 'Frontal', 'AP', [
          '1.0',
          '0.0',
          '0.0',
          '1.0',
          '0.0',
        ]),
        row('CheXpert-v1.0-small/valid/patient00012/study1/view1_frontal.jpg', 'Frontal', 'PA', [
          '0.0',
          '1.0',
          '0.0',
          '0.0',
          '0.0',
        ]),
      ].join('\n'),
    );
  });
  afterAll(() => removeDir(parent));

  it('parses label cells strictly', () => {
    expect(parseChexpertCell('1.0')).toBe(1);
    expect(parseChexpertCell('-1.0')).toBe(-1);
    expect(parseChexpertCell('0')).toBe(0);
    expect(parseChexpertCell('')).toBeNaN();
    expect(parseChexpertCell('2.0')).toBeUndefined();
    expect(parseChexpertCell('yes')).toBeUndefined();
  });

  it('reads frontal rows from the parent folder, strips both prefixes and rejects bad rows with reasons', async () => {
    const m = await loadChexpert({ root: parent });
    expect(m.task.names).toEqual(['Atelectasis', 'Cardiomegaly', 'Consolidation', 'Edema', 'Pleural Effusion']);
    // 12 train frontals (patient00012's train row dropped: leak) + patient00013 (LL) + truncated file (kept until decode) + 2 test
    const ids = m.rows.map((r) => r.id);
    expect(ids).toContain('train/patient00013/study1/view1_frontal.jpg');
    expect(ids).toContain('train/patient00015/study1/view1_frontal.jpg');
    expect(ids.filter((i) => i.includes('lateral'))).toEqual([]);
    expect(m.rows).toHaveLength(11 + 1 + 1 + 2);
    expect(m.rows.find((r) => r.id.includes('patient00013'))!.attrs['view']).toBe('LL');
    const reasons = m.rejected.map((r) => `${r.line}:${r.reason}`);
    expect(reasons).toEqual([
      '16:patient-leak',
      '18:missing-file',
      '20:path-escape',
      '21:path-escape',
      '22:path-escape',
      '23:unknown-label',
      '24:bad-field',
    ]);
    expect(m.rejected).toHaveLength(7);
    expect(m.rejected.find((r) => r.reason === 'unknown-label')!.message).toBe(
      'Atelectasis: expected 1, 0, -1 or blank, got "2.0"',
    );
    expect(m.rejected.find((r) => r.line === 22)!.message).toMatch(/symlink .* outside the dataset root/);
    expect(m.rejected.every((r) => r.file === path.join(root, 'train.csv'))).toBe(true);
  });

  it('splits by patient: valid.csv is test, train.csv patients go to train or val, never both', async () => {
    const m = await loadChexpert({ root, valFraction: 0.4, seed: 3 });
    const splitsOf = new Map<string, Set<string>>();
    for (const r of m.rows) splitsOf.set(r.patient, (splitsOf.get(r.patient) ?? new Set()).add(r.split));
    for (const s of splitsOf.values()) expect(s.size).toBe(1);
    expect(
      m.rows
        .filter((r) => r.split === 'test')
        .map((r) => r.patient)
        .sort(),
    ).toEqual(['patient00012', 'patient64541']);
    expect(m.rows.some((r) => r.split === 'val')).toBe(true);
    expect(m.rows.some((r) => r.split === 'train')).toBe(true);
  });

  it('applies U-Ignore, U-Zeros and U-Ones; blank = 0 by default', async () => {
    const get = async (policy: 'ignore' | 'zeros' | 'ones', blank?: 'zero' | 'ignore') => {
      const m = await loadChexpert({ root, policy, ...(blank ? { blank } : {}) });
      const r = m.rows.find((x) => x.id === 'train/patient00003/study1/view1_frontal.jpg')!; // atel -1, cardio 0, consol blank, edema -1, eff 1
      return rowTargets(m, r);
    };
    expect(await get('ignore')).toEqual({ labels: [0, 0, 0, 0, 1], mask: [0, 1, 1, 0, 1] });
    expect(await get('zeros')).toEqual({ labels: [0, 0, 0, 0, 1], mask: [1, 1, 1, 1, 1] });
    expect(await get('ones')).toEqual({ labels: [1, 0, 0, 1, 1], mask: [1, 1, 1, 1, 1] });
    expect(await get('ones', 'ignore')).toEqual({ labels: [1, 0, 0, 1, 1], mask: [1, 1, 0, 1, 1] });
  });

  it('keeps lateral views when asked, and selects other observations', async () => {
    const m = await loadChexpert({ root, frontalOnly: false, labels: ['Support Devices', 'No Finding'] });
    expect(m.rows.filter((r) => r.attrs['frontalLateral'] === 'Lateral')).toHaveLength(3);
    expect(m.rows[0]!.raw[0]).toBe(1);
    expect(m.rows[0]!.raw[1]).toBeNaN();
  });

  it('summarises per split with positives, negatives, uncertain, blank and ignored', async () => {
    const m = await loadChexpert({ root, valFraction: 0 });
    const s = summarizeManifest(m);
    const train = s.splits.find((x) => x.split === 'train')!;
    expect(train.images).toBe(13);
    expect(train.patients).toBe(13);
    const atel = train.labels.find((l) => l.name === 'Atelectasis')!;
    // patients 1..11: atel -1 for 3, 6, 9 → 3 uncertain (ignored), 8 positive; patient 13: 0; truncated row: 1
    expect(atel).toEqual({ name: 'Atelectasis', positive: 9, negative: 1, uncertain: 3, blank: 0, ignored: 3 });
    const consol = train.labels.find((l) => l.name === 'Consolidation')!;
    expect(consol.blank).toBe(11);
    expect(consol.negative).toBe(13);
    expect(s.rejected.total).toBe(7);
    expect(s.filtered).toEqual({ 'lateral view (frontalOnly)': 3 });
    expect(s.rejected.byReason['path-escape']).toBe(3);
  });

  it('stops at the first bad row with onBadRow=fail, naming file and line', async () => {
    await expect(loadChexpert({ root, onBadRow: 'fail' })).rejects.toThrow(
      /train\.csv:16: patient-leak: patient patient00012 is also in valid\.csv/,
    );
  });

  it('errors clearly on a missing dataset, missing columns or bad options', async () => {
    const empty = await tempDir();
    try {
      await expect(loadChexpert({ root: empty })).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
      await writeText(empty, 'train.csv', 'Path,Sex\nx,Male\n');
      await expect(loadChexpert({ root: empty })).rejects.toThrow(/missing column\(s\) "Age", "Frontal\/Lateral"/);
      await expect(loadChexpert({ root: empty, policy: 'maybe' as never })).rejects.toBeInstanceOf(DataError);
      await expect(loadChexpert({ root: empty, labels: ['Cancer' as never] })).rejects.toThrow(
        /chexpert options: labels/,
      );
    } finally {
      await removeDir(empty);
    }
  });
});
