// benchApp on an app as users write them (test/evidence/fixtures/real-app.ts), over real sockets:
// a bearer-protected route is INCONCLUSIVE without its header and OK with it, a shedding route is
// INCONCLUSIVE with the shed note, the answers are counted per status, and what the bench leaves
// out (built-ins, the event stream, the WebSocket, POST, parameters) is listed with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchApp } from '../../src/evidence/bench-app.js';
import { formatTable, WIDTH } from '../../src/evidence/table.js';
import { createRealApp } from './fixtures/real-app.js';

// Counted runs: the shares of statuses are the same on any machine, however busy.
const AMOUNT = 40;

test('without credentials: the protected route is INCONCLUSIVE (401), the shedding one too (503); the skipped routes are listed', async () => {
  const app = createRealApp();
  const report = await benchApp(app, { concurrency: [2], amount: AMOUNT, target: 'real-app.ts' });
  const summary = JSON.stringify(report.runs.map(({ route, statuses, verdict, verdictNote }) => ({ route, statuses, verdict, verdictNote })));

  assert.deepEqual(report.runs.map((run) => run.route), ['GET /public', 'GET /private', 'GET /shed'], summary);
  const [open, guarded, shed] = report.runs;
  assert.deepEqual(open!.statuses, { 200: AMOUNT }, summary);
  assert.equal(open!.verdict, 'ok', summary);
  assert.deepEqual(guarded!.statuses, { 401: AMOUNT }, summary);
  assert.equal(guarded!.errors, AMOUNT);
  assert.equal(guarded!.verdict, 'inconclusive', summary);
  assert.equal(guarded!.verdictNote, "100% 401 — pass --header 'Authorization: Bearer …' (or --auth-token)");
  // Nine in ten turned away (the probe took one turn of the counter: 36 or 37 of 40).
  assert.equal(shed!.statuses['200']! + shed!.statuses['503']!, AMOUNT, summary);
  assert.ok(shed!.statuses['503']! >= 35, summary);
  assert.equal(shed!.verdict, 'inconclusive', summary);
  assert.match(shed!.verdictNote!, /^9\d% 503 — the server shed load: lower --concurrency or raise its limits$/);
  for (const run of report.runs) {
    assert.equal(run.timeouts, 0);
    assert.equal(run.socketErrors, 0);
    assert.equal(typeof run.blockedCount, 'number');
    assert.ok(run.startedAtSeconds! >= 0 && run.endedAtSeconds! >= run.startedAtSeconds!, JSON.stringify(run));
    assert.equal(typeof run.hostStarvedMs, 'number');
  }
  // Runs follow one another on the loop-delay chart's clock.
  assert.ok(report.runs[1]!.startedAtSeconds! >= report.runs[0]!.endedAtSeconds!);
  assert.equal(typeof report.hostStarvedMs, 'number');

  const skipped = Object.fromEntries(report.skipped!.map(({ route, reason }) => [route, reason]));
  for (const builtIn of ['GET /health', 'GET /ready', 'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /redoc']) assert.match(skipped[builtIn] ?? '', /^built-in/, builtIn);
  assert.equal(skipped['GET /events'], "server-sent events (a stream that stays open): load it anyway with --route 'GET /events'");
  assert.equal(skipped['WS /chat'], 'WebSocket: the bench sends HTTP requests only');
  assert.equal(skipped['POST /items'], "not a GET: load it with --route 'POST /items'");
  assert.equal(skipped['GET /items/:id'], "has path parameters: give a concrete path with --route 'GET /items/1'");
  assert.ok(!Object.keys(skipped).some((route) => route.includes('swagger')), 'the docs pages\' files are not listed one by one');

  const table = formatTable(report);
  for (const line of table.split('\n')) assert.ok(line.length <= WIDTH, `${line.length}: ${line}`);
  assert.match(table, /^GET \/private .* 401×40 .* INCONCLUSIVE$/m);
  assert.match(table, /^ {4}100% 401 — pass --header 'Authorization: Bearer …' \(or --auth-token\)$/m);
  assert.match(table, /^GET \/shed .* shed×3\d 200×\d .* INCONCLUSIVE$/m);
  assert.match(table, /^ {2}GET \/events +server-sent events/m);
  assert.match(table, /^ {2}GET \/health +built-in \(health check\)$/m);
  assert.equal(app.server, null, 'the app was closed');
});

test('with the bearer header: the protected route is OK; a named stream is loaded as asked', async () => {
  const app = createRealApp();
  const report = await benchApp(app, { routes: ['GET /private'], concurrency: [2], amount: AMOUNT, headers: { Authorization: 'Bearer secret' } });
  assert.deepEqual(report.runs.map(({ route, statuses, verdict }) => [route, statuses, verdict]), [['GET /private', { 200: AMOUNT }, 'ok']]);
  assert.deepEqual(report.skipped, [], 'routes named by the user: nothing else is reported as skipped');
  // A wrong token is the 401 note again.
  const wrong = await benchApp(createRealApp(), { routes: ['GET /private'], concurrency: [1], amount: 10, headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.runs[0]!.verdict, 'inconclusive');
});

test('bad headers are refused before anything listens', async () => {
  const app = createRealApp();
  await assert.rejects(benchApp(app, { concurrency: [1], amount: 1, headers: { 'bad name': 'x' } }), /benchApp headers: the header name "bad name" is not a valid HTTP token/);
  await assert.rejects(benchApp(app, { concurrency: [1], amount: 1, headers: { 'x-a': 'line\nbreak' } }), /benchApp headers: the header x-a has a character a header cannot carry/);
  assert.equal(app.server, null);
});
