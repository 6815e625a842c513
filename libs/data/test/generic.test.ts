import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsvDataset, loadFolderDataset } from '../src/formats/generic.js';
import { rowTargets } from '../src/import.js';
import { removeDir, tempDir, writePng, writeText } from './helpers.js';

describe('loadCsvDataset', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    for (const f of ['a.png', 'b.png', 'c.png', 'd.png', 'sub/e.png']) await writePng(root, f, 8, 8, 1);
  });
  afterAll(() => removeDir(root));

  it('multiclass: classes from the sorted values (or given), split column honoured', async () => {
    await writeText(
      root,
      'index.csv',
      'path,label,split,pid\na.png,cat,train,p1\nb.png,dog,valid,p2\nc.png,cat,test,p3\nd.png,bird,holdout,p4\nsub/e.png,fish,train,p5\n',
    );
    const m = await loadCsvDataset({
      root,
      splitColumn: 'split',
      patientColumn: 'pid',
      classes: ['cat', 'dog', 'bird'],
    });
    expect(m.task).toEqual({ kind: 'multiclass', names: ['cat', 'dog', 'bird'] });
    expect(m.rows.map((r) => [r.id, r.raw[0], r.split, r.patient])).toEqual([
      ['a.png', 0, 'train', 'p1'],
      ['b.png', 1, 'val', 'p2'],
      ['c.png', 0, 'test', 'p3'],
    ]);
    expect(m.rejected.map((r) => [r.line, r.reason, r.message])).toEqual([
      [5, 'bad-field', 'split: expected train, val or test, got "holdout"'],
      [6, 'unknown-label', 'label: expected one of cat, dog, bird, got "fish"'],
    ]);
    const auto = await loadCsvDataset({ root, splitColumn: 'split', onBadRow: 'skip' });
    expect(auto.task.names).toEqual(['bird', 'cat', 'dog', 'fish']);
  });

  it('binary and multilabel kinds, with the uncertainty policy', async () => {
    await writeText(root, 'ml.csv', 'file,effusion,edema\na.png,1,-1\nb.png,0,\nc.png,maybe,1\n');
    const m = await loadCsvDataset({
      root,
      csv: 'ml.csv',
      pathColumn: 'file',
      labelColumns: ['effusion', 'edema'],
      kind: 'multilabel',
      policy: 'ones',
    });
    expect(m.rows.map((r) => rowTargets(m, r))).toEqual([
      { labels: [1, 1], mask: [1, 1] },
      { labels: [0, 0], mask: [1, 1] },
    ]);
    expect(m.rejected[0]!.message).toBe('effusion: expected 1, 0, -1 or blank, got "maybe"');
    await writeText(root, 'bin.csv', 'path,label\na.png,1\nb.png,0\nc.png,2\n');
    const b = await loadCsvDataset({ root, csv: 'bin.csv', kind: 'binary' });
    expect(b.rows.map((r) => r.raw[0])).toEqual([1, 0]);
    await expect(loadCsvDataset({ root, csv: 'bin.csv', kind: 'binary', labelColumns: ['a', 'b'] })).rejects.toThrow(
      /exactly one label column/,
    );
  });

  it('rejects paths escaping the root', async () => {
    await writeText(root, 'esc.csv', `path,label\n../outside.png,a\n${path.join(root, 'a.png')},b\na.png,a\nb.png,b\n`);
    const m = await loadCsvDataset({ root, csv: 'esc.csv' });
    expect(m.rows.map((r) => r.id)).toEqual(['a.png', 'b.png']);
    expect(m.rejected.map((r) => r.reason)).toEqual(['path-escape', 'path-escape']);
    expect(m.rejected[1]!.message).toMatch(/absolute path/);
  });
});

describe('loadFolderDataset', () => {
  it('reads root/<class>/<image> and root/<split>/<class>/<image>, ignoring other files, rejecting symlinks out', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    try {
      await writePng(root, 'normal/1.png', 8, 8, 1);
      await writePng(root, 'normal/2.png', 8, 8, 1);
      await writePng(root, 'pneumonia/10.png', 8, 8, 1);
      await writeText(root, 'pneumonia/notes.txt', 'not an image');
      await writePng(outside, 'secret.png', 8, 8, 1);
      await symlink(path.join(outside, 'secret.png'), path.join(root, 'pneumonia', 'link.png'));
      const m = await loadFolderDataset({ root });
      expect(m.task).toEqual({ kind: 'multiclass', names: ['normal', 'pneumonia'] });
      expect(m.rows.map((r) => [r.id, r.raw[0]])).toEqual([
        ['normal/1.png', 0],
        ['normal/2.png', 0],
        ['pneumonia/10.png', 1],
      ]);
      expect(m.rejected).toEqual([expect.objectContaining({ reason: 'path-escape', id: 'pneumonia/link.png' })]);

      const split = await tempDir();
      await writePng(split, 'train/a/1.png', 8, 8, 3);
      await writePng(split, 'train/b/2.png', 8, 8, 3);
      await writePng(split, 'val/a/3.png', 8, 8, 3);
      await writePng(split, 'test/b/4.png', 8, 8, 3);
      const s = await loadFolderDataset({ root: split });
      expect(s.rows.map((r) => [r.id, r.split, r.raw[0]])).toEqual([
        ['test/b/4.png', 'test', 1],
        ['train/a/1.png', 'train', 0],
        ['train/b/2.png', 'train', 1],
        ['val/a/3.png', 'val', 0],
      ]);
      await removeDir(split);
      const one = await tempDir();
      await writePng(one, 'only/1.png', 8, 8, 1);
      await expect(loadFolderDataset({ root: one })).rejects.toThrow(/at least 2 class folders/);
      await removeDir(one);
    } finally {
      await removeDir(root);
      await removeDir(outside);
    }
  });
});
