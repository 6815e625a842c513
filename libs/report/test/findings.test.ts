import { describe, expect, test } from 'vitest';
import {
  evaluateFindings,
  groupRuns,
  parseReportOptions,
  parseStudyResults,
  type Init,
  type StudyResultsInput,
} from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { withTestScores } from './fixtures/test-scores.js';
import { tinyStudy, type TinyRun } from './fixtures/tiny-study.js';

const findingsOf = (input: StudyResultsInput, options = {}) => {
  const r = parseStudyResults(input);
  return evaluateFindings(r, groupRuns(r), parseReportOptions(options));
};

const R: Init = { kind: 'random' };
const T: Init = { kind: 'pretrained' };
const SEEDS = [0, 1, 2];

/** Settings × seeds, scored on a shared test set: `images` large and `shared` high give tight paired intervals. */
function aucStudy(
  settings: { model: string; init: Init; auc: number; regime?: 'full' | 'limited' }[],
  images: number,
  shared: number,
): StudyResultsInput {
  const runs: TinyRun[] = settings.flatMap((s) =>
    SEEDS.map((seed) => ({ ...s, seed, auc: s.auc + 0.002 * (seed - 1) })),
  );
  return withTestScores(tinyStudy(runs), { images, shared, seed: 5 });
}
const clear = (settings: Parameters<typeof aucStudy>[0]) => aucStudy(settings, 4000, 0.97);
const noisy = (settings: Parameters<typeof aucStudy>[0]) => aucStudy(settings, 300, 0.5);

