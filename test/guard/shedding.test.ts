// Load shedding: under a real stall, requests that arrive meanwhile are answered 503 with
// Retry-After instead of being served late; /health still answers, /ready says not ready; the
// server serves again once the loop recovers. The server runs in its own process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';

const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
let server: LogServer;

before(async () => {
  server = await startLogServer(guardApp, { GUARD_MAX_LOOP_DELAY: '100', GUARD_SAMPLE_INTERVAL: '100' });
});
after(() => server?.stop());

async function get(path: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const res = await fetch(server.base + path);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

test('requests that arrive during a stall get 503 + Retry-After, health answers, and serving resumes after it', async () => {
  assert.equal((await get('/json')).status, 200);
  const stall = get('/block?ms=600');
  await sleep(150); // the stall is under way: these wait in the socket until it ends
  const during = await Promise.all([get('/json'), get('/json'), get('/json'), get('/health'), get('/ready')]);
  assert.equal((await stall).status, 200, 'the request that blocked is still answered');

  for (const res of during.slice(0, 3)) {
    assert.equal(res.status, 503);
    assert.equal(res.retryAfter, '1');
    assert.match(res.body.detail, /^Service Unavailable: the server is overloaded \(event-loop delay \d+ ms\), retry shortly$/);
  }
  assert.deepEqual([during[3]!.status, during[3]!.body], [200, { status: 'ok' }]);
  assert.equal(during[4]!.status, 503);
  assert.match(during[4]!.body.detail, /not ready \(shedding load\)/);

  // Recovery: within a few sample windows the loop is healthy again and requests are served.
  let recovered = false;
  for (let i = 0; i < 50 && !recovered; i++) {
    await sleep(50);
    recovered = (await get('/json')).status === 200;
  }
  assert.ok(recovered, 'the server kept shedding after the stall');
  assert.deepEqual(await get('/ready'), { status: 200, retryAfter: null, body: { status: 'ready' } });
  assert.ok(server.lines.some((line) => /answering new requests 503/.test(line.msg)), 'shedding was not logged');
  assert.ok(await server.waitFor((line) => /recovered: serving again/.test(line.msg), 2_000), 'recovery was not logged');
});

test('no shedding under ordinary async load', async () => {
  const answers = await Promise.all(Array.from({ length: 50 }, () => get('/async?ms=50')));
  assert.deepEqual([...new Set(answers.map((res) => res.status))], [200]);
});
