// The HTML report in real headless Chromium (Debian's): the table and the three charts render
// with data, nothing is fetched from anywhere, and the page is not blank. Then the hardest report to
// lay out (fixtures/hard-report.ts) at 1280×1000: the page must not scroll sideways, chart text must
// stay inside its chart and off other text, and every figure must say what it means ("none
// answered", never 0 / 0 / 0 ms; 0.50 req/s, never 0). Screenshots go to $I20_SHOTS (default
// /tmp/i20-shots) for a person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from '../../src/evidence/html-report.js';
import type { EvidenceReport, RunResult } from '../../src/evidence/types.js';
import { closePage, launchChromium, layoutProblems, newPage, screenshotPixels, type Browser } from '../support/browser.js';
import { hardReport, runs as hardRuns } from './fixtures/hard-report.js';

const SHOTS = process.env.I20_SHOTS ?? '/tmp/i20-shots';

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

test('a bench report with long names, three levels, inconclusive and unanswered runs fits 1280 px and says what it means', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  mkdirSync(SHOTS, { recursive: true });
  const html = renderHtml(hardReport);
  writeFileSync(join(SHOTS, 'bench-report.html'), html);
  await page.setContent(html, { waitUntil: 'load' });
  await page.screenshot({ path: join(SHOTS, 'bench-report.png'), fullPage: true });

  assert.deepEqual(await layoutProblems(page), []);
  // The verdict column is on screen, not behind a scrollbar.
  const verdictRight = await page.$$eval('td.verdict', (cells) => Math.max(...cells.map((cell) => cell.getBoundingClientRect().right)));
  assert.ok(verdictRight <= 1280, `verdict column ends at ${verdictRight} px`);

  const text = (await page.textContent('body')) ?? '';
  assert.match(text, /Measured: 5 routes of src\/app\.ts, each loaded with 1, 10 and 50 concurrent connections for 5 s per run/);
  assert.match(text, /Host busy: verdicts less certain\./);
  assert.match(text, /GET \/events: server-sent events/);
  assert.match(text, /INCONCLUSIVE: the run cannot say/);

  const row = (route: string, concurrency: number) =>
    page.$eval(`table[data-concurrency="${concurrency}"] tr[data-route="${route.replace(/"/g, '\\"')}"]`, (tr) => ({
      verdict: tr.getAttribute('data-verdict'),
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    }));
  const slow = await row('GET /reports/:year/:month/summary.csv?format=long', 10);
  assert.equal(slow.cells[1], '0.50', '0.5 req/s is not 0');
  const unanswered = await row('POST /upload/:bucket/<script>alert(1)</script>', 50);
  assert.equal(unanswered.cells[2], 'none answered');
  assert.equal(unanswered.cells[3], 'timeouts: 150 · socket errors: 2');
  assert.equal(unanswered.verdict, 'inconclusive');
  assert.match(unanswered.cells[5]!, /^INCONCLUSIVE.*none answered: 3 timeouts/);
  const me = await row('GET /me', 1);
  assert.equal(me.cells[3], '200: 30 · 401: 970');
  assert.match(me.cells[5]!, /97% 401: pass --header/);
  const bad = await row('GET /export', 10);
  assert.match(bad.cells[4]!, /blocked 4,100 ms in 17 stalls/);
  assert.equal(await page.$$eval('script', (found) => found.length), 0, 'route names are escaped');
  // Verdict colours: each verdict its own.
  const colours = await page.$$eval('tbody td.verdict strong', (els) => [...new Set(els.map((el) => `${el.className} ${(globalThis as unknown as { getComputedStyle(element: unknown): { color: string } }).getComputedStyle(el).color}`))].sort());
  assert.equal(new Set(colours.map((c) => c.split(' ').slice(1).join(' '))).size, 3, colours.join('\n'));

  // Throughput: drawn (several levels), and the slow route sits visibly above the unanswered one.
  const throughput = await page.$$eval('svg[data-chart="throughput"] circle', (dots) => dots.map((dot) => ({ v: Number(dot.getAttribute('data-value')), cy: Number(dot.getAttribute('cy')) })));
  assert.equal(throughput.length, hardRuns.length);
  const floor = Math.max(...throughput.map((dot) => dot.cy));
  assert.ok(throughput.filter((dot) => dot.v === 0.5).every((dot) => floor - dot.cy > 20), 'the 0.5 req/s route is off the floor');
  // Loop delay: every run's phase shaded and named.
  assert.equal(await page.$$eval('svg[data-chart="loop-delay"] rect[data-phase]', (rects) => rects.length), hardRuns.length);
  assert.equal(await page.$$eval('svg[data-chart="loop-delay"] line.gap', (gaps) => gaps.length), 1, 'the 4 s without readings is drawn dashed');
  await closePage(page);
});

test('one concurrency level: no throughput chart, and the caller\'s summary leads the page', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  const single = { ...hardReport, runs: hardRuns.filter((r) => r.concurrency === 10), summary: 'What this bench shows, in two sentences. The second one.' };
  await page.setContent(renderHtml(single), { waitUntil: 'load' });
  await page.screenshot({ path: join(SHOTS, 'bench-report-one-level.png'), fullPage: true });
  assert.deepEqual(await layoutProblems(page), []);
  assert.deepEqual(await page.$$eval('svg[data-chart]', (svgs) => svgs.map((svg) => svg.getAttribute('data-chart'))), ['latency', 'loop-delay']);
  assert.equal(await page.textContent('p.lesson'), single.summary);
  await closePage(page);
});
