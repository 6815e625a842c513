import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_FORMATS, readImageSet, SYNTHETIC_KINDS } from '@transfusion/data';
import { main, summary } from '../src/commands/data.js';
import { captureIo } from './capture.js';
// sample images, DICOM writer and fixtures shipped with libs/data's tests
import { FIXTURES, makeDicom, place, removeDir, SAMPLE, tempDir, writeText } from '../../../libs/data/test/helpers.js';

/** `data <command> --format F --root R --out O ...more`: the argv of a command that reads a data set and writes a file. */
function writing(command: string, format: string, from: string, out: string, ...more: string[]): string[] {
  return [command, '--format', format, '--root', from, '--out', out, ...more];
}

describe('transfusion data (CLI)', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    const lines = ['image,level'];
    for (let p = 1; p <= 6; p++) {
      await place(root, `train/${p}_left.jpeg`, SAMPLE.retina);
      lines.push(`${p}_left,${p % 5}`);
    }
    lines.push('7_left,9', '8_left,1');
    await writeText(root, 'trainLabels.csv', `${lines.join('\n')}\n`);
  });
  afterAll(() => removeDir(root));

  it('has a one-line summary and help for every command', async () => {
    expect(summary).not.toContain('\n');
    for (const argv of [
      ['--help'],
      ['summary', '--help'],
      ['preview', '--help'],
      ['import', '--help'],
      ['synthetic', '--help'],
    ]) {
      const c = captureIo();
      expect(await main(argv, c.io)).toBe(0);
      expect(c.out()).toMatch(/transfusion data/);
    }
    const c = captureIo();
    expect(await main([], c.io)).toBe(2);
    // the --format list in the help is the lib's
    const help = captureIo();
    await main(['summary', '--help'], help.io);
    for (const f of [...FILE_FORMATS, 'medmnist', ...SYNTHETIC_KINDS.map((k) => `synthetic-${k}`)])
      expect(help.out()).toContain(f);
  });

  it('exits 2 with a clear message on bad usage', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['summary', '--bogus'], /Unknown option '--bogus'/],
      [['summary', '--format', 'dicomdir', '--root', root], /--format/],
      [['summary', '--format', 'eyepacs'], /--root is required/],
      [['summary', '--format', 'eyepacs', '--root', root, '--policy', 'maybe'], /--policy/],
      [['synthetic', '--kind', 'brain', '--out', 'x.arrow'], /--kind: expected one of natural, fundus, chest/],
      [['summary', '--format', 'eyepacs', '--root', path.join(root, 'nope')], /DATA_NOT_FOUND/],
    ];
    for (const [argv, re] of cases) {
      const c = captureIo();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err()).toMatch(re);
    }
  });

  it('summary prints per-split counts and rejected rows; --json is machine-readable', async () => {
    const c = captureIo();
    expect(await main(['summary', '--format', 'eyepacs', '--root', root, '--task', 'referable'], c.io)).toBe(0);
    expect(c.out()).toMatch(/eyepacs dataset at .* task binary/);
    expect(c.out()).toMatch(/rejected rows: 2 \(unknown-label 1, missing-file 1\)/);
    expect(c.out()).toMatch(/trainLabels\.csv:8: unknown-label: level: expected a grade 0–4, got "9"/);
    const j = captureIo();
    expect(await main(['summary', '--format', 'eyepacs', '--root', root, '--json'], j.io)).toBe(0);
    const s = JSON.parse(j.out());
    expect(s.task.kind).toBe('multiclass');
    expect(s.splits.reduce((a: number, x: { images: number }) => a + x.images, 0)).toBe(6);
    expect(s.rejected.byReason).toEqual({ 'unknown-label': 1, 'missing-file': 1 });
  });

  it('--on-bad-row fail stops with exit 2', async () => {
    const c = captureIo();
    expect(await main(['summary', '--format', 'eyepacs', '--root', root, '--on-bad-row', 'fail'], c.io)).toBe(2);
    expect(c.err()).toMatch(/trainLabels\.csv:8: unknown-label/);
  });

  it('summarises MedMNIST and synthetic sets', async () => {
    const c = captureIo();
    expect(
      await main(
        ['summary', '--format', 'medmnist', '--root', path.join(FIXTURES, 'deflated/retinamnist.npz'), '--json'],
        c.io,
      ),
    ).toBe(0);
    const s = JSON.parse(c.out());
    expect(s.splits.map((x: { split: string; images: number }) => `${x.split}:${x.images}`)).toEqual([
      'train:6',
      'val:2',
      'test:3',
    ]);
    const d = captureIo();
    expect(
      await main(['summary', '--format', 'synthetic-chest', '--count', '40', '--size', '16', '--json'], d.io),
    ).toBe(0);
    expect(JSON.parse(d.out()).task.names).toContain('Cardiomegaly');
  });

  it('preview writes a PNG contact sheet', async () => {
    const out = path.join(root, 'sheet.png');
    const c = captureIo();
    expect(
      await main(
        writing('preview', 'eyepacs', root, out, '--samples', '4', '--size', '32', '--fundus', 'circle'),
        c.io,
      ),
    ).toBe(0);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(160 * 2);
    expect(c.err()).toMatch(/wrote 4 samples/);
    const s = path.join(root, 'synth.png');
    expect(
      await main(
        ['preview', '--format', 'synthetic-fundus', '--count', '12', '--size', '32', '--out', s],
        captureIo().io,
      ),
    ).toBe(0);
    expect(existsSync(s)).toBe(true);
  });

  it('import writes an Arrow artifact with progress on stderr and a JSON result on stdout', async () => {
    const out = path.join(root, 'eyepacs.arrow');
    const c = captureIo();
    expect(
      await main(
        writing('import', 'eyepacs', root, out, '--size', '24', '--fundus', 'trim', '--shard-size', '4'),
        c.io,
      ),
    ).toBe(0);
    expect(JSON.parse(c.out())).toEqual({ out, rows: 6, shards: 2, rejected: 2 });
    expect(c.err()).toMatch(/import: 6\/6 \(100%\)/);
    const set = await readImageSet(out);
    expect([set.height, set.channels]).toEqual([24, 3]);
  });

  it('imports MedMNIST with an optional resize', async () => {
    const out = path.join(root, 'medmnist.arrow');
    const c = captureIo();
    expect(
      await main(
        writing(
          'import',
          'medmnist',
          path.join(FIXTURES, 'deflated/chestmnist.npz'),
          out,
          '--size',
          '20',
          '--split',
          'test',
        ),
        c.io,
      ),
    ).toBe(0);
    expect(JSON.parse(c.out())).toEqual({ out, rows: 2, shards: 1, rejected: 0 });
    const set = await readImageSet(out);
    expect([set.height, set.channels, set.task.kind]).toEqual([20, 1, 'multilabel']);
    const up = path.join(root, 'medmnist-up.arrow');
    expect(
      await main(
        writing('import', 'medmnist', path.join(FIXTURES, 'deflated/retinamnist.npz'), up, '--min-size', '32'),
        captureIo().io,
      ),
    ).toBe(0);
    expect((await readImageSet(up)).height).toBe(32);
  });

  it('summarises a DICOM folder tree (class folders, PatientID)', async () => {
    const tree = path.join(root, 'dicom');
    for (const [cls, pid] of [
      ['normal', 'A'],
      ['normal', 'B'],
      ['effusion', 'C'],
    ] as const) {
      await writeText(
        tree,
        `${cls}/${pid}/1.dcm`,
        makeDicom({ rows: 4, cols: 4, pixels: new Array(16).fill(7), patientId: pid }),
      );
    }
    const c = captureIo();
    expect(await main(['summary', '--format', 'dicom', '--root', tree, '--json'], c.io)).toBe(0);
    const s = JSON.parse(c.out());
    expect(s.task).toEqual({ kind: 'multiclass', names: ['effusion', 'normal'] });
    expect(s.splits.reduce((a: number, x: { patients: number }) => a + x.patients, 0)).toBe(3);
  });

  it('summarises a generic CSV index', async () => {
    await writeText(root, 'index.csv', 'path,label\ntrain/1_left.jpeg,a\ntrain/2_left.jpeg,b\ntrain/../../x.jpeg,a\n');
    const c = captureIo();
    expect(await main(['summary', '--format', 'csv', '--root', root, '--json'], c.io)).toBe(0);
    const s = JSON.parse(c.out());
    expect(s.task).toEqual({ kind: 'multiclass', names: ['a', 'b'] });
    expect(s.rejected.byReason).toEqual({ 'path-escape': 1 });
  });

  it('synthetic writes a deterministic set', async () => {
    const a = path.join(root, 'a.arrow');
    const b = path.join(root, 'b.arrow');
    for (const f of [a, b])
      expect(
        await main(
          [
            'synthetic',
            '--kind',
            'natural',
            '--count',
            '30',
            '--size',
            '16',
            '--seed',
            '5',
            '--classes',
            '4',
            '--out',
            f,
            '--shard-size',
            '10',
          ],
          captureIo().io,
        ),
      ).toBe(0);
    const [x, y] = [await readImageSet(a), await readImageSet(b)];
    expect(x.task.names).toHaveLength(4);
    expect(Buffer.compare(Buffer.from(x.images), Buffer.from(y.images))).toBe(0);
  });
});
