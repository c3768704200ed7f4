import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResults } from '../../src/metrics/compare-results.js';
import { planCharts, renderReport } from '../../src/report/index.js';
import { splitInputs } from '../../src/report/input.js';
import { findChromium, launchChromium } from '../helpers/browser.js';
import { loadCompare, loadRun, RUN_FIXTURES } from '../fixtures/report/load.js';

/** Screenshots stay after the test, for a person to look at; HBFT_SCREENSHOT_DIR moves them. */
const SHOT_DIR = process.env.HBFT_SCREENSHOT_DIR ?? join(tmpdir(), 'hbft-report-screenshots');
const work = mkdtempSync(join(tmpdir(), 'hbft-report-browser-'));
const CLI = resolve('dist/src/cli/main.js');
const RUN_CHARTS = ['pause-histogram', 'epoch-timeline', 'pause-distribution', 'faults-per-epoch'];
const COMPARE_CHARTS = ['compare-throughput', 'compare-pause', 'compare-faults'];
/** A real sweep, small enough for a test: two workloads, five configurations, two repeats. */
const SWEEP_WORKLOADS = ['gups', 'hotcold'];
const SWEEP_MODES = ['native', 'logdirty', 'wfp', 'all', 'pml'];
const SWEEP_REPEATS = 2;
/** npm start's report was 12,000 px tall; answer-first with collapsed tables it must stay short */
const MAX_PAGE_HEIGHT = 3000;

const fixtureInputs = [...RUN_FIXTURES.map(loadRun), loadCompare()];

function hbft(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8', timeout: 150_000 });
}

/** Loads a page and collects everything that went wrong on it. */
async function open(browser: Browser, path: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('requestfailed', (req) => errors.push(`${req.url()}: ${req.failure()?.errorText ?? '?'}`));
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, errors, requests };
}

