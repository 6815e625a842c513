import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageSet } from '../src/artifact.js';
import { loadCsvDataset } from '../src/formats/generic.js';
import { importManifestToArrow } from '../src/import.js';
import type { Manifest } from '../src/manifest.js';
import { removeDir, tempDir, writePng, writeText, writeTruncated, SAMPLE } from './helpers.js';

class Interrupt extends Error {}

describe('resumable import', () => {
  let root: string;
  let manifest: Manifest;
  const N = 23;
  beforeAll(async () => {
    root = await tempDir();
    const lines = ['path,label,split'];
    for (let i = 0; i < N; i++) {
      const name = `img/${String(i).padStart(3, '0')}.png`;
      if (i === 9)
        await writeTruncated(root, name, SAMPLE.cxr1); // a rejected row inside an early shard
      else await writePng(root, name, 12 + (i % 5), 10, (i % 3 === 0 ? 1 : 3) as 1 | 3, (i * 37) % 256);
      lines.push(`${name},${i % 2},${['train', 'val', 'test'][i % 3]}`);
    }
    await writeText(root, 'index.csv', `${lines.join('\n')}\n`);
    manifest = await loadCsvDataset({ root, kind: 'binary', splitColumn: 'split' });
  });
  afterAll(() => removeDir(root));

  const options = { preprocess: { size: 16 }, chunkSize: 4, shardSize: 5, concurrency: 2 } as const;

  it('an interrupted import, rerun, writes the same file as an uninterrupted one, decoding only the rest', async () => {
    const straight = path.join(root, 'straight.arrow');
    const r0 = await importManifestToArrow(manifest, straight, options, undefined, { workDir: path.join(root, 'w0') });
    expect([r0.rows, r0.shards, r0.rejected.length]).toEqual([22, 5, 1]);
    // the same bytes as the direct (not resumable) writer
    const direct = path.join(root, 'direct.arrow');
    await importManifestToArrow(manifest, direct, options);
    expect(Buffer.compare(await readFile(direct), await readFile(straight))).toBe(0);

    const file = path.join(root, 'resumed.arrow');
    const workDir = path.join(root, 'w1');
    // interrupted after the second shard is committed
    const err = await importManifestToArrow(manifest, file, options, undefined, {
      workDir,
      onShard: (k) => {
        if (k === 1) throw new Interrupt('stop');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupt);
    expect(existsSync(file)).toBe(false); // nothing half-written at the destination
    expect(
      readdirSync(workDir)
        .filter((f) => f.endsWith('.arrow'))
        .sort(),
    ).toEqual(['shard-000000.arrow', 'shard-000001.arrow']);

    const progress: number[] = [];
    let resumed: { shards: number; rows: number } | undefined;
    const r1 = await importManifestToArrow(manifest, file, options, (p) => progress.push(p.done), {
      workDir,
      onResume: (i) => (resumed = i),
    });
    // shard 1 ends at row 10 (rows 0..10 hold 10 decodable images, row 9 is the bad one)
    expect(resumed).toEqual({ shards: 2, rows: 11 });
    expect(progress[0]).toBeGreaterThan(11); // rows before 11 were not decoded again
    // libvips words the same decode failure differently from run to run ("vipspng: libpng read error" or
    // "Unknown error"): compare the rejections without sharp's detail.
    const stable = (r: typeof r0) => ({
      ...r,
      rejected: r.rejected.map((x) => ({ ...x, message: x.message.replace(/ \(.*\)$/, '') })),
    });
    expect(stable(r1)).toEqual(stable(r0));
    expect(Buffer.compare(await readFile(file), await readFile(straight))).toBe(0);
    const back = await readImageSet(file);
    expect(back.ids).toEqual(manifest.rows.filter((_, i) => i !== 9).map((r) => r.id));
  });

  it('starts over when the index or options changed, and after a damaged progress file', async () => {
    const workDir = path.join(root, 'w2');
    await importManifestToArrow(manifest, path.join(root, 'x.arrow'), options, undefined, {
      workDir,
      onShard: (k) => {
        if (k === 2) throw new Interrupt('stop');
      },
    }).catch(() => undefined);
    let resumed = false;
    const other = path.join(root, 'y.arrow');
    await importManifestToArrow(manifest, other, { ...options, preprocess: { size: 12 } }, undefined, {
      workDir,
      onResume: () => (resumed = true),
    });
    expect(resumed).toBe(false);
    expect((await readImageSet(other)).height).toBe(12);
    await writeText(workDir, 'progress.json', '{"format": "transfusion-import-progress/1", "key": 1');
    await importManifestToArrow(manifest, other, options, undefined, { workDir, onResume: () => (resumed = true) });
    expect(resumed).toBe(false);
    expect(Buffer.compare(await readFile(other), await readFile(path.join(root, 'straight.arrow')))).toBe(0);
  });
});