describe('each statement against constructed results whose truth is known: a clear win, a clear loss, a tie within noise', () => {
  test('1: |AUC(transfer) − AUC(random)| small', () => {
    const win = findingsOf(
      clear([
        { model: 'resnet50', init: R, auc: 0.8 },
        { model: 'resnet50', init: T, auc: 0.8 },
      ]),
    )[0]!;
    const loss = findingsOf(
      clear([
        { model: 'resnet50', init: R, auc: 0.8 },
        { model: 'resnet50', init: T, auc: 0.88 },
      ]),
    )[0]!;
    const tie = findingsOf(
      noisy([
        { model: 'resnet50', init: R, auc: 0.8 },
        { model: 'resnet50', init: T, auc: 0.81 },
      ]),
    )[0]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    const c = loss.comparisons[0]!;
    expect(c).toMatchObject({
      label: 'retina, ResNet50: transfer − random',
      unit: 'AUC',
      resampled: 'patients and seeds',
      n: [3, 3],
    });
    expect(c.delta!).toBeGreaterThan(0.05);
    expect(c.low!).toBeGreaterThan(0.01);
    expect(c.delong!.verdict).toBe('contradicted');
    expect(loss.evidence[0]).toMatch(
      /^retina, ResNet50: transfer − random: Δ = \+\d\.\d\d points \[\+\d\.\d\d, \+\d\.\d\d\] \(95%, 3 vs 3 seeds, patients and seeds resampled\); DeLong \+\d\.\d\d \[.+\], p = < 0\.001 → contradicted \(\|Δ\| ≤ 1\.00 points\)$/,
    );
  });

  test('2: small CBRs close to the best large model (and not testable for a CBR too big to count as small)', () => {
    const win = findingsOf(
      clear([
        { model: 'resnet50', init: R, auc: 0.8 },
        { model: 'cbr-small', init: R, auc: 0.8 },
      ]),
    )[1]!;
    const loss = findingsOf(
      clear([
        { model: 'resnet50', init: R, auc: 0.88 },
        { model: 'cbr-small', init: R, auc: 0.8 },
      ]),
    )[1]!;
    const tie = findingsOf(
      noisy([
        { model: 'resnet50', init: R, auc: 0.81 },
        { model: 'cbr-small', init: R, auc: 0.8 },
      ]),
    )[1]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    const big = findingsOf(
      clear([
        { model: 'resnet50', init: R, auc: 0.8 },
        { model: 'cbr-large-t', init: R, auc: 0.8 },
      ]),
    )[1]!;
    expect(big.verdict).toBe('not testable');
    expect(big.evidence[0]).toMatch(
      /ResNet50 has 2\.8× the parameters of CBR-LargeT \(23\.50 M vs 8\.50 M\); the statement compares models at least 5× apart/,
    );
  });

  test('3: with little data, transfer helps the large model more', () => {
    const lim = (model: string, random: number, transfer: number) => [
      { model, init: R, auc: random, regime: 'limited' as const },
      { model, init: T, auc: transfer, regime: 'limited' as const },
    ];
    const win = findingsOf(clear([...lim('resnet50', 0.8, 0.88), ...lim('cbr-small', 0.8, 0.8)]))[2]!;
    const loss = findingsOf(clear([...lim('resnet50', 0.8, 0.8), ...lim('cbr-small', 0.8, 0.88)]))[2]!;
    const tie = findingsOf(noisy([...lim('resnet50', 0.8, 0.805), ...lim('cbr-small', 0.8, 0.8)]))[2]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    expect(win.comparisons[0]!.n).toEqual([3, 3, 3, 3]);
    expect(win.comparisons[0]!.delta!).toBeGreaterThan(0.06);
  });

  const withCca = (between: [string, number[], number[]][], initFinal: [string, number[][]][]): StudyResultsInput => {
    // one run of each model: their parameter counts (ResNet50 has 11× CBR-Small's)
    const input = tinyStudy([
      { model: 'resnet50', init: R, seed: 0, auc: 0.9 },
      { model: 'cbr-small', init: R, seed: 0, auc: 0.9 },
    ]);
    const pairs = [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const;
    input.cca = [
      {
        variant: { id: 'mean', method: 'mean', description: 'mean CCA coefficient' },
        betweenModels: between.flatMap(([model, rr, rp]) =>
          [0, 1, 2].flatMap((li) =>
            pairs.flatMap(([a, b], p) => [
              {
                model,
                layer: `l${li}`,
                layerIndex: li,
                comparison: 'rand-rand' as const,
                seedA: a,
                seedB: b,
                value: li === 0 ? 0.9 : rr[p]!,
              },
              {
                model,
                layer: `l${li}`,
                layerIndex: li,
                comparison: 'rand-pretrained' as const,
                seedA: a,
                seedB: b,
                value: li === 0 ? 0.9 : rp[p]!,
              },
            ]),
          ),
        ),
        // per model: one row of layer values per seed
        initFinal: initFinal.flatMap(([model, bySeed]) =>
          bySeed.flatMap((values, seed) =>
            values.map((value, li) => ({
              model,
              layer: `l${li}`,
              layerIndex: li,
              init: 'random' as const,
              seed,
              value,
            })),
          ),
        ),
        initVsFinal: [],
      },
    ];
    return input;
  };

  test('4: top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained) above the margin for the large model only', () => {
    const flat = [0.5, 0.5, 0.501];
    const win = findingsOf(
      withCca(
        [
          ['resnet50', [0.6, 0.61, 0.59], [0.4, 0.41, 0.39]],
          ['cbr-small', [0.5, 0.5, 0.5], flat],
        ],
        [],
      ),
    )[3]!;
    const loss = findingsOf(
      withCca(
        [
          ['resnet50', [0.5, 0.5, 0.5], flat],
          ['cbr-small', [0.5, 0.5, 0.5], flat],
        ],
        [],
      ),
    )[3]!;
    const tie = findingsOf(
      withCca(
        [
          ['resnet50', [0.52, 0.5, 0.48], [0.49, 0.51, 0.47]],
          ['cbr-small', [0.5, 0.5, 0.5], flat],
        ],
        [],
      ),
    )[3]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    expect(win.comparisons.map((c) => [c.label, c.verdict])).toEqual([
      ['mean, ResNet50: top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained)', 'supported'],
      ['mean, CBR-Small: top-layer CCA(Rand, Rand) − CCA(Rand, Pretrained)', 'supported'],
    ]);
    expect(win.comparisons[0]!.delta).toBeCloseTo(0.2, 12);
  });

  test('5: CCA(init, final) highest in the lowest layers, and higher for the larger model', () => {
    const seeds = (base: number[], jitter: number) => [0, 1, 2].map((s) => base.map((v) => v + jitter * (s - 1)));
    const win = findingsOf(
      withCca(
        [],
        [
          ['resnet50', seeds([0.9, 0.85, 0.6, 0.5], 0.005)],
          ['cbr-small', seeds([0.6, 0.55, 0.3, 0.2], 0.005)],
        ],
      ),
    )[4]!;
    const loss = findingsOf(
      withCca(
        [],
        [
          ['resnet50', seeds([0.3, 0.4, 0.8, 0.9], 0.005)],
          ['cbr-small', seeds([0.2, 0.3, 0.5, 0.6], 0.005)],
        ],
      ),
    )[4]!;
    const even = [
      [0.62, 0.6, 0.6, 0.6],
      [0.58, 0.6, 0.6, 0.61],
      [0.61, 0.6, 0.59, 0.6],
    ];
    const tie = findingsOf(
      withCca(
        [],
        [
          ['resnet50', even],
          ['cbr-small', even.map((r) => r.map((v) => v - 0.001))],
        ],
      ),
    )[4]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    expect(win.comparisons.map((c) => c.label)).toEqual([
      'mean, ResNet50 (random init): CCA(init, final) of the two lowest layers − of the higher layers',
      'mean, CBR-Small (random init): CCA(init, final) of the two lowest layers − of the higher layers',
      'mean, random init: mean CCA(init, final) over layers, ResNet50 − CBR-Small',
    ]);
  });

  /** Validation AUC 0.5 until `at`, then 0.9 (the task's threshold is 0.5 + 0.9 × 0.4 = 0.86). */
  const curve = (at: number): [number, number][] =>
    [0, 100, 200, 300, 400, 500, 600].map((s) => [s, s >= at ? 0.9 : 0.5]);
  const curves = (spec: [Init, number[]][]): StudyResultsInput =>
    tinyStudy(
      spec.flatMap(([init, at]) => at.map((a, seed) => ({ model: 'resnet50', init, seed, auc: 0.9, curve: curve(a) }))),
    );
  const MV: Init = { kind: 'meanvar' };
  const B1: Init = { kind: 'transfusion', upTo: 'block1' };

  test('6: transfer and Mean Var reach the threshold in fewer steps', () => {
    const win = findingsOf(
      curves([
        [R, [400, 500, 400]],
        [T, [100, 100, 200]],
        [MV, [200, 300, 200]],
      ]),
    )[5]!;
    const loss = findingsOf(
      curves([
        [R, [100, 100, 200]],
        [T, [400, 500, 400]],
        [MV, [400, 400, 500]],
      ]),
    )[5]!;
    const tie = findingsOf(
      curves([
        [R, [200, 300, 400]],
        [T, [300, 200, 400]],
        [MV, [400, 200, 300]],
      ]),
    )[5]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    expect(win.comparisons[0]).toMatchObject({
      label: 'retina, ResNet50: steps to AUC 86.0%, random − transfer',
      unit: 'steps',
      resampled: 'seeds',
      n: [3, 3],
    });
    expect(win.comparisons[0]!.delta).toBeCloseTo(300, 12);
    // CBR-Small sets the task's threshold (0.86); ResNet50 never gets there with either init
    const never = findingsOf(
      tinyStudy([
        ...[0, 1].flatMap((seed) =>
          [R, T].map((init) => ({ model: 'resnet50', init, seed, auc: 0.7, curve: curve(700) })),
        ),
        ...[0, 1].map((seed) => ({ model: 'cbr-small', init: R, seed, auc: 0.9, curve: curve(100) })),
      ]),
    )[5]!;
    expect(never.verdict).toBe('not testable');
    expect(never.evidence[0]).toMatch(/neither init reaches the threshold in any seed/);
  });

  test('7: transfusing the lowest layers recovers most of the speed-up', () => {
    const win = findingsOf(
      curves([
        [R, [400, 400, 500]],
        [T, [100, 100, 100]],
        [B1, [100, 200, 100]],
      ]),
    )[6]!;
    const loss = findingsOf(
      curves([
        [R, [400, 400, 500]],
        [T, [100, 100, 100]],
        [B1, [400, 500, 400]],
      ]),
    )[6]!;
    const tie = findingsOf(
      curves([
        [R, [400, 400, 500]],
        [T, [100, 100, 100]],
        [B1, [100, 400, 300]],
      ]),
    )[6]!;
    expect([win.verdict, loss.verdict, tie.verdict]).toEqual(['supported', 'contradicted', 'inconclusive']);
    // (433 − 133) − 0.5 × (433 − 100) = 133 steps: ≤ block1 recovers 90% of the 333-step speed-up
    expect(win.comparisons[0]!.delta).toBeCloseTo(1300 / 3 - 400 / 3 - 0.5 * (1300 / 3 - 100), 9);
    expect(win.comparisons[0]!.note).toBe('≤ block1 recovers 90% of the 333-step speed-up');
    const slower = findingsOf(
      curves([
        [R, [100, 100, 100]],
        [T, [300, 300, 300]],
        [B1, [100, 100, 100]],
      ]),
    )[6]!;
    expect(slower.verdict).toBe('not testable');
  });
});

describe('preconditions and fallbacks', () => {
  test('one seed per side is "not testable", with the reason', () => {
    const f = findingsOf(
      tinyStudy([
        { model: 'resnet50', init: R, seed: 0, auc: 0.8 },
        { model: 'resnet50', init: T, seed: 0, auc: 0.9 },
      ]),
    )[0]!;
    expect(f.verdict).toBe('not testable');
    expect(f.evidence[0]).toMatch(/1 seed on one side; needs at least 2 to estimate the seed spread/);
  });

  test('without per-image scores only the seeds are resampled, and the finding says so', () => {
    const runs: TinyRun[] = SEEDS.flatMap((seed) => [
      { model: 'resnet50', init: R, seed, auc: 0.8 + 0.001 * seed },
      { model: 'resnet50', init: T, seed, auc: 0.9 + 0.001 * seed },
    ]);
    const c = findingsOf(tinyStudy(runs))[0]!.comparisons[0]!;
    expect(c).toMatchObject({ resampled: 'seeds', verdict: 'contradicted' });
    expect(c.delong).toBeUndefined();
    expect(c.note).toMatch(/no per-image test scores/);
  });

  test('margins and the size ratio follow the options; nothing to compare is "not measured"', () => {
    const study = clear([
      { model: 'resnet50', init: R, auc: 0.8 },
      { model: 'resnet50', init: T, auc: 0.8 },
      { model: 'cbr-large-t', init: R, auc: 0.8 },
    ]);
    expect(findingsOf(study, { aucTolerance: 0.0001 })[0]!.verdict).not.toBe('supported');
    expect(findingsOf(study, { largeModelRatio: 2 })[1]!.verdict).not.toBe('not testable');
    expect(findingsOf(study)[2]!.verdict).toBe('not measured');
  });
});

describe('the realistic fixture study and a multi-class one', () => {
  test('every statement is judged, each comparison with Δ, interval and seeds', () => {
    const f = findingsOf(withTestScores(makeStudyResults(), { images: 400 }));
    expect(f).toHaveLength(7);
    for (const x of f) {
      expect(['supported', 'contradicted', 'inconclusive', 'not testable']).toContain(x.verdict);
      for (const c of x.comparisons.filter((c) => c.verdict !== 'not testable')) {
        expect(c.low!).toBeLessThanOrEqual(c.delta!);
        expect(c.high!).toBeGreaterThanOrEqual(c.delta!);
        expect(c.n!.every((n) => n >= 2)).toBe(true);
      }
    }
    // the fixture's CBRs have 1/11 and 1/22 of ResNet50's parameters: statement 2 is testable
    expect(f[1]!.comparisons.some((c) => c.verdict !== 'not testable')).toBe(true);
  });

  test("multi-class: macro one-vs-rest AUC is the task's AUC; the derived task is judged under its own name", () => {
    const f = findingsOf(withTestScores(retinaMnistStudy(), { images: 500 }));
    expect(f[0]!.comparisons.map((c) => c.label)).toEqual([
      'grade, ResNet50: transfer − random',
      'referable, ResNet50: transfer − random',
    ]);
    expect(f[0]!.comparisons[0]!.resampled).toBe('patients and seeds');
    // no Mean Var runs: random − transfer only, at the task's threshold (0.5 + 0.9 × (best mean final 0.735 − 0.5))
    expect(f[5]!.comparisons.map((c) => c.label)).toEqual(['grade, ResNet50: steps to AUC 71.2%, random − transfer']);
  });
});