const chartIds = (page: Page): Promise<(string | null)[]> =>
  page.locator('figure[data-chart]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));

/** Each legend entry of a chart as [label, colour]: symbols fill (bars) or stroke (lines). */
function legendEntries(page: Page, id: string): Promise<[string, string][]> {
  return page.locator(`figure[data-chart="${id}"] svg`).evaluate((svg) => {
    const symbols = [...svg.querySelectorAll('.role-legend-symbol path')];
    const labels = [...svg.querySelectorAll('.role-legend-label text')];
    return labels.map((label, i): [string, string] => {
      const sym = symbols[i];
      const fill = sym?.getAttribute('fill');
      const colour = fill && fill !== 'transparent' && fill !== 'none' ? fill : (sym?.getAttribute('stroke') ?? '');
      return [label.textContent ?? '', colour];
    });
  });
}

/** The most lines any one panel of a chart draws. */
function maxLinesPerPanel(page: Page, id: string): Promise<number> {
  return page
    .locator(`figure[data-chart="${id}"] svg g.mark-line.role-mark`)
    .evaluateAll((groups) => Math.max(0, ...groups.map((g) => g.querySelectorAll(':scope > path').length)));
}

describe('report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    const found = await findChromium();
    // one visible line: which browser this run drove
    console.log(`report-browser: ${found.source} Chromium ${found.executablePath}`);
    browser = await launchChromium(found);
    mkdirSync(SHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders every chart of the fixture report with marks and axis titles, offline and without errors', async () => {
    const path = join(work, 'fixtures.html');
    writeFileSync(path, await renderReport(fixtureInputs, { generatedAt: new Date(0) }));
    const charts = planCharts(splitInputs(fixtureInputs));
    const { page, errors, requests } = await open(browser, path);
    expect(await chartIds(page)).toEqual(charts.map((c) => c.id));
    for (const chart of charts) {
      const figure = page.locator(`figure[data-chart="${chart.id}"]`);
      expect(await figure.locator('svg').count(), `${chart.id} svg`).toBe(1);
      expect(await figure.locator('svg g.role-mark path').count(), `${chart.id} marks`).toBeGreaterThan(0);
      const box = await figure.locator('svg').boundingBox();
      expect(box?.width ?? 0, `${chart.id} width`).toBeGreaterThan(300);
      expect(box?.height ?? 0, `${chart.id} height`).toBeGreaterThan(150);
      const text = (await figure.textContent()) ?? '';
      expect(text).toContain(chart.title);
      for (const axisTitle of chart.axisTitles) expect(text, `${chart.id} axis`).toContain(axisTitle);
    }
    // The literal titles, so a renamed constant cannot pass unnoticed.
    const body = (await page.locator('body').textContent()) ?? '';
    for (const t of ['pause time (µs)', 'dirty pages', 'faults in epoch', 'throughput / native', '99.9%', 'epochs']) {
      expect(body).toContain(t);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]);
    await page.close();
  });

  it('opens `hbft compare --report` with the throughput chart and the answer; one line per mode, no legend cut', async () => {
    const out = join(work, 'sweep');
    const r = hbft('compare', '--workloads', SWEEP_WORKLOADS.join(','), '--modes', SWEEP_MODES.join(','), '--duration', '300ms',
      '--mem', '8MiB', '--repeat', String(SWEEP_REPEATS), '--out', out, '--report');
    expect(r.status, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`wrote report ${out}.html`);
    expect(String(r.stdout) + String(r.stderr)).not.toMatch(/WARN/);
    const sweep = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as CompareResults;
    const { page, errors } = await open(browser, `${out}.html`);

    // answer first: throughput, the best-mode table, then pauses and faults; tables last, collapsed
    expect(await chartIds(page)).toEqual(COMPARE_CHARTS);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('main > figure[data-chart], main > h2, main > table, main > details')].map(
        (e) => e.getAttribute('data-chart') ?? (e.id || e.tagName.toLowerCase()),
      ),
    );
    expect(order).toEqual([
      'compare-throughput', 'answer', 'table', 'compare-pause', 'compare-faults', 'details', 'details', 'details', 'details',
    ]);
    expect(await page.locator('table.answer').isVisible()).toBe(true);
    expect(await page.locator('details').count()).toBe(3);
    expect(await page.locator('details[open]').count()).toBe(0);
    expect(await page.locator('details table').first().isVisible()).toBe(false);
    const answerRows = await page.locator('table.answer tbody tr').allTextContents();
    expect(answerRows).toHaveLength(SWEEP_WORKLOADS.length);

    // every mode in every chart has the same colour; no chart lists more entries than modes
    const colours = new Map<string, string>();
    for (const id of COMPARE_CHARTS) {
      const entries = await legendEntries(page, id);
      expect(entries.length, `${id} legend`).toBeGreaterThan(0);
      expect(entries.length, `${id} legend`).toBeLessThanOrEqual(SWEEP_MODES.length);
      for (const [mode, colour] of entries) {
        expect(SWEEP_MODES, `${id} legend entry`).toContain(mode);
        expect(colours.get(mode) ?? colour, `${id}: colour of ${mode}`).toBe(colour);
        colours.set(mode, colour);
      }
      expect(entries.map(([m]) => m), `${id} legend order`).toEqual(SWEEP_MODES.filter((m) => entries.some(([e]) => e === m)));
    }
    expect(colours.get('all')).toBe('#1b7f79');
    expect(await page.locator('svg text', { hasText: /\d+ entries/ }).count()).toBe(0);
    for (const id of ['compare-pause', 'compare-faults']) {
      const lines = await maxLinesPerPanel(page, id);
      expect(lines, id).toBeGreaterThan(0);
      // native has no epochs, so no pause curve and no fault line
      expect(lines, id).toBeLessThanOrEqual(SWEEP_MODES.length - 1);
    }
    // bars: one per workload and mode; ticks: one per run
    const throughput = page.locator('figure[data-chart="compare-throughput"] svg');
    expect(await throughput.locator('g.mark-rect.role-mark path').count()).toBe(
      SWEEP_WORKLOADS.length * SWEEP_MODES.length + sweep.rows.length,
    );
    // `all` is named as itself in the per-run table, never as a second wfp
    const runTable = (await page.locator('details').nth(1).textContent()) ?? '';
    expect(runTable).toContain('gups/all#2');
    expect(runTable).not.toContain(`wfp#${SWEEP_REPEATS + 1}`);

    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeLessThan(MAX_PAGE_HEIGHT);
    const shot = join(SHOT_DIR, 'compare-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report-browser: compare report ${height} px tall, screenshot ${shot}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens `hbft run --report` with the pause histogram and the epoch timeline', async () => {
    const path = join(work, 'run.html');
    const r = hbft('run', '--workload', 'hotcold', '--mode', 'logdirty', '--duration', '3s', '--mem', '64MiB', '--report', path);
    expect(r.status, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`wrote report ${path}`);
    expect(String(r.stdout) + String(r.stderr)).not.toMatch(/WARN/);
    const { page, errors } = await open(browser, path);
    expect(await chartIds(page)).toEqual(RUN_CHARTS);
    for (const id of RUN_CHARTS) {
      expect(await page.locator(`figure[data-chart="${id}"] svg g.role-mark path`).count(), id).toBeGreaterThan(0);
    }
    expect(await legendEntries(page, 'pause-histogram')).toEqual([['logdirty', '#e45756']]);
    expect((await page.locator('header').textContent()) ?? '').toContain('hotcold');
    const shot = join(SHOT_DIR, 'run-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report-browser: run report screenshot ${shot}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
