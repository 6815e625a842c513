import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '../src/artifact.js';
import { loadCsvDataset } from '../src/formats/generic.js';
import { importManifest, importManifestToArrow } from '../src/import.js';
import type { Manifest } from '../src/manifest.js';
import { place, removeDir, SAMPLE, tempDir, writePng, writeText, writeTruncated } from './helpers.js';

describe('import', () => {
  let root: string;
  let manifest: Manifest;
  beforeAll(async () => {
    root = await tempDir();
    await place(root, 'img/a.png', SAMPLE.cxr1);
    await place(root, 'img/b.png', SAMPLE.cxr2);
    await writePng(root, 'img/c.png', 30, 20, 3, 200); // an RGB image in a grey set
    await writeTruncated(root, 'img/d.png', SAMPLE.cxr1);
    await place(root, 'img/e.dcm', SAMPLE.dicom('MR_small.dcm'));
    await writeText(
      root,
      'index.csv',
      'path,label,split\nimg/a.png,1,train\nimg/b.png,0,train\nimg/c.png,1,val\nimg/d.png,0,test\nimg/e.dcm,0,test\nimg/missing.png,1,train\n',
    );
    manifest = await loadCsvDataset({ root, kind: 'binary', splitColumn: 'split' });
  });
  afterAll(() => removeDir(root));

  it('decodes in index order, converts channels, and rejects unreadable images with a reason', async () => {
    const progress: number[] = [];
    const { set, rejected } = await importManifest(
      manifest,
      { preprocess: { size: 32 }, concurrency: 3, chunkSize: 2 },
      (p) => progress.push(p.done),
    );
    expect(set.ids).toEqual(['img/a.png', 'img/b.png', 'img/c.png', 'img/e.dcm']);
    expect([set.height, set.width, set.channels]).toEqual([32, 32, 1]); // first image fixes 1 channel; c.png converted
    expect(Array.from(set.labels)).toEqual([1, 0, 1, 0]);
    expect(set.splits).toEqual(['train', 'train', 'val', 'test']);
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([
      [7, 'missing-file'],
      [5, 'unreadable-image'],
    ]);
    expect(rejected[1]!.message).toMatch(/d\.png: unreadable or truncated image/);
    expect(progress).toEqual([2, 4, 5]);
    // c.png is a flat 200-grey RGB image: converted to one channel, it stays 200 inside the padded area
    expect(set.images[2 * 32 * 32 + 16 * 32 + 16]).toBe(200);
    expect(JSON.parse(set.meta['preprocess']!).size).toBe(32);
  });

  it('stops on the first unreadable image with onBadRow=fail', async () => {
    await expect(importManifest(manifest, { preprocess: { size: 16 }, onBadRow: 'fail' })).rejects.toThrow(
      /index\.csv:5: unreadable-image/,
    );
  });

  it('writes a sharded Arrow artifact equal to the in-memory import', async () => {
    const file = path.join(root, 'out.arrow');
    const r = await importManifestToArrow(manifest, file, { preprocess: { size: 16, channels: 3 }, shardSize: 3 });
    expect([r.rows, r.shards, r.rejected.length]).toEqual([4, 2, 2]);
    const back = await readImageSet(file);
    const mem = await importManifest(manifest, { preprocess: { size: 16, channels: 3 } });
    expect(back.channels).toBe(3);
    expect(Buffer.compare(Buffer.from(back.images), Buffer.from(mem.set.images))).toBe(0);
    expect(back.ids).toEqual(mem.set.ids);
    const none = path.join(root, 'none.arrow');
    await expect(
      importManifestToArrow({ ...manifest, rows: manifest.rows.filter((x) => x.id === 'img/d.png') }, none, {
        preprocess: { size: 16 },
      }),
    ).rejects.toMatchObject({ code: 'DATA_EMPTY' });
    expect(existsSync(none)).toBe(false);
  });

  it('refuses bad options, naming the field', async () => {
    await expect(importManifest(manifest, { preprocess: { size: 32 }, concurrency: 0 })).rejects.toThrow(
      /import options: concurrency/,
    );
  });

  it('imports only requested splits', async () => {
    const { set } = await importManifest(manifest, { preprocess: { size: 16 }, splits: ['train'], limit: 1 });
    expect(set.ids).toEqual(['img/a.png']);
  });
});
