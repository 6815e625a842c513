import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { parseReportOptions, parseStudyResults } from '../src/index.js';
import { buildReportContent } from '../src/content.js';
import { relativeChange, renderFilterFigure } from '../src/filters.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { makeStudyResults } from './fixtures/study-fixture.js';

describe('charts', () => {
  test('two CCA variants give two sets of similarity figures, each naming its variant; no Vega-Lite warnings', async () => {
    const input = makeStudyResults({ seeds: [0, 1] });
    const svcca = input.cca![0]!;
    input.cca!.push({
      ...svcca,
      variant: { id: 'pwcca', method: 'pwcca', description: 'PWCCA (Morcos et al. 2018), average-pooled over space' },
    });
    input.filters = [];
    const c = await buildReportContent(parseStudyResults(input), parseReportOptions());
    const sim = c.figures.filter((f) => f.section === 'similarity');
    expect(sim.map((f) => f.id)).toEqual([
      'fig2-rand-vs-pretrained-svcca99',
      'fig3-init-final-svcca99',
      'fig4-init-vs-final-svcca99',
      'fig2-rand-vs-pretrained-pwcca',
      'fig3-init-final-pwcca',
      'fig4-init-vs-final-pwcca',
    ]);
    for (const f of sim.filter((x) => x.id.endsWith('pwcca')))
      expect(f.svg).toContain('CCA variant: PWCCA (Morcos et al. 2018), average-pooled over space [pwcca]');
    expect(c.figures.flatMap((f) => f.warnings)).toEqual([]);
    // Fig 4 panel titles carry the R² computed from the plotted points.
    const fig4 = sim.find((f) => f.id === 'fig4-init-vs-final-svcca99')!;
    const r2 = (fig4.data as { model: string; group: string; r2: number }[]).find(
      (d) => d.model === 'resnet50' && d.group === 'lower',
    )!.r2;
    expect(r2).toBeGreaterThan(0.8);
    expect(fig4.svg).toContain(`ResNet50, lower layers (R² = ${r2.toFixed(2)})`);
  });
});

describe('filter grids (Fig 5)', () => {
  const model = { id: 'm', label: 'Model', family: 'cbr' as const };
  // [kh=2, kw=2, in=3, out=2]: filter 0 has +1 red at (0,0) and −1 green at (1,1); filter 1 is zero.
  const data = new Float32Array(2 * 2 * 3 * 2);
  const at = (y: number, x: number, c: number, o: number) => ((y * 2 + x) * 3 + c) * 2 + o;
  data[at(0, 0, 0, 0)] = 1;
  data[at(1, 1, 1, 0)] = -1;
  const snap = {
    model: 'm',
    init: 'random' as const,
    seed: 0,
    layer: 'conv1',
    before: { shape: [2, 2, 3, 2], data },
    after: { shape: [2, 2, 3, 2], data: data.map((v) => v / 2) },
  };

  test('draws each filter in RGB, 0 as mid-grey, before and after on a shared per-filter scale', async () => {
    const png = await renderFilterFigure(model, [snap], 1);
    const { data: px, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [
      ...px.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    // Layout at scale 1: grids start at x = 130, y = 54; cells are 28 px, 2 px apart; 2 filters → grid width 58.
    expect(pixel(130 + 3, 54 + 3)).toEqual([255, 128, 128]); // before, filter 0, (0,0): +1 red
    expect(pixel(130 + 20, 54 + 20)).toEqual([128, 0, 128]); // before, filter 0, (1,1): −1 green
    expect(pixel(130 + 20, 54 + 3)).toEqual([128, 128, 128]); // zero weight
    expect(pixel(130 + 30 + 3, 54 + 3)).toEqual([128, 128, 128]); // filter 1 is all zero
    const after = 130 + 58 + 28;
    expect(pixel(after + 3, 54 + 3)).toEqual([191, 128, 128]); // halved, on the before/after shared scale
  });

  test('relative change ‖after − before‖ / ‖before‖', () => {
    expect(relativeChange(snap)).toBeCloseTo(0.5, 6);
  });
});

describe('figures for a multi-class task and a derived task', () => {
  test('convergence figures for the task with curves only, at the task-relative threshold; no warnings', async () => {
    const c = await buildReportContent(parseStudyResults(retinaMnistStudy()), parseReportOptions());
    expect(c.figures.filter((f) => f.section === 'convergence').map((f) => f.id)).toEqual(['fig6-curves-grade']);
    const fig = c.figures.find((f) => f.id === 'fig6-curves-grade')!;
    expect(fig.warnings).toEqual([]);
    // chance + 0.9 × (the task's best mean final validation AUC, transfer's .735, − chance)
    expect((fig.data as { threshold: number }[]).every((r) => Math.abs(r.threshold - 0.7115) < 1e-12)).toBe(true);
    expect(fig.svg).toContain('grade · validation val_auc');
  });
});
