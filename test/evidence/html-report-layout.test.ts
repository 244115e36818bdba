// A `loopwise bench`-style report at its hardest to lay out, in real headless Chromium at 1280×1000:
// long route names, three concurrency levels, a route that answered mostly 401 (inconclusive), one
// that answered nothing, a 2-second route at 0.5 req/s, skipped routes and a busy host. The page
// must not scroll sideways, chart text must stay inside its chart and off other text, and every
// figure must say what it means ("none answered", never 0 / 0 / 0 ms; 0.50 req/s, never 0).
// Screenshots go to $I20_SHOTS (default /tmp/i20-shots) for a person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from '../../src/evidence/html-report.js';
import type { EvidenceReport, RunResult } from '../../src/evidence/types.js';
import { closePage, launchChromium, layoutProblems, newPage, type Browser } from '../support/browser.js';

const SHOTS = process.env.I20_SHOTS ?? '/tmp/i20-shots';

function run(route: string, concurrency: number, fields: Partial<RunResult> = {}): RunResult {
  const requestsPerSecond = fields.requestsPerSecond ?? 1000 * concurrency;
  return {
    route,
    url: `http://127.0.0.1:1234${route.split(' ')[1]}`,
    pattern: 'async',
    concurrency,
    durationSeconds: 5,
    requests: Math.round(requestsPerSecond * 5),
    requestsPerSecond,
    latencyMs: { p50: 0.8 * concurrency, p95: 1.5 * concurrency, p99: 2 * concurrency, max: 3 * concurrency },
    statuses: { '200': Math.round(requestsPerSecond * 5) },
    errors: 0,
    timeouts: 0,
    socketErrors: 0,
    loopDelayMaxMs: 12,
    blockedMs: 0,
    blockedCount: 0,
    verdict: 'ok',
    ...fields,
  };
}

const LONG = 'GET /api/v1/organizations/:organizationId/projects/:projectId/members/:memberId/permissions';
const LEVELS = [1, 10, 50];
const runs = LEVELS.flatMap((c, level) => {
  const at = (i: number) => ({ startedAtSeconds: (level * 5 + i) * 5.2, endedAtSeconds: (level * 5 + i) * 5.2 + 5 });
  return [
    run(LONG, c, at(0)),
    run('GET /reports/:year/:month/summary.csv?format=long', c, { ...at(1), requestsPerSecond: 0.5, requests: 3, statuses: { '200': 3 }, latencyMs: { p50: 2001, p95: 2010, p99: 2012, max: 2012 }, pattern: 'offloaded' }),
    run('GET /me', c, {
      ...at(2),
      requestsPerSecond: 200 * c,
      statuses: { '200': 30, '401': 970 * c },
      errors: 970 * c,
      verdict: 'inconclusive',
      verdictNote: "97% 401: pass --header 'Authorization: Bearer …'",
    }),
    run('POST /upload/:bucket/<script>alert(1)</script>', c, {
      ...at(3),
      requests: 0,
      requestsPerSecond: 0,
      statuses: {},
      latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
      errors: 2,
      timeouts: 3 * c,
      socketErrors: 2,
      verdict: 'inconclusive',
      verdictNote: 'none answered: 3 timeouts, 2 socket errors',
    }),
    run('GET /export', c, { ...at(4), pattern: 'blocking-inline', requestsPerSecond: 4.2, latencyMs: { p50: 240, p95: 900, p99: 1300, max: 1400 }, loopDelayMaxMs: 310, blockedMs: 4100, blockedCount: 17, verdict: 'blocking' }),
  ];
});
const report: EvidenceReport = {
  startedAt: '2025-01-01T00:00:00.000Z',
  machine: { node: 'v20.0.0', cpu: 'AMD EPYC 7B13', cores: 2, platform: 'linux x64' },
  target: 'src/app.ts',
  runs,
  loopDelay: Array.from({ length: 150 }, (_, i) => ({ t: 0.52 * (i + 1), delayMaxMs: Math.floor(i / 10) % 5 === 4 ? 310 : 11 + (i % 3) })),
  skipped: [
    { route: 'GET /events', reason: 'server-sent events: a stream, not a request/response route' },
    { route: 'GET /health', reason: 'built-in health check' },
    { route: 'GET /ws', reason: 'WebSocket' },
  ],
  hostStarvedMs: 640,
};

let browser: Browser;
before(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
after(() => browser?.close());

test('a bench report with long names, three levels, inconclusive and unanswered runs fits 1280 px and says what it means', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  const html = renderHtml(report);
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
  assert.equal(throughput.length, runs.length);
  const floor = Math.max(...throughput.map((dot) => dot.cy));
  assert.ok(throughput.filter((dot) => dot.v === 0.5).every((dot) => floor - dot.cy > 20), 'the 0.5 req/s route is off the floor');
  // Loop delay: every run's phase shaded and named.
  assert.equal(await page.$$eval('svg[data-chart="loop-delay"] rect[data-phase]', (rects) => rects.length), runs.length);
  await closePage(page);
});

test('one concurrency level: no throughput chart, and the caller\'s summary leads the page', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  const single = { ...report, runs: runs.filter((r) => r.concurrency === 10), summary: 'What this bench shows, in two sentences. The second one.' };
  await page.setContent(renderHtml(single), { waitUntil: 'load' });
  await page.screenshot({ path: join(SHOTS, 'bench-report-one-level.png'), fullPage: true });
  assert.deepEqual(await layoutProblems(page), []);
  assert.deepEqual(await page.$$eval('svg[data-chart]', (svgs) => svgs.map((svg) => svg.getAttribute('data-chart'))), ['latency', 'loop-delay']);
  assert.equal(await page.textContent('p.lesson'), single.summary);
  await closePage(page);
});
