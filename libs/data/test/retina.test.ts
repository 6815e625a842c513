import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAptos, loadEyepacs } from '../src/formats/retina.js';
import { summarizeManifest } from '../src/summary.js';
import { place, removeDir, SAMPLE, tempDir, writeText } from './helpers.js';

describe('loadEyepacs', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    const lines = ['image,level'];
    for (let p = 10; p < 40; p++) {
      for (const eye of ['left', 'right']) {
        await place(root, `train/${p}_${eye}.jpeg`, SAMPLE.retina);
        lines.push(`${p}_${eye},${(p + (eye === 'left' ? 0 : 1)) % 5}`);
      }
    }
    lines.push('99_left,5', '98_left,x', '97_left,2', '10_left,0'); // unknown grades, missing file, duplicate
    await writeText(root, 'trainLabels.csv', `${lines.join('\n')}\n`);
  });
  afterAll(() => removeDir(root));

  it('reads 5-grade labels, keeps both eyes of a patient in one split, rejects bad rows', async () => {
    const m = await loadEyepacs({ root, seed: 1 });
    expect(m.task).toEqual({ kind: 'multiclass', names: ['none', 'mild', 'moderate', 'severe', 'proliferative'] });
    expect(m.rows).toHaveLength(60);
    const byPatient = new Map<string, Set<string>>();
    for (const r of m.rows) byPatient.set(r.patient, (byPatient.get(r.patient) ?? new Set()).add(r.split));
    expect(byPatient.size).toBe(30);
    for (const s of byPatient.values()) expect(s.size).toBe(1);
    expect(m.rows.find((r) => r.id === '12_right')!.raw).toEqual([3]);
    expect(m.rows.find((r) => r.id === '12_right')!.attrs['eye']).toBe('right');
    expect(m.rejected.map((r) => [r.line, r.reason])).toEqual([
      [62, 'unknown-label'],
      [63, 'unknown-label'],
      [64, 'missing-file'],
      [65, 'duplicate-id'],
    ]);
    expect(m.rejected[0]!.message).toBe('level: expected a grade 0–4, got "5"');
  });

  it('referable task: grade >= 2 is positive', async () => {
    const m = await loadEyepacs({ root, task: 'referable' });
    expect(m.task).toEqual({ kind: 'binary', names: ['referable'] });
    for (const r of m.rows) expect(r.raw[0]).toBe(Number(r.attrs['grade']) >= 2 ? 1 : 0);
    const s = summarizeManifest(m);
    const total = s.splits.reduce((a, sp) => a + sp.labels[0]!.positive, 0);
    expect(total).toBe(m.rows.filter((r) => Number(r.attrs['grade']) >= 2).length);
  });

  it('uses retinopathy_solution.csv Usage for val/test when present', async () => {
    await place(root, 'test/50_left.jpeg', SAMPLE.retina);
    await place(root, 'test/51_left.jpeg', SAMPLE.retina);
    await writeText(
      root,
      'retinopathy_solution.csv',
      'image,level,Usage\n50_left,2,Public\n51_left,4,Private\n52_left,1,Other\n',
    );
    try {
      const m = await loadEyepacs({ root });
      expect(m.rows.find((r) => r.id === '50_left')!.split).toBe('val');
      expect(m.rows.find((r) => r.id === '51_left')!.split).toBe('test');
      expect(m.rows.filter((r) => r.source.file.endsWith('trainLabels.csv')).every((r) => r.split === 'train')).toBe(
        true,
      );
      expect(m.rejected.find((r) => r.id === '52_left')!.message).toMatch(/Usage: expected Public or Private/);
    } finally {
      await removeDir(`${root}/test`);
      await removeDir(`${root}/retinopathy_solution.csv`);
    }
  });

  it('fails with DATA_NOT_FOUND without the labels file', async () => {
    const empty = await tempDir();
    await expect(loadEyepacs({ root: empty })).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
    await removeDir(empty);
  });
});

describe('loadAptos', () => {
  it('reads id_code,diagnosis with train_images/<id>.png', async () => {
    const root = await tempDir();
    try {
      await place(root, 'train_images/000c1434d8d7.png', SAMPLE.microaneurysms);
      await place(root, 'train_images/001639a390f0.png', SAMPLE.microaneurysms);
      await writeText(root, 'train.csv', 'id_code,diagnosis\n000c1434d8d7,2\n001639a390f0,4\n0024cdab0c1e,1\n');
      const m = await loadAptos({ root, task: 'referable' });
      expect(m.format).toBe('aptos');
      expect(m.rows.map((r) => [r.id, r.raw[0]])).toEqual([
        ['000c1434d8d7', 1],
        ['001639a390f0', 1],
      ]);
      expect(m.rejected).toEqual([expect.objectContaining({ line: 4, reason: 'missing-file' })]);
      await expect(loadAptos({ root, onBadRow: 'fail' })).rejects.toThrow(/train\.csv:4: missing-file/);
    } finally {
      await removeDir(root);
    }
  });
});
