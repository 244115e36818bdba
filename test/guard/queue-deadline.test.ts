// Per-request deadline: an offloaded request that waited longer than maxQueueWait for a worker
// thread is answered 503 and never run: serving it late would only spend the thread on an
// answer the client has likely given up on.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { app } from './fixtures/deadline-app.js';

const dir = mkdtempSync(join(tmpdir(), 'loopwise-deadline-'));
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a call that waited past maxQueueWait gets 503 with Retry-After and does not run; one on time does', async () => {
  assert.equal((await app.inject('/block?ms=1')).statusCode, 200); // the thread is up
  const late = join(dir, 'late');
  const blocking = app.inject('/block?ms=500');
  await sleep(50);
  const res = await app.inject(`/mark?file=${encodeURIComponent(late)}`);
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '1');
  assert.match(res.json().detail, /^Service Unavailable: the request waited \d+ ms for a worker thread \(limit 150 ms\), retry shortly$/);
  assert.equal((await blocking).statusCode, 200);
  await sleep(100);
  assert.equal(existsSync(late), false, 'the late request ran anyway');

  const onTime = join(dir, 'on-time');
  const ok = await app.inject(`/mark?file=${encodeURIComponent(onTime)}`);
  assert.deepEqual([ok.statusCode, ok.json()], [200, { ran: true }]);
  assert.ok(existsSync(onTime));
});
