// The terminal table on made-up reports: per-status answers, verdict notes under their rows,
// the skipped list, the host-busy line, and every line within 120 columns however long a route is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answers, formatTable, hostBusyLine, WIDTH } from '../../src/evidence/table.js';
import type { EvidenceReport, RunResult } from '../../src/evidence/types.js';

function run(route: string, fields: Partial<RunResult> = {}): RunResult {
  return {
    route,
    url: `http://127.0.0.1:1${route.split(' ')[1]}`,
    pattern: 'async',
    concurrency: 10,
    durationSeconds: 1,
    requests: 1000,
    requestsPerSecond: 1000,
    latencyMs: { p50: 1.2, p95: 3.4, p99: 5.6, max: 9 },
    statuses: { 200: 1000 },
    errors: 0,
    timeouts: 0,
    socketErrors: 0,
    loopDelayMaxMs: 12,
    blockedMs: 0,
    blockedCount: 0,
    verdict: 'ok',
    startedAtSeconds: 0,
    endedAtSeconds: 1,
    ...fields,
  };
}

function report(runs: RunResult[], extra: Partial<EvidenceReport> = {}): EvidenceReport {
  return { startedAt: '2025-01-01T00:00:00.000Z', machine: { node: 'v24.0.0', cpu: 'Test CPU', cores: 2, platform: 'linux x64' }, target: 'app.ts', runs, loopDelay: [], ...extra };
}

const fits = (text: string) => {
  for (const line of text.split('\n')) assert.ok(line.length <= WIDTH, `${line.length} columns: ${line}`);
};

test('answers: statuses by count, 503 as shed, timeouts and socket errors, the rest summed to fit', () => {
  assert.equal(answers(run('GET /a', { statuses: { 200: 981, 401: 12, 503: 7 } })), '200×981 401×12 shed×7');
  assert.equal(answers(run('GET /a', { statuses: { 200: 5 }, timeouts: 3, socketErrors: 2 })), '200×5 timeout×3 socket×2');
  assert.equal(answers(run('GET /a', { statuses: { 200: 5, 404: 4, 500: 3, 502: 2 } })), '200×5 404×4 500×3 +2');
  assert.equal(answers(run('GET /a', { statuses: {}, requests: 0 })), 'none');
  const huge = answers(run('GET /a', { statuses: { 200: 123456789, 401: 123456789, 500: 123456789 } }));
  assert.ok(huge.length <= 28, huge);
});

test('verdicts in a word, their notes on an indented line under the row, the legend, the skipped list', () => {
  const text = formatTable(
    report(
      [
        run('GET /public'),
        run('GET /private', { statuses: { 401: 1000 }, errors: 1000, verdict: 'inconclusive', verdictNote: "100% 401 — pass --header 'Authorization: Bearer …' (or --auth-token)" }),
        run('GET /shed', { statuses: { 200: 100, 503: 900 }, verdict: 'inconclusive', verdictNote: '90% 503 — the server shed load: lower --concurrency or raise its limits' }),
        run('GET /slow', { requests: 2, requestsPerSecond: 0.5, statuses: { 200: 2 }, verdict: 'inconclusive', verdictNote: 'only 2 answers' }),
      ],
      { skipped: [{ route: 'GET /health', reason: 'built-in (health check)' }, { route: 'GET /events', reason: "server-sent events (a stream that stays open): load it anyway with --route 'GET /events'" }] },
    ),
  );
  fits(text);
  const lines = text.split('\n');
  const at = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));
  assert.match(lines[at('GET /public')]!, /200×1000 .* OK$/);
  assert.match(lines[at('GET /private')]!, /401×1000 .* INCONCLUSIVE$/);
  assert.equal(lines[at('GET /private') + 1], "    100% 401 — pass --header 'Authorization: Bearer …' (or --auth-token)");
  assert.match(lines[at('GET /shed')]!, /shed×900 200×100 .* INCONCLUSIVE$/);
  assert.match(lines[at('GET /slow')]!, / 0\.50 /, '0.5 req/s is not 0');
  assert.match(text, /answers: status×count; shed = 503 \(the server shed load\)/);
  assert.match(text, /Not loaded \(name a route with --route to load it\):\n {2}GET \/health +built-in \(health check\)\n {2}GET \/events +server-sent events/);
  assert.doesNotMatch(text, /host busy/);
});

test('a long route name goes on its own line; long notes and reasons wrap; all within 120 columns', () => {
  const long = `GET /api/v1/organizations/:organizationId/projects/:projectId/members/:memberId/permissions`;
  const text = formatTable(
    report(
      [
        run(long, {
          pattern: 'blocking-inline',
          statuses: { 200: 123456, 401: 23456, 500: 3456, 503: 456 },
          timeouts: 12345,
          socketErrors: 1234,
          latencyMs: { p50: 10000, p95: 10000, p99: 10000, max: 10000 },
          requestsPerSecond: 123456,
          loopDelayMaxMs: 12345,
          blockedMs: 123456,
          verdict: 'blocking',
          verdictNote: `the loop guard named it 1234 times (123456 ms in all): offload it or make it async ${'and more words '.repeat(10)}`,
        }),
        run('GET /short'),
      ],
      { skipped: [{ route: long, reason: `has path parameters: give a concrete path with --route 'GET /api/v1/organizations/1/projects/1/members/1/permissions'` }] },
    ),
  );
  fits(text);
  const lines = text.split('\n');
  const own = lines.indexOf(long);
  assert.ok(own > 0, text);
  assert.match(lines[own + 1]!, /^ +blocking-inline .* BAD$/);
  assert.match(lines[own + 2]!, /^ {4}the loop guard named it 1234 times/);
  assert.ok(lines.some((line) => line.startsWith('GET /short') && line.endsWith('OK')));
});

test('host busy: printed past 250 ms (or 2% of a short bench, never under 50 ms), not below, not when unknown', () => {
  const runs = [run('GET /a', { endedAtSeconds: 60 })];
  assert.equal(hostBusyLine(report(runs, { hostStarvedMs: 249 })), null);
  assert.match(hostBusyLine(report(runs, { hostStarvedMs: 250 }))!, /^host busy: the machine starved the server for 250 ms during the bench \(other processes had its CPU\); verdicts are less certain — run on a quieter machine$/);
  const short = [run('GET /a', { endedAtSeconds: 3 })];
  assert.notEqual(hostBusyLine(report(short, { hostStarvedMs: 60 })), null, '2% of 3 s is 60 ms');
  assert.equal(hostBusyLine(report(short, { hostStarvedMs: 49 })), null);
  assert.equal(hostBusyLine(report(runs, { hostStarvedMs: null })), null);
  assert.equal(hostBusyLine(report(runs)), null);
  const text = formatTable(report(runs, { hostStarvedMs: 900 }));
  fits(text);
  assert.match(text.split('\n')[1]!, /^host busy: the machine starved the server for 900 ms/);
});
