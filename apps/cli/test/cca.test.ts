import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLinalg } from '@transfusion/native';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { matrix, writeNpy } from '@transfusion/cca';
import { main, summary } from '../src/commands/cca.js';
import { runCommand } from './capture.js';
// the activations google/svcca's tests use, shipped with libs/cca's tests
import { ACTS_DIR, readJhb } from '../../../libs/cca/test/helpers.js';

const run = (argv: string[]) => runCommand(main, argv);

describe('transfusion cca', () => {
  let dir = '';
  let a = '';
  let b = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cca-cli-'));
    a = join(dir, 'a.npy');
    b = join(dir, 'b.npy');
    await writeNpy(a, readJhb(`${ACTS_DIR}svhn_lay06_model0.jhb`));
    await writeNpy(b, readJhb(`${ACTS_DIR}svhn_lay06_model1.jhb`));
  });
  afterAll(async () => rm(dir, { recursive: true }));

  test('--help and summary', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: transfusion cca A B/);
    expect(r.out).toMatch(/pwcca-google/);
    expect(summary.length).toBeGreaterThan(10);
  });

  test('--json with a method list prints one object per method, values matching google/svcca', async () => {
    const r = await run([a, b, '--method', 'mean,svcca,pwcca,cka', '--json', '--threads', '2']);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.method)).toEqual(['mean', 'svcca', 'pwcca', 'cka']);
    for (const l of lines) {
      expect(l).toMatchObject({ n: 1000, d1: 200, d2: 200 });
      expect(typeof l.value).toBe('number');
    }
    expect(lines[0]!.value as number).toBeCloseTo(0.5481822298951848, 9);
    expect(lines[1]).toMatchObject({ kept1: 180, kept2: 180 });
    expect(lines[1]!.value as number).toBeCloseTo(0.5499794816184271, 9);
    expect(lines[2]!.value as number).toBeCloseTo(0.665170975856074, 9);
    expect((lines[2]!.weights as number[]).length).toBe(200);
    expect(lines[3]!.value as number).toBeCloseTo(0.8723794105913553, 9);
    expect(r.err).toMatch(/accumulating statistics/);
  });

  test('human output and method options', async () => {
    const r = await run([a, b, '--method', 'svcca', '--svcca-dims', '20']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^svcca\s+0\.856714963\d\s+\(kept 20 of 200 and 20 of 200 directions\)/);
  });

  test('usage errors exit 2 with a message', async () => {
    expect((await run([a])).err).toMatch(/expected two activation files A and B, got 1/);
    expect((await run([a, b, '--method', 'nope'])).err).toMatch(/unknown method "nope"/);
    expect((await run([a, b, '--bogus'])).code).toBe(2);
    expect((await run([a, b, '--threads', 'x'])).err).toMatch(/invalid --threads/);
    const bad = await run([a, b, '--svcca-keep', '2', '--method', 'svcca']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/svccaKeep/);
  });

  test('--linalg picks the path, reports it, and gives the same values either way', async () => {
    const ts = await run([a, b, '--method', 'mean,cka', '--json', '--linalg', 'typescript']);
    expect(ts.code).toBe(0);
    expect(ts.err).toMatch(/linear algebra: TypeScript/);
    const auto = await run([a, b, '--method', 'mean,cka', '--json']);
    expect(auto.code).toBe(0);
    expect(auto.err).toMatch(loadLinalg().available ? /linear algebra: OpenBLAS \d/ : /linear algebra: TypeScript/);
    const values = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { value: number }).value);
    values(auto.out).forEach((v, i) => expect(v).toBeCloseTo(values(ts.out)[i]!, 10));
    const bad = await run([a, b, '--linalg', 'blas']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid --linalg/);
    expect((await run(['--help'])).out).toMatch(/--linalg MODE/);
  });

  test('bad files exit 2 naming the file', async () => {
    const short = join(dir, 'short.npy');
    await writeNpy(short, matrix(999, 200, new Float32Array(999 * 200).fill(1)));
    const r = await run([a, short]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/has 1000 datapoints but .*short\.npy has 999/);
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello');
    const t = await run([text, b]);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/notes\.txt: neither a \.npy file nor an Arrow IPC file/);
  });
});
