import { mkdtempSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fingerprintDataPath } from '@transfusion/pipeline';

describe('a tfjs layers model as a data path', () => {
  test('is fingerprinted over model.json and every weight shard it lists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fp-'));
    const manifest = {
      modelTopology: {},
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [] }],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'group1-shard1of2.bin'), Buffer.from([1, 2, 3, 4]));
    writeFileSync(join(dir, 'group1-shard2of2.bin'), Buffer.from([5, 6]));
    writeFileSync(join(dir, 'unrelated.txt'), 'not part of the model');
    const before = await fingerprintDataPath('model.json', dir);
    expect([before.files, before.bytes]).toEqual([3, JSON.stringify(manifest).length + 6]);

    writeFileSync(join(dir, 'unrelated.txt'), 'still not part of it');
    expect((await fingerprintDataPath('model.json', dir)).hash).toBe(before.hash);

    writeFileSync(join(dir, 'group1-shard2of2.bin'), Buffer.from([5, 7])); // same size, one byte changed
    const after = await fingerprintDataPath('model.json', dir);
    expect(after.hash).not.toBe(before.hash);

    unlinkSync(join(dir, 'group1-shard1of2.bin'));
    await expect(fingerprintDataPath('model.json', dir)).rejects.toThrow(
      /model\.json: its weightsManifest lists group1-shard1of2\.bin, which is not a file beside it/,
    );

    // any other JSON file is just a file
    writeFileSync(join(dir, 'labels.json'), JSON.stringify({ a: 1 }));
    expect((await fingerprintDataPath('labels.json', dir)).files).toBe(1);
  });
});
