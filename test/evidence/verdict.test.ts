// judgeRun's rules, one case each: never OK for a run that measured failures or almost nothing,
// BAD only when the guard named the route more than once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRun, MIN_ANSWERS } from '../../src/evidence/verdict.js';

const answered = (statuses: Record<string, number>, extra: { timeouts?: number; socketErrors?: number } = {}) => ({
  statuses,
  requests: Object.values(statuses).reduce((a, b) => a + b, 0),
  timeouts: extra.timeouts ?? 0,
  socketErrors: extra.socketErrors ?? 0,
});

test('mostly 2xx/3xx, enough answers, never named: OK', () => {
  assert.deepEqual(judgeRun(answered({ 200: 900, 302: 50, 404: 40 }), 0, 0), { verdict: 'ok' });
  // Half failing is not "mostly".
  assert.equal(judgeRun(answered({ 200: 50, 500: 50 }), 0, 0).verdict, 'ok');
});

test('mostly one error status: INCONCLUSIVE, with the share and what to do', () => {
  const auth = judgeRun(answered({ 200: 3, 401: 97 }), 0, 0);
  assert.equal(auth.verdict, 'inconclusive');
  assert.equal(auth.verdictNote, "97% 401 — pass --header 'Authorization: Bearer …' (or --auth-token)");
  assert.match(judgeRun(answered({ 403: 20 }), 0, 0).verdictNote!, /^100% 403 — .*--auth-token/);
  assert.match(judgeRun(answered({ 200: 10, 503: 90 }), 0, 0).verdictNote!, /^90% 503 — the server shed load: lower --concurrency/);
  assert.match(judgeRun(answered({ 500: 60, 200: 40 }), 0, 0).verdictNote!, /^60% 500 — the route fails: see the server's log/);
  assert.match(judgeRun(answered({ 404: 30 }), 0, 0).verdictNote!, /no such path/);
  // Failures of several kinds add up; the largest is named.
  assert.match(judgeRun(answered({ 200: 40, 401: 35, 500: 25 }), 0, 0).verdictNote!, /^35% 401/);
});

test('timeouts, socket errors, no answers, too few answers: INCONCLUSIVE', () => {
  assert.match(judgeRun(answered({}), 0, 0).verdictNote!, /^no answers/);
  assert.match(judgeRun(answered({}, { timeouts: 4 }), 0, 0).verdictNote!, /^no answers: no answer within the timeout/);
  assert.match(judgeRun(answered({}, { socketErrors: 400 }), 0, 0).verdictNote!, /^no answers: the connections failed/);
  assert.match(judgeRun(answered({ 200: 20 }, { timeouts: 30 }), 0, 0).verdictNote!, /^60% timed out/);
  assert.match(judgeRun(answered({ 200: 20 }, { socketErrors: 80 }), 0, 0).verdictNote!, /^80% socket errors/);
  const few = judgeRun(answered({ 200: MIN_ANSWERS - 1 }), 0, 0);
  assert.equal(few.verdict, 'inconclusive');
  assert.match(few.verdictNote!, /^only 9 answers, too few to judge: run longer \(--duration\) or give --amount 10/);
  assert.equal(judgeRun(answered({ 200: MIN_ANSWERS }), 0, 0).verdict, 'ok');
});

test('blocking: BAD at two stalls or more, INCONCLUSIVE at one, whatever the answers at two', () => {
  const bad = judgeRun(answered({ 200: 40 }), 2, 130.4);
  assert.equal(bad.verdict, 'blocking');
  assert.match(bad.verdictNote!, /named it 2 times \(130 ms in all\): offload it or make it async/);
  assert.equal(judgeRun(answered({ 401: 40 }), 5, 400).verdict, 'blocking');
  const once = judgeRun(answered({ 200: 40 }), 1, 72);
  assert.equal(once.verdict, 'inconclusive');
  assert.equal(once.verdictNote, 'blocked the loop once (72 ms): run longer to confirm (--duration)');
  // Unknown stall counts (a server too old to report them) judge the answers alone.
  assert.equal(judgeRun(answered({ 200: 40 }), null, null).verdict, 'ok');
});

test('422 points at the path parameters first: a concrete path that does not validate is the usual cause', () => {
  assert.equal(judgeRun(answered({ 422: 40 }), 0, 0).verdictNote, '100% 422 — the request is refused (422): check the path parameters in --route, the body (--body) and headers (--header) it needs');
});
