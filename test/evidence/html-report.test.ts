// The HTML report in real headless Chromium (Debian's): the table and the three charts render
// with data, nothing is fetched from anywhere, and the page is not blank. (Its layout at 1280 px,
// with the hardest names and figures: html-report-layout.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/evidence/html-report.js';
import type { EvidenceReport, RunResult } from '../../src/evidence/types.js';
import { closePage, launchChromium, newPage, screenshotPixels, type Browser } from '../support/browser.js';

function run(route: string, concurrency: number, rps: number, p50: number, verdict: RunResult['verdict'] = 'ok'): RunResult {
  return {
    route,
    url: `http://127.0.0.1:1234${route.split(' ')[1]}`,
    pattern: verdict === 'blocking' ? 'blocking-inline' : 'async',
    concurrency,
    durationSeconds: 1,
    requests: rps,
    requestsPerSecond: rps,
    latencyMs: { p50, p95: p50 * 1.5, p99: p50 * 2, max: p50 * 3 },
    statuses: { '200': rps },
    errors: 0,
    timeouts: 0,
    socketErrors: 0,
    loopDelayMaxMs: verdict === 'blocking' ? 120 : 12,
    blockedMs: verdict === 'blocking' ? 900 : 0,
    blockedCount: verdict === 'blocking' ? 9 : 0,
    verdict,
  };
}

// A route name with markup in it: it must show as text, never become an element.
const HOSTILE = 'GET /<script>alert(1)</script>&"x"';
const report: EvidenceReport = {
  startedAt: '2025-01-01T00:00:00.000Z',
  machine: { node: 'v20.0.0', cpu: 'Test CPU <b>', cores: 2, platform: 'linux x64' },
  target: 'examples/seed/app.ts',
  runs: [1, 10].flatMap((c) => [run('GET /async', c, 90 * c, 21), run('GET /sync', c, 30 * c, 60), run('GET /blocking', c, 16, 60 * c, 'blocking'), run(HOSTILE, c, 5000, 0.4)]),
  loopDelay: Array.from({ length: 24 }, (_, i) => ({ t: 0.5 * (i + 1), delayMaxMs: i % 6 === 4 ? 130 : 11 + (i % 3) })),
};

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

test('the report renders its table and three charts with data, fetching nothing', async () => {
  const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  await page.setContent(renderHtml(report), { waitUntil: 'load' });

  const rows = await page.$$eval('table tbody tr', (trs) =>
    trs.map((tr) => ({ route: tr.getAttribute('data-route'), verdict: tr.querySelector('td.verdict strong')?.textContent, rate: tr.querySelectorAll('td')[1]?.textContent })),
  );
  assert.equal(rows.length, report.runs.length);
  assert.deepEqual(rows.map((row) => row.route), report.runs.map((r) => r.route));
  assert.equal(rows.find((row) => row.route === 'GET /blocking')!.verdict, 'BAD: blocks the event loop — offload it or make it async');
  assert.equal(rows.find((row) => row.route === 'GET /async')!.verdict, 'OK: non-blocking');
  assert.deepEqual(rows.filter((row) => row.route === HOSTILE).map((row) => row.rate), ['5,000', '5,000']);
  assert.equal(await page.$$eval('table', (tables) => tables.length), 2, 'one table per concurrency level');

  // Escaped: the hostile name is text in the table; no element came out of it.
  assert.equal(await page.$$eval('script, b', (found) => found.length), 0);
  assert.match(await page.textContent('.meta') ?? '', /Test CPU <b>/);

  const charts = await page.$$eval('svg[data-chart]', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const values = [...svg.querySelectorAll('[data-value]')].map((el) => Number(el.getAttribute('data-value')));
      const lines = [...svg.querySelectorAll('polyline')].map((line) => (line.getAttribute('points') ?? '').split(' ').filter(Boolean).length);
      const bars = [...svg.querySelectorAll('rect[data-value]')].map((rect) => (rect as unknown as { getBBox(): { height: number } }).getBBox().height);
      return { name: svg.getAttribute('data-chart'), width: box.width, height: box.height, values, lines, bars };
    }),
  );
  assert.deepEqual(charts.map((c) => c.name), ['latency', 'throughput', 'loop-delay']);
  for (const chart of charts) assert.ok(chart.width > 300 && chart.height > 150, JSON.stringify(chart));
  const [latency, throughput, loop] = charts;
  assert.equal(latency!.values.length, report.runs.length * 3, 'p50, p95, p99 per run');
  assert.ok(latency!.bars.filter((h) => h > 1).length >= report.runs.length, 'bars are drawn');
  assert.deepEqual(throughput!.lines, [2, 2, 2, 2], 'one line per route, a point per concurrency level');
  assert.deepEqual([...throughput!.values].sort((a, b) => a - b), report.runs.map((r) => r.requestsPerSecond).sort((a, b) => a - b));
  assert.deepEqual(loop!.lines, [report.loopDelay.length]);
  assert.deepEqual(loop!.values, report.loopDelay.map((p) => p.delayMaxMs));

  assert.deepEqual(requested.filter((url) => !url.startsWith('data:')), [], 'the page fetched something');

  // Non-blank: the screenshot has many colours and is not all white.
  const pixels = await screenshotPixels(browser, page);
  assert.ok(pixels.width >= 1000 && pixels.height > 900, JSON.stringify(pixels));
  assert.ok(pixels.colours > 100, `only ${pixels.colours} distinct colours`);
  assert.ok(pixels.notWhite > 0.02, `only ${(pixels.notWhite * 100).toFixed(1)}% of the page is not white`);
  await closePage(page);
});

test('an empty report still renders a valid page, saying nothing was loaded', async () => {
  const page = await newPage(browser);
  await page.setContent(renderHtml({ ...report, runs: [], loopDelay: [] }), { waitUntil: 'load' });
  assert.equal(await page.$$eval('svg[data-chart]', (svgs) => svgs.length), 0);
  assert.equal(await page.$$eval('table tbody tr', (rows) => rows.length), 0);
  assert.match((await page.textContent('body')) ?? '', /No routes were loaded\./);
  await closePage(page);
});
