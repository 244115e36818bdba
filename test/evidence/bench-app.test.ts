// benchApp on an app with an async, an offloaded and a blocking inline route: the verdict must
// flag the blocking one, and only it. Short runs; the app runs in this process (see bench-app.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/index.js';
import { benchApp } from '../../src/evidence/bench-app.js';
import type { EvidenceReport } from '../../src/evidence/types.js';
import { app } from './fixtures/bench-app.js';

test('the blocking inline route is flagged, and only it; the report is plain JSON', async () => {
  // Metrics' own listener is already on the guard; the bench must chain onto it, then restore it.
  const named: string[] = [];
  const previous = app.guard.events.blocked;
  const ours = (route: string, ms: number) => {
    named.push(route);
    previous?.(route, ms);
  };
  app.guard.events.blocked = ours;

  const report = await benchApp(app, { concurrency: [2], duration: 1, target: 'test/evidence/fixtures/bench-app.ts' });

  // Default selection: GET routes without parameters; the others, and the built-ins, listed as skipped.
  assert.deepEqual(report.runs.map((run) => run.route), ['GET /async', 'GET /offloaded', 'GET /blocking']);
  assert.deepEqual(report.skipped!.map((s) => s.route), ['GET /items/:id', 'GET /health', 'GET /ready', 'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /docs/oauth2-redirect', 'GET /redoc']);
  const byRoute = Object.fromEntries(report.runs.map((run) => [run.route, run]));
  const summary = JSON.stringify(report.runs.map(({ route, verdict, verdictNote, pattern, loopDelayMaxMs, blockedMs, blockedCount, requests, errors }) => ({ route, verdict, verdictNote, pattern, loopDelayMaxMs, blockedMs, blockedCount, requests, errors })));

  assert.equal(byRoute['GET /blocking']!.verdict, 'blocking', summary);
  assert.equal(byRoute['GET /blocking']!.pattern, 'blocking-inline', summary);
  assert.ok(byRoute['GET /blocking']!.blockedMs! >= 60, summary);
  // BAD needs repeated evidence: the guard named it at every stall, many in a second.
  assert.ok(byRoute['GET /blocking']!.blockedCount! >= 2, summary);
  assert.match(byRoute['GET /blocking']!.verdictNote!, /the loop guard named it \d+ times/, summary);
  assert.ok(byRoute['GET /blocking']!.loopDelayMaxMs! >= 50, summary);

  assert.equal(byRoute['GET /async']!.verdict, 'ok', summary);
  assert.equal(byRoute['GET /async']!.pattern, 'async', summary);
  assert.equal(byRoute['GET /async']!.blockedMs, 0, summary);
  assert.equal(byRoute['GET /offloaded']!.verdict, 'ok', summary);
  assert.equal(byRoute['GET /offloaded']!.pattern, 'offloaded', summary);
  assert.equal(byRoute['GET /offloaded']!.blockedMs, 0, summary);

  for (const run of report.runs) {
    assert.equal(run.concurrency, 2);
    assert.ok(run.requests > 0 && run.errors === 0 && run.timeouts === 0, summary);
    assert.match(run.url, /^http:\/\/127\.0\.0\.1:\d+\//);
  }
  // Async waits overlap, offloaded ones run on two threads: both beat one blocking wait at a time.
  assert.ok(byRoute['GET /async']!.requestsPerSecond > byRoute['GET /blocking']!.requestsPerSecond, summary);
  assert.ok(byRoute['GET /offloaded']!.requestsPerSecond > byRoute['GET /blocking']!.requestsPerSecond * 1.5, summary);

  assert.ok(report.loopDelay.length >= 4, `loop samples: ${report.loopDelay.length}`);
  assert.ok(report.loopDelay.every((p, i) => i === 0 || p.t > report.loopDelay[i - 1]!.t));
  assert.equal(report.target, 'test/evidence/fixtures/bench-app.ts');
  assert.ok(report.machine.cores > 0 && report.machine.node === process.version);

  const copy = JSON.parse(JSON.stringify(report)) as EvidenceReport;
  assert.deepEqual(copy, report);

  // The guard's listeners: ours (and metrics' behind it) heard the stalls, and are back in place.
  assert.ok(named.includes('GET /blocking'));
  assert.equal(app.guard.events.blocked, ours);
  assert.equal(app.server, null, 'the app was closed');
});

test('named routes: a concrete path for a route with parameters, a POST with its body, amount mode', async () => {
  // 10 answers a run: fewer and the verdict is INCONCLUSIVE, too few to judge (verdict.ts).
  // A fresh App: listening again on the one above would start with a stale loop reading (see report).
  const named = new App({ logger: false });
  named.get('/items/:id', ({ params }) => ({ id: params.id }));
  named.post('/echo', ({ body }) => ({ got: body ?? null }));
  const report = await benchApp(named, {
    // A method in lower case is read as the method (FastAPI users type `get /items/7`).
    routes: ['get /items/7', 'POST /echo'],
    concurrency: [1, 2],
    amount: 10,
    bodies: { 'POST /echo': '{"a":1}' },
  });
  assert.deepEqual(
    report.runs.map((run) => [run.route, run.concurrency, run.requests, run.errors, run.verdict]),
    [
      ['GET /items/:id', 1, 10, 0, 'ok'],
      ['POST /echo', 1, 10, 0, 'ok'],
      ['GET /items/:id', 2, 10, 0, 'ok'],
      ['POST /echo', 2, 10, 0, 'ok'],
    ],
  );
  assert.ok(report.runs[0]!.url.endsWith('/items/7'));
  // Refused before the app listens.
  await assert.rejects(benchApp(app, { routes: ['GET /items/:id'], concurrency: [1], amount: 1 }), /give a concrete path/);
  await assert.rejects(benchApp(app, { routes: ['GET /nowhere'], concurrency: [1], amount: 1 }), /no route for GET \/nowhere/);
  assert.equal(app.server, null);
});
