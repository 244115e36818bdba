// Route timeouts: an offloaded handler past its timeout is answered 504 on time and its worker is
// terminated (it really stops: what it would have done next never happens) and replaced; an
// inline async one is answered 504 and left to finish unseen.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, LoopwiseError, Router, task } from '../../src/index.js';
import { app, inlineFinishedCount, slowTask } from './fixtures/timeout-app.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'loopwise-offload-timeout-'));
let markers = 0;

/** A fresh marker path: the blocking code writes `<marker>.started` and `<marker>.finished`. */
function marker(): string {
  return join(dir, `m${++markers}`);
}

function gatewayTimeout(ms: number): string {
  return JSON.stringify({ detail: `Gateway Timeout: the handler did not finish within ${ms} ms` });
}

/** Polls (bounded) until `check` holds or `ms` have passed; returns whether it held. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

async function timed<T>(run: Promise<T>, what: string): Promise<{ value: T; took: number }> {
  const start = performance.now();
  const value = await withTimeout(run, TIMEOUT, what);
  return { value, took: performance.now() - start };
}

/**
 * Has both workers (threads: 2) load the app module, through a route with the default 30 s
 * timeout, so that no timing below includes a thread's start or its first import of the module.
 */
async function warmAll(): Promise<void> {
  const threads = new Set<number>();
  for (let round = 0; round < 20 && threads.size < 2; round++) {
    const answers = await withTimeout(Promise.all([0, 1].map(() => app.inject('/hold?ms=100'))), TIMEOUT, 'warm-up');
    for (const res of answers) {
      assert.equal(res.statusCode, 200, res.body);
      threads.add(res.json().threadId);
    }
  }
  assert.equal(threads.size, 2, 'both workers answered during warm-up');
}

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
  rmSync(dir, { recursive: true, force: true });
});

describe('a fresh pool', () => {
  test('a worker started by minThreads serves a short-timeout route on its first call (its module load does not count)', async () => {
    // The first request starts the pool: both workers (minThreads: 2) start, one loads the app
    // module to answer. The other is ready and idle; its first request is 20 ms of work, well
    // inside the route's 200 ms timeout.
    const first = await withTimeout(app.inject('/where'), TIMEOUT, 'first request');
    assert.equal(first.statusCode, 200);
    await sleep(300);
    const pair = await withTimeout(Promise.all([app.inject('/block?ms=20'), app.inject('/block?ms=20')]), TIMEOUT, 'pair');
    assert.deepEqual(
      pair.map((r) => `${r.statusCode} ${r.body}`).filter((line) => !line.startsWith('200 ')),
      [],
    );
  });
});

describe('an offloaded route (or task) past its timeout', () => {
  test('a blocking handler that finishes in time writes its side effect (the control for the tests below)', async () => {
    await warmAll();
    const path = marker();
    const res = await app.inject(`/block?ms=20&marker=${encodeURIComponent(path)}`);
    assert.equal(res.statusCode, 200);
    assert.ok(existsSync(`${path}.started`));
    assert.ok(existsSync(`${path}.finished`));
  });

  test('is answered 504 in FastAPI shape at ~200 ms (a task rejects with HTTPException 504), and its worker really stops', async () => {
    await warmAll();
    const [routeMarker, taskMarker] = [marker(), marker()];
    const start = performance.now();
    // One on each worker: a route blocking 1000 ms, and a task (timeout 200) blocking as long.
    const route = timed(app.inject(`/block?ms=1000&marker=${encodeURIComponent(routeMarker)}`), 'GET /block');
    const taskOutcome = timed(
      slowTask(1000, taskMarker).then(
        (value) => ({ value, error: undefined }),
        (error: unknown) => ({ value: undefined, error }),
      ),
      'slowTask',
    );

    const { value: res, took } = await route;
    assert.equal(res.statusCode, 504);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.body, gatewayTimeout(200));
    assert.ok(took >= 190, `answered after ${took} ms, before its timeout`);
    assert.ok(took < 900, `answered after ${took} ms: it waited for the handler`);

    const { value: outcome, took: taskTook } = await taskOutcome;
    assert.ok(outcome.error instanceof HTTPException, `the task settled with ${String(outcome.error ?? outcome.value)}`);
    assert.equal(outcome.error.statusCode, 504);
    assert.equal(outcome.error.detail, 'Gateway Timeout: the handler did not finish within 200 ms');
    assert.ok(taskTook >= 190 && taskTook < 900, `the task rejected after ${taskTook} ms`);

    assert.ok(existsSync(`${routeMarker}.started`), 'the handler had started on a worker');
    assert.ok(existsSync(`${taskMarker}.started`), 'the task had started on a worker');
    // Well past the 1000 ms both would have blocked for: a worker left running would have finished by now.
    await sleep(1_500 - (performance.now() - start));
    assert.equal(existsSync(`${routeMarker}.finished`), false, 'the route kept running after its 504');
    assert.equal(existsSync(`${taskMarker}.finished`), false, 'the task kept running after its timeout');
  });
});

