// The offload queue is bounded: past maxQueue waiting calls, requests are answered 503 with
// Retry-After at once, and the accepted ones still complete.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, LoopwiseError, type InjectResponse } from '../../src/index.js';
import { defaults, noQueue, small } from './fixtures/queue-app.js';
import { built, invalidPools } from './fixtures/invalid-pool-apps.js';
import { socketGet, type SocketResponse } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const BUSY = { detail: 'Service Unavailable: the server is at capacity, retry shortly' };
const dir = mkdtempSync(join(tmpdir(), 'loopwise-offload-queue-'));
let markers = 0;

after(async () => {
  await Promise.all([small.close(), defaults.close(), noQueue.close()].map((closing) => withTimeout(closing, TIMEOUT, 'close()')));
  rmSync(dir, { recursive: true, force: true });
});

/** Polls (bounded) until the blocking handler has started on the worker. */
async function started(marker: string): Promise<void> {
  for (let i = 0; i < 250 && !existsSync(`${marker}.started`); i++) await sleep(20);
  assert.ok(existsSync(`${marker}.started`), 'the blocking request is running on the worker');
}

function blockUrl(ms: number): { url: string; marker: string } {
  const marker = join(dir, `m${++markers}`);
  return { url: `/block?ms=${ms}&marker=${encodeURIComponent(marker)}`, marker };
}

test('threads: 1, maxQueue: 2 — one running and two queued are served; the rest get 503 with Retry-After: 1 at once', async () => {
  const { port } = await withTimeout(small.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()');
  const get = (path: string): Promise<SocketResponse> => socketGet(port, path, false, TIMEOUT);
  const settled: string[] = [];
  const track = (name: string, request: Promise<SocketResponse>): Promise<SocketResponse> =>
    request.then((res) => {
      settled.push(name);
      return res;
    });

  const block = blockUrl(800);
  const running = track('running', get(block.url));
  await started(block.marker);
  const queued = [track('queued', get('/quick')), track('queued', get('/quick'))];
  await sleep(100); // the two are in the queue before the next ones arrive
  const extra = [0, 1, 2].map(() => track('extra', get('/quick')));

  for (const res of await Promise.all(extra)) {
    assert.equal(res.status, 503, res.body);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(res.body), BUSY);
  }
  const accepted = await Promise.all([running, ...queued]);
  for (const res of accepted) {
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).app, 'small');
  }
  // The 503s did not wait for the worker: they were answered while the blocking request ran.
  assert.deepEqual(settled.slice(0, 3), ['extra', 'extra', 'extra'], settled.join(', '));

  // Inline routes never queue, and once the queue drains offloaded ones are accepted again.
  assert.equal((await get('/inline')).status, 200);
  const after = await Promise.all([get('/quick'), get('/quick')]);
  assert.deepEqual(
    after.map((res) => res.status),
    [200, 200],
  );
});

test('the default maxQueue is 1024: with the only thread busy, 1024 waiting requests are served and the next gets 503', async () => {
  const warm = await withTimeout(defaults.inject('/quick'), TIMEOUT, 'warm-up');
  assert.equal(warm.json().app, 'defaults', 'the worker found the second App of its module');

  const block = blockUrl(800);
  const running = defaults.inject(block.url);
  await started(block.marker);
  const burst: Promise<InjectResponse>[] = [];
  for (let i = 0; i < 1025; i++) burst.push(defaults.inject('/quick'));
  const answers = await withTimeout(Promise.all(burst), TIMEOUT, '1025 requests');
  const statuses = new Map<number, number>();
  for (const res of answers) statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(statuses), { 200: 1024, 503: 1 });
  const rejected = answers.find((res) => res.statusCode === 503)!;
  assert.equal(rejected.headers['retry-after'], '1');
  assert.deepEqual(rejected.json(), BUSY);
  assert.equal((await running).statusCode, 200);
});

test('maxQueue: 0 — no waiting at all: a request while the only thread is busy gets 503 with Retry-After, and never runs', async () => {
  const warm = await withTimeout(noQueue.inject('/quick'), TIMEOUT, 'warm-up');
  assert.equal(warm.statusCode, 200);
  assert.equal(warm.json().app, 'noQueue', 'the worker found the third App of its module');
  const block = blockUrl(400);
  const running = noQueue.inject(block.url);
  await started(block.marker);
  const refused = blockUrl(0);
  const res = await withTimeout(noQueue.inject(refused.url), TIMEOUT, 'GET /block while busy');
  assert.equal((await running).statusCode, 200);
  await sleep(200); // the worker is free again: a refused call that was kept anyway would run now
  assert.equal(existsSync(`${refused.marker}.started`), false, 'the refused request ran on the worker after all');
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.headers['retry-after'], '1');
  assert.deepEqual(res.json(), BUSY);
});

test('invalid pool options are refused with LW_ERR_INVALID_OPTION when the App is constructed', () => {
  for (const pool of invalidPools) {
    // No offloaded route: this App never starts a pool (its workers would import this test file).
    assert.throws(
      () => new App({ logger: false, pool }),
      (error: unknown) => error instanceof LoopwiseError && error.code === 'LW_ERR_INVALID_OPTION' && /offload\.|pool/.test(error.message),
      JSON.stringify(pool, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value)),
    );
  }
});

test('an App with offloaded routes and an invalid pool option never serves: LW_ERR_INVALID_OPTION by ready() at the latest', () => {
  for (const { pool, app, error } of built) {
    const what = JSON.stringify(pool, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
    const refusal = error ?? (() => {
      try {
        app!.ready();
        return undefined;
      } catch (failure) {
        return failure;
      }
    })();
    assert.ok(refusal instanceof LoopwiseError, `${what}: ${String(refusal)}`);
    assert.equal(refusal.code, 'LW_ERR_INVALID_OPTION', what);
  }
});
