import { describe, expect, test } from 'vitest';
import {
  buildReportFiles,
  comparisonOf,
  initVsFinalFits,
  parseStudyResults,
  type CcaResult,
  type ModelInfo,
} from '../src/index.js';
import { initVsFinalFitTable } from '../src/similarity-fits.js';
import { makeStudyResults } from './fixtures/study-fixture.js';

const models: ModelInfo[] = [{ id: 'resnet50', label: 'ResNet50', family: 'imagenet' }];
const point = (layer: string, layerIndex: number, pair: string, atInit: number, afterTraining: number) => ({
  model: 'resnet50',
  layer,
  layerIndex,
  pair,
  atInit,
  afterTraining,
});

// Pairs named as the study's cca-analysis stage names them ("<comparison> seeds A/B"); one gives `comparison` itself.
const cca: CcaResult = {
  variant: { id: 'svcca', method: 'svcca', description: 'SVCCA' },
  betweenModels: [],
  initFinal: [],
  initVsFinal: [
    point('block1', 1, 'rand-rand seeds 1/3', 0.4, 0.4),
    point('block1', 1, 'rand-rand seeds 2/3', 0.6, 0.4),
    point('conv1', 0, 'rand-rand seeds 1/2', 0.1, 0.2),
    point('conv1', 0, 'rand-rand seeds 1/3', 0.2, 0.3),
    point('conv1', 0, 'rand-rand seeds 2/3', 0.3, 0.5),
    point('conv1', 0, 'rand-pretrained seeds 1/2', 0.2, 0.1),
    point('conv1', 0, 'rand-pretrained seeds 1/3', 0.4, 0.3),
    point('conv1', 0, 'rand-pretrained seeds 2/1', 0.6, 0.2),
    { ...point('conv1', 0, 'A×B', 0.8, 0.6), comparison: 'rand-pretrained' },
  ],
};

describe('Fig 4 fits per layer and comparison type', () => {
  test('the comparison is `comparison`, else the first word of the pair', () => {
    expect(cca.initVsFinal.map(comparisonOf)).toEqual([
      ...Array(5).fill('rand-rand'),
      ...Array(4).fill('rand-pretrained'),
    ]);
  });

  test('slope, intercept and R² equal the hand-computed least-squares fits', () => {
    const fits = initVsFinalFits(cca, models);
    expect(fits.map((f) => [f.comparison, f.layer, f.n])).toEqual([
      ['rand-pretrained', 'conv1', 4],
      ['rand-pretrained', null, 4],
      ['rand-rand', 'conv1', 3],
      ['rand-rand', 'block1', 2],
      ['rand-rand', null, 5],
    ]);
    const [rpConv1, , rrConv1, rrBlock1, rrAll] = fits;
    // rand-pretrained, conv1: x .2 .4 .6 .8 (mean .5), y .1 .3 .2 .6 (mean .3); dx −.3 −.1 .1 .3, dy −.2 0 −.1 .3
    // Sxx = .2, Sxy = .06 + 0 − .01 + .09 = .14, Syy = .04 + 0 + .01 + .09 = .14 → slope .7, intercept .3 − .7·.5 = −.05,
    // R² = .14² / (.2 · .14) = .7
    expect(rpConv1!.slope).toBeCloseTo(0.7, 12);
    expect(rpConv1!.intercept).toBeCloseTo(-0.05, 12);
    expect(rpConv1!.r2).toBeCloseTo(0.7, 12);
    // rand-rand, conv1: x .1 .2 .3 (mean .2), y .2 .3 .5 (mean 1/3); Sxx = .02, Sxy = .03, Syy = 7/150
    // → slope 1.5, R² = .0009 / (.02 · 7/150) = 27/28
    expect(rrConv1!.slope).toBeCloseTo(1.5, 12);
    expect(rrConv1!.r2).toBeCloseTo(27 / 28, 12);
    // two points: a slope (flat here), no R²
    expect(rrBlock1!.slope).toBeCloseTo(0, 12);
    expect(Number.isNaN(rrBlock1!.r2)).toBe(true);
    // rand-rand over both layers: x .1 .2 .3 .4 .6 (mean .32), y .2 .3 .5 .4 .4 (mean .36)
    // Sxx = .148, Sxy = .054, Syy = .052 → slope .054/.148, R² = .054² / (.148 · .052)
    expect(rrAll!.slope).toBeCloseTo(0.054 / 0.148, 12);
    expect(rrAll!.r2).toBeCloseTo(0.054 ** 2 / (0.148 * 0.052), 12);
  });

  test('as a table: one row per model, comparison and layer, then all layers of the comparison', () => {
    const t = initVsFinalFitTable(cca, models, 'SVCCA')!;
    expect(t.id).toBe('fig4-fits-svcca');
    expect(t.columns.map((c) => c.label)).toEqual(['Model', 'Comparison', 'Layer', 'Points', 'Slope', 'R²']);
    expect(t.rows).toEqual([
      ['ResNet50', 'rand-pretrained', 'conv1', '4', '0.700', '0.700'],
      ['ResNet50', 'rand-pretrained', 'all layers', '4', '0.700', '0.700'],
      ['ResNet50', 'rand-rand', 'conv1', '3', '1.500', '0.964'],
      ['ResNet50', 'rand-rand', 'block1', '2', '0.000', 'n/a'],
      ['ResNet50', 'rand-rand', 'all layers', '5', '0.365', '0.379'],
    ]);
    expect(initVsFinalFitTable({ ...cca, initVsFinal: [] }, models, 'SVCCA')).toBeNull();
  });

  test('the report shows the table under the similarity figures (HTML, Markdown) and keeps its numbers in results.json', async () => {
    const input = makeStudyResults({ seeds: [0, 1, 2] });
    input.filters = [];
    const files = await buildReportFiles(parseStudyResults(input));
    const text = (p: string) => String(files.find((f) => f.path === p)!.content);
    const id = `fig4-fits-${input.cca![0]!.variant.id}`;
    const html = text('index.html');
    expect(html.indexOf(`<table id="${id}">`)).toBeGreaterThan(html.indexOf('id="similarity"'));
    expect(html.indexOf(`<table id="${id}">`)).toBeLessThan(html.indexOf('id="filters"'));
    const md = text('report.md');
    expect(md).toContain('| Model | Comparison | Layer | Points | Slope | R² |');
    const results = JSON.parse(text('results.json')) as {
      similarityTables: {
        id: string;
        data: { model: string; comparison: string; layer: string | null; n: number }[];
      }[];
    };
    const table = results.similarityTables.find((t) => t.id === id)!;
    // the fixture: per model and layer 3 rand-rand and 3 rand-pretrained pairs, 5 layers
    const resnet = table.data.filter((d) => d.model === 'resnet50');
    expect(resnet.map((d) => `${d.comparison} ${d.layer ?? 'all'} ${d.n}`)).toEqual(
      ['rand-pretrained', 'rand-rand'].flatMap((c) => [
        ...['conv1', 'block1', 'block2', 'block3', 'block4'].map((l) => `${c} ${l} 3`),
        `${c} all 15`,
      ]),
    );
  });
});