describe('an inline async route past its timeout', () => {
  test('is answered 504 on time, and the handler is left to finish', async () => {
    const before = inlineFinishedCount();
    const { value: res, took } = await timed(app.inject('/inline-slow?ms=600'), 'GET /inline-slow');
    assert.equal(res.statusCode, 504);
    assert.equal(res.body, gatewayTimeout(200));
    assert.ok(took >= 190 && took < 550, `answered after ${took} ms`);
    assert.equal(inlineFinishedCount(), before, 'answered before the handler finished');
    assert.ok(await eventually(() => inlineFinishedCount() === before + 1, 2_000), 'the inline handler ran on after its 504');

    const quick = await app.inject('/inline-slow?ms=10');
    assert.equal(quick.statusCode, 200);
    assert.deepEqual(quick.json(), { done: true });
  });

  test("a Router's timeout is the default for its routes; a route's own timeout wins", async () => {
    const { value: slow, took } = await timed(app.inject('/limited/slow'), 'GET /limited/slow');
    assert.equal(slow.statusCode, 504);
    assert.equal(slow.body, gatewayTimeout(150));
    assert.ok(took >= 140 && took < 550, `answered after ${took} ms`);

    const own = await withTimeout(app.inject('/limited/own'), TIMEOUT, 'GET /limited/own');
    assert.equal(own.statusCode, 200);
    assert.deepEqual(own.json(), { done: true });
  });
});

describe('invalid timeouts', () => {
  const invalid = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

  function assertInvalidRoute(register: () => void, what: string): void {
    assert.throws(register, (error: unknown) => {
      assert.ok(error instanceof LoopwiseError, `${what}: ${String(error)}`);
      assert.equal(error.code, 'LW_ERR_INVALID_ROUTE', what);
      assert.match(error.message, /must be a number of milliseconds > 0/, what);
      return true;
    });
  }

  test("are rejected with LW_ERR_INVALID_ROUTE when a route is registered, inline or offloaded", () => {
    for (const timeout of invalid) {
      // Never served: an App here would have its workers import this test file.
      const router = new Router();
      assertInvalidRoute(() => router.get('/x', { timeout }, () => 1), `inline ${timeout}`);
      assertInvalidRoute(() => router.get('/y', { offload: true, timeout }, () => 1), `offloaded ${timeout}`);
      assert.deepEqual(router.routes(), []);
      const app = new App({ logger: false });
      assertInvalidRoute(() => app.post('/z', { timeout }, () => 1), `app route ${timeout}`);
    }
  });

  test("are rejected on a Router and an App too", () => {
    for (const timeout of invalid) {
      assertInvalidRoute(() => new Router({ timeout }), `router ${timeout}`);
      assert.throws(() => new App({ logger: false, timeout }), LoopwiseError, `app ${timeout}`);
    }
  });

  test('are rejected by task() with LW_ERR_INVALID_OPTION', () => {
    for (const timeout of invalid) {
      assert.throws(
        () => task(import.meta.url, function neverRun() {}, { timeout }),
        (error: unknown) => error instanceof LoopwiseError && error.code === 'LW_ERR_INVALID_OPTION',
        `task ${timeout}`,
      );
    }
  });
});

describe('after the timeouts above', () => {
  test('after a timeout, the replacement worker serves the same short-timeout route within its timeout', async () => {
    // Both workers of the 504 test above were terminated and replaced, seconds ago (the tests in
    // between leave the workers alone). Requests of 20 ms each, well inside the route's 200 ms:
    // starting a replacement (importing the app module) must not count against them. Both replacements
    // answer first (on a loaded machine importing the module takes longer than any fixed sleep).
    await warmAll();
    for (let round = 0; round < 3; round++) {
      const pair = await withTimeout(Promise.all([app.inject('/block?ms=20'), app.inject('/block?ms=20')]), TIMEOUT, `round ${round}`);
      assert.deepEqual(
        pair.map((r) => `${r.statusCode} ${r.body}`).filter((line) => !line.startsWith('200 ')),
        [],
        `round ${round}`,
      );
    }
  });

  test('after timeouts the pool serves again (routes with the default timeout), and a task in time resolves', async () => {
    for (let round = 0; round < 2; round++) {
      const again = await withTimeout(Promise.all([app.inject('/hold?ms=20'), app.inject('/hold?ms=20'), app.inject('/where')]), TIMEOUT, 'after');
      assert.deepEqual(
        again.map((res) => res.statusCode),
        [200, 200, 200],
      );
      for (const res of again) assert.notEqual(res.json().threadId, 0);
    }
    await warmAll();
    const done = marker();
    const threadId = await withTimeout(slowTask(5, done), TIMEOUT, 'slowTask in time');
    assert.notEqual(threadId, 0);
    assert.equal(readFileSync(`${done}.finished`, 'utf8'), String(threadId));
  });

  test("a Router's timeout applies to its offloaded routes", async () => {
    await warmAll();
    const path = marker();
    const { value: res, took } = await timed(app.inject(`/limited/offloaded?ms=700&marker=${encodeURIComponent(path)}`), 'GET /limited/offloaded');
    assert.equal(res.statusCode, 504);
    assert.equal(res.body, gatewayTimeout(150));
    assert.ok(took >= 140 && took < 650, `answered after ${took} ms`);
    assert.ok(existsSync(`${path}.started`), 'the handler had started on a worker');
  });
});
