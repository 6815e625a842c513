import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildReportFiles, renderReport, ReportError, type ReportFile } from '../src/index.js';
import { makeStudyResults } from './fixtures/study-fixture.js';

let files: ReportFile[];
const text = (p: string) => files.find((f) => f.path === p)!.content as string;

beforeAll(async () => {
  files = await buildReportFiles(makeStudyResults());
});

describe('buildReportFiles', () => {
  test('returns the page, the markdown, the numbers and every figure as PNG (+ SVG for charts)', () => {
    const paths = files.map((f) => f.path);
    expect(paths.slice(0, 3)).toEqual(['index.html', 'report.md', 'results.json']);
    for (const fig of [
      'fig2-rand-vs-pretrained-svcca99',
      'fig3-init-final-svcca99',
      'fig4-init-vs-final-svcca99',
      'fig6-curves-retina-referable',
      'fig7-curves-retina-referable',
      'fig7-steps-retina-referable',
      'fig8-hybrids-retina-referable',
    ]) {
      expect(paths).toContain(`figures/${fig}.png`);
      expect(paths).toContain(`figures/${fig}.svg`);
    }
    expect(paths).toContain('figures/fig5-filters-resnet50.png');
    expect(paths).toContain('figures/fig5-filters-cbr-small.png');
    // No hybrid runs on the CheXpert task: no empty Fig 8 for it.
    expect(paths).not.toContain('figures/fig8-hybrids-chexpert-5.png');
  });

  test('PNGs are real images at the requested density', async () => {
    for (const f of files.filter((x) => x.mediaType === 'image/png')) {
      const meta = await sharp(f.content as Buffer).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(500);
    }
    const svg = text('figures/fig6-curves-retina-referable.svg');
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    const png = await sharp(
      files.find((f) => f.path === 'figures/fig6-curves-retina-referable.png')!.content as Buffer,
    ).metadata();
    expect(png.width).toBe(svgWidth * 2);
  });

  test('the CCA variant is named on every representational-similarity plot', () => {
    for (const f of files.filter((x) => /^figures\/fig[234]-.*\.svg$/.test(x.path))) {
      expect(f.content as string).toContain('CCA variant: SVCCA, 99% variance kept');
    }
  });

  test('the page is self-contained: no scripts, no network references, figures inline', () => {
    const html = text('index.html');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    const imgs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
    expect(imgs.length).toBe(files.filter((f) => f.path.startsWith('figures/') && f.path.endsWith('.png')).length);
    expect(imgs.every((s) => s.startsWith('data:image/'))).toBe(true);
    expect(html).toContain('<td><span class="verdict ok">supported</span></td>');
  });

  test('report.md carries the same tables as the page', () => {
    const html = text('index.html');
    const md = text('report.md');
    const results = JSON.parse(text('results.json')) as { tables: { id: string; rows: string[][] }[] };
    for (const t of results.tables) {
      const htmlTable = new RegExp(`<table id="${t.id}">[\\s\\S]*?</table>`).exec(html)![0];
      expect((htmlTable.match(/<tr>/g) ?? []).length).toBe(t.rows.length + 1);
      for (const row of t.rows) expect(md).toContain(`| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    expect(md).toMatch(/^1\. \*\*\|AUC\(transfer\) − AUC\(random\)\| is small/m);
    expect(md).toContain(
      '![Fig 5 analogue — ResNet50: first-layer filters before and after training](figures/fig5-filters-resnet50.png)',
    );
  });

  test('results.json holds every number shown: tables, findings, figure data, the validated input', () => {
    const r = JSON.parse(text('results.json')) as Record<string, unknown> & {
      input: { filters: { before: { data: number[] } }[] };
      findings: { verdict: string }[];
      figures: { id: string; data: unknown }[];
    };
    expect(r.findings).toHaveLength(7);
    expect(r.figures.every((f) => f.data !== undefined)).toBe(true);
    expect(Array.isArray(r.input.filters[0]!.before.data)).toBe(true);
    expect(r.input.filters[0]!.before.data).toHaveLength(7 * 7 * 3 * 64);
  });
});

test('the same results give byte-identical files (the engine stores outputs content-addressed)', async () => {
  const input = makeStudyResults({ seeds: [0, 1] });
  input.runs = input.runs.filter((r) => r.model === 'resnet50');
  const [a, b] = await Promise.all([buildReportFiles(input), buildReportFiles(input)]);
  expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
  a.forEach((f, i) => expect(Buffer.compare(Buffer.from(f.content), Buffer.from(b[i]!.content)), f.path).toBe(0));
});

test('results with nothing measured yet still give a complete page that says so', async () => {
  const input = makeStudyResults({ seeds: [0] });
  input.runs = [];
  input.cca = [];
  input.filters = [];
  const out = await buildReportFiles(input);
  expect(out.map((f) => f.path)).toEqual(['index.html', 'report.md', 'results.json']);
  const html = out[0]!.content as string;
  expect(html).toContain('No training runs in these results.');
  expect((html.match(/verdict na/g) ?? []).length).toBe(7);
});

describe('renderReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'report-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes every file under outDir and returns their paths', async () => {
    const input = makeStudyResults({ seeds: [0, 1] });
    input.cca = [];
    input.filters = [];
    const { files: written } = await renderReport(input, path.join(dir, 'reports', 'quick'));
    expect(written[0]).toBe(path.join(dir, 'reports', 'quick', 'index.html'));
    expect(written.some((p) => p.endsWith(path.join('figures', 'fig6-curves-retina-referable.svg')))).toBe(true);
    const html = await readFile(written[0]!, 'utf8');
    expect(html).toContain('No CCA results in these results.');
  });

  test('bad input and bad options fail before anything is written', async () => {
    const input = makeStudyResults({ seeds: [0] });
    input.runs[0]!.model = 'vgg';
    await expect(renderReport(input, path.join(dir, 'bad'))).rejects.toThrow(/runs\[0\]\.model: unknown model "vgg"/);
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
    await expect(buildReportFiles(makeStudyResults({ seeds: [0] }), { aucTolerance: -1 })).rejects.toBeInstanceOf(
      ReportError,
    );
    await expect(buildReportFiles(makeStudyResults({ seeds: [0] }), { aucTolerance: -1 })).rejects.toThrow(
      /report options: aucTolerance:/,
    );
  });
});
