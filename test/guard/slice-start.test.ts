// Where a handler's first slice starts (src/pipeline/run-handler.ts): on Bun, a route without a body
// starts it at the clock reading the dispatcher's shedding check took (guard.sliceStart), and any
// other slice reads the clock itself. A slow client's body must never count as the handler's time,
// whatever requests the server serves meanwhile; a route without a body that blocks is named once.
// Runs on Node too, where every slice reads the clock: the answers and warnings must be the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { startLogServer, type LogServer } from '../support/log-server.js';
import { LoopGuard, guardSettings } from '../../src/guard/loop-guard.js';
import { onBun } from '../support/runtime.js';

const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
let server: LogServer;
// The default maxLoopDelay (1000 ms): on Bun, asking whether to shed reads the clock, which the slice then shares.
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

test('on Bun, only the dispatcher’s shedCheck() leaves a clock reading for a slice: another reader of `shedding` (a WebSocket upgrade, /ready) leaves none', { skip: onBun ? false : 'Bun’s guard only (on Node, asking `shedding` reads no clock)' }, async () => {
  const guard = new LoopGuard(guardSettings({ blockThreshold: 50, maxLoopDelay: 1000 }), pino({ level: 'silent' }));
  guard.start();
  try {
    assert.equal(guard.sharesSliceStart, true);
    assert.equal(guard.sliceStart, -1);
    assert.equal(guard.shedding, false);
    assert.equal(guard.sliceStart, -1, 'reading `shedding` leaves nothing');
    const before = performance.now();
    assert.equal(guard.shedCheck(), false);
    assert.ok(guard.sliceStart >= before && guard.sliceStart <= performance.now(), `sliceStart ${guard.sliceStart}`);
  } finally {
    await guard.stop();
  }
});
