// The README's first command (`npm run demo`) prints the async / offloaded / blocking evidence and
// writes the HTML report: run it for real, shortened, then open its report in Chromium at 1280×1000.
// The screenshot goes to $I20_SHOTS (default /tmp/i20-shots) for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { closePage, launchChromium, layoutProblems, newPage } from '../support/browser.js';
import { tsImport } from '../support/runtime.js';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../examples/seed/demo.ts', import.meta.url));
const SHOTS = process.env.I20_SHOTS ?? '/tmp/i20-shots';

test('the demo flags /blocking and only it, judges /json beside each route, prints the guard\'s warning, and writes a report that fits 1280 px', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-demo-'));
  try {
    const report = join(dir, 'report.html');
    const { stdout } = await run(process.execPath, [...tsImport, demo], {
      env: { ...process.env, SEED_DELAY_MS: '300', SEED_DURATION: '2', SEED_REPORT: report },
      timeout: 90_000,
    });
    const lines = stdout.split('\n');
    for (const line of lines) assert.ok(line.length <= 120, `${line.length} characters, wider than a terminal: ${line}`);

    // Each route: its row, then its verdict, then how /json fared beside it.
    const header = lines.find((line) => line.startsWith('route '))!;
    const block = (route: string) => {
      const at = lines.findIndex((line) => line.startsWith(`GET ${route} `));
      assert.ok(at >= 0, `no row for ${route}:\n${stdout}`);
      const blocked = lines[at]!.slice(header.indexOf('blocked'), header.indexOf('/json req/s')).trim();
      return { row: lines[at]!, verdict: lines[at + 1]!.trim(), beside: lines[at + 2]!.trim(), blocked };
    };
    const [async, sync, blocking] = [block('/async'), block('/sync'), block('/blocking')];
    assert.match(async.row, /\basync\b/);
    assert.match(async.verdict, /^→ OK: non-blocking/, stdout);
    assert.match(sync.row, /\boffloaded\b/);
    assert.match(sync.verdict, /^→ OK: non-blocking/, stdout);
    assert.match(blocking.row, /\bblocking-inline\b/);
    assert.match(blocking.verdict, /^→ BAD: blocks the event loop.*named it for \d+ stalls/, stdout);
    // The blocked column: the guard charged /blocking with about the run's worth of waits, in several stalls; the others with none.
    assert.equal(async.blocked, '0 ms');
    assert.equal(sync.blocked, '0 ms');
    const [, ms, stalls] = /^([\d,]+) ms, (\d+) stalls$/.exec(blocking.blocked) ?? [];
    assert.ok(Number(ms?.replace(/,/g, '')) >= 1_200 && Number(stalls) >= 2, `blocked: ${blocking.blocked}`);
    // /json beside each route, judged on its own figures against /json alone.
    assert.match(stdout, /^\/json alone first: [\d,.]+ req\/s, p99 [\d,.]+ ms$/m);
    assert.match(async.beside, /^\/json beside it: untouched by GET \/async/, stdout);
    assert.match(sync.beside, /^\/json beside it: untouched by GET \/sync/, stdout);
    assert.match(blocking.beside, /^\/json beside it: (stalled behind GET \/blocking|none answered .* behind GET \/blocking)/, stdout);
    // The warning it promises, from the server's own log.
    assert.match(stdout, /^ {4}GET \/blocking blocked the event loop for \d+ ms/m, stdout);

    const html = readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    mkdirSync(SHOTS, { recursive: true });
    copyFileSync(report, join(SHOTS, 'demo-report.html'));
    const browser = await launchChromium();
    try {
      const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: join(SHOTS, 'demo-report.png'), fullPage: true });
      assert.deepEqual(await layoutProblems(page), []);
      assert.ok(await page.evaluate('document.documentElement.scrollWidth <= innerWidth'), 'the report scrolls sideways at 1280 px');
      const lesson = (await page.textContent('p.lesson')) ?? '';
      assert.match(lesson, /both leave the event loop free/);
      assert.match(lesson, /every other request, \/json included, waits behind it/);
      const verdicts = await page.$$eval('tbody tr', (rows) => Object.fromEntries(rows.map((row) => [row.getAttribute('data-route'), row.getAttribute('data-verdict')])));
      assert.deepEqual(
        { async: verdicts['GET /async'], sync: verdicts['GET /sync'], blocking: verdicts['GET /blocking'], besideAsync: verdicts['GET /json (beside GET /async)'], besideBlocking: verdicts['GET /json (beside GET /blocking)'] },
        { async: 'ok', sync: 'ok', blocking: 'blocking', besideAsync: 'ok', besideBlocking: 'inconclusive' },
      );
      assert.equal(await page.$$eval('svg[data-chart="loop-delay"] rect[data-phase]', (rects) => rects.length), 4, '/json alone and the three routes, each shaded');
      await closePage(page);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
