// benchUrl against a served app (here in this process, for speed; the CLI test loads one in
// another): headers on every request, answers per status, verdicts from the guard's /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchUrl } from '../../src/evidence/bench-url.js';
import { createRealApp } from './fixtures/real-app.js';

test('with the bearer header the protected route is OK, the shedding one INCONCLUSIVE; stall counts and host starvation read from /metrics', async () => {
  const app = createRealApp();
  const { url } = await app.listen({ host: '127.0.0.1', port: 0, handleSignals: false });
  try {
    const report = await benchUrl(url, { routes: ['GET /private', 'GET /shed'], concurrency: [2], amount: 20, headers: { Authorization: 'Bearer secret' } });
    const summary = JSON.stringify(report.runs.map(({ route, statuses, verdict, verdictNote, blockedCount }) => ({ route, statuses, verdict, verdictNote, blockedCount })));
    const [guarded, shed] = report.runs;
    assert.deepEqual(guarded!.statuses, { 200: 20 }, summary);
    assert.equal(guarded!.verdict, 'ok', summary);
    assert.equal(shed!.statuses['503'], 18, summary);
    assert.equal(shed!.verdict, 'inconclusive', summary);
    assert.match(shed!.verdictNote!, /^90% 503 — the server shed load/);
    for (const run of report.runs) {
      assert.equal(typeof run.blockedCount, 'number', summary);
      assert.equal(typeof run.hostStarvedMs, 'number');
      assert.ok(run.endedAtSeconds! >= run.startedAtSeconds!);
    }
    assert.deepEqual(report.skipped, []);
    assert.equal(typeof report.hostStarvedMs, 'number');

    const without = await benchUrl(url, { routes: ['GET /private'], concurrency: [1], amount: 10 });
    assert.equal(without.runs[0]!.verdictNote, "100% 401 — pass --header 'Authorization: Bearer …' (or --auth-token)");
    await assert.rejects(benchUrl(url, { routes: ['GET /private'], concurrency: [1], amount: 1, headers: { 'a b': 'c' } }), /benchUrl headers: the header name "a b"/);
  } finally {
    await app.close();
  }
});
