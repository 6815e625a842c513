import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main, summary } from '../src/commands/report.js';
import { captureIo } from './capture.js';
// study results fixtures of libs/report's tests
import { withTestScores } from '../../../libs/report/test/fixtures/test-scores.js';
import { makeStudyResults } from '../../../libs/report/test/fixtures/study-fixture.js';

const capture = captureIo;

const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (x instanceof Float32Array ? Array.from(x) : x));

describe('transfusion report', () => {
  let dir: string;
  let resultsFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'report-cli-'));
    resultsFile = path.join(dir, 'study.json');
    const input = withTestScores(makeStudyResults({ seeds: [0, 1] }), { images: 300 });
    input.filters = input.filters!.slice(0, 2);
    await writeFile(resultsFile, toJson(input));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('help for itself and each subcommand; summary is one line', async () => {
    expect(summary).not.toContain('\n');
    for (const argv of [['--help'], ['build', '--help'], ['findings', '-h']]) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(0);
      expect(c.out()).toMatch(/^Usage: transfusion report/);
    }
  });

  test('usage errors exit 2 with a message naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: transfusion report <command>/],
      [['draw'], /unknown command "draw"/],
      [['build', '--results', resultsFile], /--results and --out are required/],
      [['build', '--results', resultsFile, '--out', dir, '--auc-tolerance', 'lots'], /--auc-tolerance: .*number/i],
      [['findings', '--results', resultsFile, '--bogus'], /Unknown option '--bogus'/],
      [['findings', '--results', resultsFile, '--recovered-fraction', '3'], /report options: recoveredFraction:/],
      [['findings', '--results', path.join(dir, 'missing.json')], /cannot read .*missing\.json/],
    ];
    for (const [argv, message] of cases) {
      const c = capture();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err()).toMatch(message);
    }
  });

  test('invalid results name the file and the field', async () => {
    const bad = path.join(dir, 'bad.json');
    const input = makeStudyResults({ seeds: [0] });
    input.runs[2]!.seed = 1.5;
    await writeFile(bad, toJson(input));
    const c = capture();
    expect(await main(['findings', '--results', bad], c.io)).toBe(2);
    expect(c.err()).toMatch(/bad\.json: runs\[2\]\.seed: /);
  });

  test('build writes the report; findings re-evaluates a results.json with other criteria', async () => {
    const out = path.join(dir, 'reports', 'fixture');
    const c = capture();
    expect(await main(['build', '--results', resultsFile, '--out', out, '--json', '--png-scale', '1'], c.io)).toBe(0);
    const { files } = JSON.parse(c.out()) as { files: string[] };
    expect(files).toContain(path.join(out, 'index.html'));
    expect(existsSync(path.join(out, 'figures', 'fig5-filters-resnet50.png'))).toBe(true);
    expect(c.err()).toMatch(/report: wrote \d+ files/);

    const f = capture();
    // a results.json of 'report build' (its input re-judged), given as the positional FILE
    expect(await main(['findings', path.join(out, 'results.json'), '--json', '--auc-tolerance', '0.0001'], f.io)).toBe(
      0,
    );
    const findings = JSON.parse(f.out()) as {
      id: number;
      verdict: string;
      comparisons: { delta: number; low: number; high: number; n: number[] }[];
    }[];
    const saved = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { findings: typeof findings };
    // the same comparisons (same seeded bootstrap), judged against a tighter margin
    expect(findings[0]!.comparisons.map((x) => [x.delta, x.low, x.high])).toEqual(
      saved.findings[0]!.comparisons.map((x) => [x.delta, x.low, x.high]),
    );
    expect(findings[0]!.comparisons[0]!.n).toEqual([2, 2]);
    expect(findings[0]!.verdict).not.toBe('supported');

    const t = capture();
    expect(await main(['findings', resultsFile], t.io)).toBe(0);
    expect(t.out()).toMatch(/^Each statement is judged on differences Δ/);
    expect(t.out()).toContain(`1. [${saved.findings[0]!.verdict}] |AUC(transfer) − AUC(random)| is small`);
    expect(t.out()).toMatch(
      /retina-referable, ResNet50: transfer − random: Δ = [+−]\d+\.\d\d points \[.+\] \(95%, 2 vs 2 seeds, patients and seeds resampled\); DeLong/,
    );
    expect(t.err()).toMatch(/report: judging \d+ runs/);
    const twice = capture();
    expect(await main(['findings', resultsFile, '--results', resultsFile], twice.io)).toBe(2);
    expect(twice.err()).toMatch(/give the results file once/);
  });
});
