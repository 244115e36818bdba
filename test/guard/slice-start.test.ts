// Where a handler's first slice starts (src/pipeline/run-handler.ts): when the handler is called,
// however long its request took to arrive. A slow client's body must never count as the handler's
// time, whatever requests the server serves meanwhile; a route without a body that blocks is named
// once. On Node and on Bun (where asking whether to shed also reads the clock, with the default
// maxLoopDelay used here).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';

const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
let server: LogServer;
// The default maxLoopDelay (1000 ms): on Bun, asking whether to shed reads the clock.
before(async () => {
  server = await startLogServer(guardApp, { GUARD_SAMPLE_INTERVAL: '100' });
});
after(() => server?.stop());

const stallWarnings = (route: string) => server.lines.filter((line) => line.level === 40 && line.route === route && line.blockedMs !== undefined);

test('a route without a body that blocks is named once, with at least the time it blocked', async () => {
  const res = await fetch(`${server.base}/block?ms=150`);
  assert.deepEqual(await res.json(), { done: true });
  const named = await server.waitFor((line) => line.route === 'GET /block' && line.blockedMs !== undefined, 3_000);
  assert.ok(named !== null, JSON.stringify(server.lines.slice(-5)));
  assert.ok(named.blockedMs >= 140 && named.blockedMs < 1_000, `blockedMs ${named.blockedMs}`);
  assert.equal(stallWarnings('GET /block').length, 1);
});

/** POSTs /echo with its body sent `lateBy` ms after its head, calling `meanwhile` in between; returns the raw answer. */
async function lateBody(lateBy: number, meanwhile: () => Promise<void>): Promise<string> {
  const port = Number(new URL(server.base).port);
  const body = '{"name":"Ada"}';
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  const sent = Date.now();
  await meanwhile();
  await sleep(Math.max(0, lateBy - (Date.now() - sent)));
  socket.write(body);
  for (let i = 0; i < 50 && !answer.endsWith(body); i++) await sleep(20);
  socket.destroy();
  assert.match(answer, /^HTTP\/1\.1 200/);
  assert.ok(answer.endsWith(body), answer);
  return answer;
}

test('a body that arrives 300 ms after its head is not the handler’s time: alone, and with other requests served meanwhile', async () => {
  await lateBody(300, async () => {});
  await lateBody(300, async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await fetch(`${server.base}/json`)).status, 200);
      await sleep(40);
    }
  });
  await sleep(300); // a warning would have been logged by now
  assert.deepEqual(stallWarnings('POST /echo'), []);
  assert.deepEqual(stallWarnings('GET /json'), []);
});
