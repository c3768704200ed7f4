import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCharts, renderReport } from '../../src/report/index.js';
import { splitInputs } from '../../src/report/input.js';
import { loadCompare, loadRun, RUN_FIXTURES } from '../fixtures/report/load.js';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling out on this closed
// network (see the machine notes); the page itself must need no network at all.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Pages and screenshots go to a temporary folder, never into the repository's results/. */
const OUT_DIR = mkdtempSync(join(tmpdir(), 'hbft-browser-'));
const REPORT_PATH = join(OUT_DIR, 'report-browser.html');
const SCREENSHOT_PATH = join(OUT_DIR, 'report-browser.png');
/** A report from a real run, through the CLI, as a user makes one. */
const RUN_REPORT_PATH = join(OUT_DIR, 'run-report-browser.html');
const RUN_SCREENSHOT_PATH = join(OUT_DIR, 'run-report-browser.png');
const CLI = resolve('dist/src/cli/main.js');
const RUN_CHARTS = ['pause-distribution', 'epoch-timeline', 'faults-per-epoch'];

const inputs = [...RUN_FIXTURES.map(loadRun), loadCompare()];
const charts = planCharts(splitInputs(inputs));
const SERIES = RUN_FIXTURES.length;
const FAULT_KINDS = 2;
const COMPARE_ROWS = loadCompare().rows.length;
const COMPARE_CELLS = new Set(loadCompare().rows.map((r) => `${r.workload}/${r.mode}`)).size;
/** Data marks each chart must draw, counted from the fixtures; vega's SVG tags each mark
 * group `mark-<type> role-mark`, apart from axes, legends and titles. */
const EXPECTED_MARKS: Record<string, { selector: string; count: number }[]> = {
  'pause-distribution': [{ selector: 'g.mark-line.role-mark path', count: SERIES }],
  'epoch-timeline': [{ selector: 'g.mark-line.role-mark path', count: 2 * SERIES }],
  'faults-per-epoch': [{ selector: 'g.mark-area.role-mark path', count: FAULT_KINDS * SERIES }],
  'compare-throughput': [
    // bars (means) plus one tick per repeat; ticks are rects too
    { selector: 'g.mark-rect.role-mark path', count: COMPARE_CELLS + COMPARE_ROWS },
    { selector: 'g.mark-rule.role-mark line', count: 1 },
  ],
};

describe('report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium.sh first`);
    }
    writeFileSync(REPORT_PATH, await renderReport(inputs, { generatedAt: new Date(0) }));
    // launch() gives a fresh temporary profile (--user-data-dir) and a default context.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it('renders every chart with marks and axis titles, offline and without errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('requestfailed', (req) => failedRequests.push(`${req.url()}: ${req.failure()?.errorText ?? '?'}`));
    page.on('request', (req) => requests.push(req.url()));

    const url = pathToFileURL(REPORT_PATH).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(charts.map((c) => c.id)).toEqual([
      'pause-distribution',
      'epoch-timeline',
      'faults-per-epoch',
      'compare-throughput',
    ]);
    for (const chart of charts) {
      const figure = page.locator(`figure[data-chart="${chart.id}"]`);
      expect(await figure.locator('svg').count(), `${chart.id} svg`).toBe(1);
      for (const { selector, count } of EXPECTED_MARKS[chart.id] ?? []) {
        expect(await figure.locator(`svg ${selector}`).count(), `${chart.id}: ${selector}`).toBe(count);
      }
      const box = await figure.locator('svg').boundingBox();
      expect(box?.width ?? 0, `${chart.id} width`).toBeGreaterThan(300);
      expect(box?.height ?? 0, `${chart.id} height`).toBeGreaterThan(150);
      const text = (await figure.textContent()) ?? '';
      expect(text).toContain(chart.title);
      for (const axisTitle of chart.axisTitles) expect(text, `${chart.id} axis`).toContain(axisTitle);
    }
    // The literal titles, so a renamed constant cannot pass unnoticed.
    const body = (await page.locator('body').textContent()) ?? '';
    for (const t of ['pause time (µs)', 'dirty pages', 'faults in epoch', 'throughput / native', '99.9%']) {
      expect(body).toContain(t);
    }
    const header = (await page.locator('header').textContent()) ?? '';
    expect(header).toContain('zipf');
    expect(header).toContain('logdirty');

    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('shows a report that `hbft run --report` wrote from a real run', async () => {
    const run = spawnSync(process.execPath, [CLI, 'run', '--workload', 'hotcold', '--mode', 'logdirty', '--duration', '3s',
      '--mem', '64MiB', '--report', RUN_REPORT_PATH], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`wrote report ${RUN_REPORT_PATH}`);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(pathToFileURL(RUN_REPORT_PATH).href, { waitUntil: 'load' });
    const ids = await page.locator('figure[data-chart]').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));
    expect(ids).toEqual(RUN_CHARTS);
    for (const id of RUN_CHARTS) {
      // at least one drawn data mark per chart: a line or an area with a path
      expect(await page.locator(`figure[data-chart="${id}"] svg g.role-mark path`).count(), id).toBeGreaterThan(0);
    }
    expect((await page.locator('header').textContent()) ?? '').toContain('hotcold');
    await page.screenshot({ path: RUN_SCREENSHOT_PATH, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
