// A request that arrives while a handler holds the event loop sits unread until the loop runs
// again: its access-log line, its Server-Timing header and the duration histogram must count that
// wait, or the log says 0.8 ms for a request the client waited 300 ms for. The server runs in its
// own process (a stall there must not stop this test's client).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';

const guardApp = fileURLToPath(new URL('../guard/fixtures/guard-app.ts', import.meta.url));
const BLOCK = 300;

let server: LogServer;
before(async () => {
  server = await startLogServer(guardApp, { ACCESS_LOG: '1', SERVER_TIMING: '1' });
});
after(() => server?.stop());

function get(path: string, agent: Agent): Promise<{ status: number; timing: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, timing: String(res.headers['server-timing']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function phase(timing: string, name: string): number {
  const match = new RegExp(`(?:^|, )${name};dur=([\\d.]+)`).exec(timing);
  assert.ok(match !== null, `no ${name} in ${timing}`);
  return Number(match[1]);
}

test('requests that waited behind a 300 ms block log ≥ 250 ms, on a kept-alive connection and on a new one', async () => {
  const kept = new Agent({ keepAlive: true, maxSockets: 1 });
  const fresh = new Agent({ keepAlive: false });
  try {
    // The kept-alive connection is open and idle before the block.
    assert.equal((await get('/json?first', kept)).status, 200);
    const blocking = get(`/block?ms=${BLOCK}`, fresh);
    await sleep(20); // the block is under way: the server read /block and is holding its loop
    const [onKept, onNew] = await Promise.all([get('/json?kept', kept), get('/json?new', fresh)]);
    assert.equal((await blocking).status, 200);
    assert.equal(onKept.status, 200);
    assert.equal(onNew.status, 200);

    // The access log leaves the query string out: the three /json lines are told apart by their wait.
    const jsonLines = () => server.lines.filter((l) => l.path === '/json' && l.durationMs !== undefined);
    await server.waitFor(() => jsonLines().length === 3, 2_000);
    assert.equal(jsonLines().length, 3, JSON.stringify(jsonLines()));
    const waited = jsonLines().filter((l) => l.waitedMs !== undefined);
    assert.equal(waited.length, 2, JSON.stringify(jsonLines()));
    for (const entry of waited) {
      assert.ok(entry.durationMs >= 250, `durationMs ${entry.durationMs}: ${JSON.stringify(entry)}`);
      assert.ok(entry.waitedMs >= 250 && entry.waitedMs <= entry.durationMs, JSON.stringify(entry));
      assert.match(entry.msg, /^GET \/json 200 \d+\.\d\dms \(waited up to \d+\.\d\dms for a stalled event loop\)$/);
    }
    // The request before the block waited for nothing.
    const first = server.lines.find((l) => l.path === '/json');
    assert.equal(first?.waitedMs, undefined, JSON.stringify(first));

    for (const { timing } of [onKept, onNew]) {
      assert.ok(phase(timing, 'wait') >= 250, timing);
      assert.ok(phase(timing, 'total') >= phase(timing, 'wait'), timing);
    }

    // The histogram counts the wait too: two /json requests took ≥ 250 ms.
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    const under = (le: string) => Number(new RegExp(`^loopwise_http_request_duration_seconds_bucket\\{route="GET /json",method="GET",le="${le}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    const all = under('\\+Inf');
    assert.equal(all, 3, metrics.split('\n').filter((l) => l.includes('GET /json')).join('\n'));
    assert.equal(all - under('0.25'), 2, metrics.split('\n').filter((l) => l.includes('GET /json')).join('\n'));
  } finally {
    kept.destroy();
    fresh.destroy();
  }
});
