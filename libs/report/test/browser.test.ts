/**
 * Opens the rendered page in Debian's headless Chromium from disk (file://): no console errors, no network
 * requests, every image decoded, every table non-empty; saves a full-page screenshot as a test artifact
 * (under $TEST_ARTIFACTS_DIR, default <tmpdir>/transfusion-test-artifacts/report).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { renderReport, type StudyResultsInput } from '../src/index.js';
import { retinaMnistStudy } from './fixtures/retina-mnist-study.js';
import { makeStudyResults } from './fixtures/study-fixture.js';
import { withTestScores } from './fixtures/test-scores.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`browser test skipped: ${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)`);
}

/** Renders `results`, opens the page from disk and records console errors, page errors and any non-file request. */
async function openReport(results: StudyResultsInput, cleanup: string[]) {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'report-browser-'));
  const profile = await mkdtemp(path.join(os.tmpdir(), 'report-chromium-profile-'));
  cleanup.push(outDir, profile);
  await renderReport(results, outDir);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1366, height: 900 },
  });
  const problems: string[] = [];
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(path.join(outDir, 'index.html')).href, { waitUntil: 'load' });
  return { context, page, problems, external };
}

/** Every table of the page with its body rows and empty cells. */
const tablesOf = (page: Page) =>
  page.$$eval('table', (els) =>
    els.map((t) => ({
      id: t.id,
      rows: t.querySelectorAll('tbody tr').length,
      emptyCells: [...t.querySelectorAll('tbody td')].filter((td) => td.textContent!.trim() === '').length,
    })),
  );

describe.skipIf(!hasChromium)(`report page in headless Chromium (${CHROMIUM})`, () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  });

  test('loads from disk with no console errors, all images loaded, all tables filled; screenshot saved', async () => {
    const { context, page, problems, external } = await openReport(makeStudyResults({ seeds: [0, 1] }), cleanup);
    try {
      const images = await page.$$eval('img', (els) =>
        els.map((i) => ({ alt: i.alt, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth })),
      );
      expect(images.length).toBeGreaterThanOrEqual(10);
      expect(images.filter((i) => !i.ok)).toEqual([]);

      const tables = await tablesOf(page);
      expect(tables.length).toBeGreaterThanOrEqual(6);
      for (const t of tables) {
        expect(t.rows, `table ${t.id}`).toBeGreaterThan(0);
        expect(t.emptyCells, `empty cells in table ${t.id}`).toBe(0);
      }
      expect(await page.locator('#findings tbody tr').count()).toBe(7);

      const artifacts =
        process.env['TEST_ARTIFACTS_DIR'] ?? path.join(os.tmpdir(), 'transfusion-test-artifacts', 'report');
      await mkdir(artifacts, { recursive: true });
      const shot = path.join(artifacts, 'report-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
      expect(existsSync(shot)).toBe(true);

      expect(problems).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a multi-class study beside published results: section shown, every table filled, published cells styled apart', async () => {
    const { context, page, problems, external } = await openReport(withTestScores(retinaMnistStudy()), cleanup);
    try {
      const tables = await tablesOf(page);
      expect(tables.map((t) => t.id)).toEqual(
        expect.arrayContaining([
          'table1-grade',
          'table1-referable',
          'benchmark-ours-grade',
          'benchmark-published-grade',
        ]),
      );
      for (const t of tables) {
        expect(t.rows, `table ${t.id}`).toBeGreaterThan(0);
        expect(t.emptyCells, `empty cells in table ${t.id}`).toBe(0);
      }
      // published cells render in italics, ours upright
      const style = await page.$$eval('#benchmark-ours-grade tbody tr:first-child td', (tds) =>
        tds.map((td) => td.ownerDocument.defaultView!.getComputedStyle(td).fontStyle),
      );
      expect(style).toEqual(['normal', 'normal', 'normal', 'normal', 'normal', 'normal', 'italic']);
      expect(await page.locator('#published h2').textContent()).toBe('Beside published results');
      // per task: AUC per seed, ROC, reliability; the 5-class task adds its confusion matrices
      const evaluation = await page.$$eval('#evaluation figure', (els) => els.map((f) => f.id));
      expect(evaluation).toEqual([
        'auc-seeds-grade',
        'roc-grade',
        'reliability-grade',
        'confusion-grade',
        'auc-seeds-referable',
        'roc-referable',
        'reliability-referable',
      ]);
      expect(problems).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
