// Generator dependencies: after a success, the code after `yield` runs once the response has been
// sent (over a real socket, the client holds its whole response while the cleanup is still
// waiting); when the handler throws, it runs before the answer, with the error thrown at the
// `yield`, and what it throws instead is the answer (FastAPI's semantics); in reverse order of
// setup, one at a time; a cleanup that throws after the answer is logged and breaks nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, dependency, t } from '../../src/index.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { captureLog, deferred, listenOnFreePort, waitUntil } from './fixtures/helpers.js';

const WAIT = 3_000;

describe('after the response', () => {
  test('the client has its whole response while the cleanup is still waiting; close() waits for it', async () => {
    const events: string[] = [];
    const release = deferred();
    const db = dependency(async function* db() {
      events.push('open');
      yield { rows: [1, 2] };
      events.push('cleanup started');
      await release.promise;
      events.push('cleanup done');
    });
    const app = new App({ logger: false });
    app.get('/rows', { deps: { db } }, ({ deps }) => deps.db.rows);
    const port = await listenOnFreePort(app);
    try {
      const res = await socketGet(port, '/rows');
      assert.equal(res.status, 200);
      assert.equal(res.body, '[1,2]');
      await waitUntil(() => events.includes('cleanup started'), WAIT, 'the cleanup to start');
      assert.deepEqual(events, ['open', 'cleanup started'], 'the response arrived before the cleanup finished');

      let closed = false;
      const closing = app.close().then(() => (closed = true));
      await sleep(50);
      assert.equal(closed, false, 'close() must wait for a cleanup still running');
      release.resolve();
      await withTimeout(closing, WAIT, 'close()');
      assert.deepEqual(events, ['open', 'cleanup started', 'cleanup done']);
    } finally {
      release.resolve();
      await app.close();
    }
  });

  test('when the handler throws, the generator sees that error at its yield before the client gets its answer', async () => {
    const seen: unknown[] = [];
    const events: string[] = [];
    const release = deferred();
    const teapot = new HTTPException(418, "I'm a teapot");
    const transaction = dependency(async function* transaction() {
      try {
        yield 'tx';
        events.push('commit');
      } catch (error) {
        seen.push(error);
        events.push('rollback');
        throw error;
      } finally {
        await release.promise;
        events.push('closed');
      }
    });
    const app = new App({ logger: false });
    app.get('/teapot', { deps: { tx: transaction } }, () => {
      throw teapot;
    });
    app.get('/ok', { deps: { tx: transaction } }, () => 'fine');
    const port = await listenOnFreePort(app);
    try {
      let answered = false;
      const response = socketGet(port, '/teapot').then((res) => {
        answered = true;
        return res;
      });
      await waitUntil(() => events.includes('rollback'), WAIT, 'the rollback');
      await sleep(50);
      assert.equal(answered, false, 'the finally is still waiting: no answer before the cleanup is done');
      assert.equal(seen.length, 1);
      assert.equal(seen[0], teapot, 'the very error the handler threw is thrown at the yield');
      release.resolve();
      const res = await response;
      assert.equal(res.status, 418);
      assert.deepEqual(JSON.parse(res.body), { detail: "I'm a teapot" });
      assert.deepEqual(events, ['rollback', 'closed']);

      events.length = 0;
      assert.equal((await socketGet(port, '/ok')).status, 200);
      await waitUntil(() => events.includes('closed'), WAIT, 'the finally block');
      assert.deepEqual(events, ['commit', 'closed'], 'no error: the code after yield runs normally');
    } finally {
      release.resolve();
      await app.close();
    }
  });

  test('a plain error from the handler reaches the generator too, and the client gets 500', async () => {
    const { logger, lines } = captureLog();
    const seen: string[] = [];
    const session = dependency(function* session() {
      try {
        yield 's';
      } catch (error) {
        seen.push((error as Error).message);
        throw error;
      }
    });
    const app = new App({ logger });
    app.get('/boom', { deps: { session } }, async () => {
      await sleep(1);
      throw new Error('kaboom');
    });
    const res = await app.inject('/boom');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
    await app.close();
    assert.deepEqual(seen, ['kaboom']);
    assert.equal(lines.filter((line) => line.err?.message === 'kaboom').length, 1, 'the handler error is logged once, as a 500');
    assert.ok(!lines.some((line) => String(line.msg).includes('the cleanup of')), 'a generator that handles or rethrows the error is no cleanup failure');
  });

  test("an error from another dependency reaches the generators already set up", async () => {
    const seen: unknown[] = [];
    const db = dependency(async function* db() {
      try {
        yield 'connection';
      } catch (error) {
        seen.push(error);
        throw error;
      }
    });
    const denied = new HTTPException(401, 'Not authenticated');
    const currentUser = dependency({ deps: { db } }, () => {
      throw denied;
    });
    const app = new App({ logger: false });
    app.get('/me', { deps: { user: currentUser } }, () => 'never');
    const res = await app.inject('/me');
    assert.equal(res.statusCode, 401);
    await app.close();
    assert.deepEqual(seen, [denied]);
  });

  test('a generator still setting up when a sibling dependency fails is cleaned up too (its finally runs)', async () => {
    const events: string[] = [];
    const slowPool = dependency(async function* slowPool() {
      events.push('connecting');
      await sleep(40);
      events.push('connected');
      try {
        yield 'connection';
      } finally {
        events.push('released');
      }
    });
    const refuse = dependency(() => {
      throw new HTTPException(401, 'Not authenticated');
    });
    const app = new App({ logger: false });
    app.get('/both', { deps: { pool: slowPool, auth: refuse } }, () => 'never');
    try {
      const res = await app.inject('/both');
      assert.equal(res.statusCode, 401);
      // The generator yields after the 401 has been answered: its cleanup must still run.
      await waitUntil(() => events.includes('connected'), WAIT, 'the slow generator to yield');
      await sleep(50);
      assert.deepEqual(events, ['connecting', 'connected', 'released'], 'a generator that yielded must always get its cleanup');
    } finally {
      await app.close();
    }
  });

  test('when the returned value does not fit the response schema (500), the generator sees that failure, not a success', async () => {
    const seen: string[] = [];
    const transaction = dependency(function* transaction() {
      try {
        yield 'tx';
        seen.push('commit');
      } catch (error) {
        seen.push(`rollback: ${(error as { code?: string }).code}`);
        throw error;
      }
    });
    const app = new App({ logger: false });
    app.get('/bad-value', { deps: { tx: transaction }, response: { 200: t.Object({ id: t.Integer() }) } }, () => ({ id: 'not a number' }) as never);
    const res = await app.inject('/bad-value');
    assert.equal(res.statusCode, 500);
    await app.close();
    assert.deepEqual(seen, ['rollback: LW_ERR_RESPONSE_SERIALIZATION'], 'the client got a 500: the transaction must not commit');
  });

  test('after a 504 on an inline route, the cleanup waits for the handler to settle', async () => {
    const events: string[] = [];
    const resource = dependency(async function* resource() {
      yield 'r';
      events.push('cleanup');
    });
    const app = new App({ logger: false });
    app.get('/slow', { deps: { resource }, timeout: 50 }, async () => {
      await sleep(200);
      events.push('handler done');
      return 'late';
    });
    const port = await listenOnFreePort(app);
    try {
      const started = Date.now();
      const res = await socketGet(port, '/slow');
      assert.equal(res.status, 504);
      assert.ok(Date.now() - started < 180, `504 after ${Date.now() - started} ms`);
      assert.deepEqual(events, [], 'the handler may still use the resource: no cleanup yet');
      await waitUntil(() => events.length === 2, WAIT, 'the handler and then the cleanup');
      assert.deepEqual(events, ['handler done', 'cleanup']);
    } finally {
      await app.close();
    }
  });
});

describe('order', () => {
  test('cleanups run in reverse order of setup, one at a time, across nested and independent generators', async () => {
    const events: string[] = [];
    const generator = (name: string, setupDelay: number, deps: Record<string, ReturnType<typeof dependency>> = {}) =>
      dependency({ name, deps }, async function* () {
        await sleep(setupDelay);
        events.push(`set up ${name}`);
        yield name;
        events.push(`cleanup ${name} start`);
        await sleep(10);
        events.push(`cleanup ${name} end`);
      });
    const config = generator('config', 0);
    const db = generator('db', 0, { config });
    const repo = generator('repo', 0, { db });
    const cache = generator('cache', 60); // independent, sets up last
    const app = new App({ logger: false });
    app.get('/r', { deps: { repo, cache } }, ({ deps }) => [deps.repo, deps.cache]);
    const res = await app.inject('/r');
    assert.deepEqual(res.json(), ['repo', 'cache']);
    await app.close();
    const setups = events.filter((e) => e.startsWith('set up')).map((e) => e.slice('set up '.length));
    assert.deepEqual(setups, ['config', 'db', 'repo', 'cache']);
    const cleanups = events.filter((e) => e.startsWith('cleanup'));
    assert.deepEqual(
      cleanups,
      [...setups].reverse().flatMap((name) => [`cleanup ${name} start`, `cleanup ${name} end`]),
      'reverse order, each finished before the next starts',
    );
  });
});

describe('a cleanup that throws', () => {
  test('is logged with the route and the dependency; the response, the other cleanups and later requests are unaffected', async () => {
    const { logger, lines } = captureLog();
    const events: string[] = [];
    const db = dependency(function* db() {
      yield 'db';
      events.push('db closed');
    });
    const metrics = dependency({ deps: { db } }, async function* flushMetrics() {
      yield 'metrics';
      throw new Error('flush failed');
    });
    const app = new App({ logger });
    app.get('/m', { deps: { metrics } }, ({ deps }) => ({ got: deps.metrics }));
    const port = await listenOnFreePort(app);
    try {
      const first = await socketGet(port, '/m');
      assert.equal(first.status, 200);
      assert.deepEqual(JSON.parse(first.body), { got: 'metrics' });
      await waitUntil(() => events.includes('db closed'), WAIT, "the next cleanup (db's)");
      const failures = lines.filter((line) => line.dependency === 'flushMetrics');
      assert.equal(failures.length, 1, JSON.stringify(lines));
      assert.equal(failures[0]!.level, 50, 'logged at error level');
      assert.equal(failures[0]!.route, 'GET /m');
      assert.equal(failures[0]!.err.message, 'flush failed');
      assert.equal(failures[0]!.msg, 'the cleanup of dependency flushMetrics (GET /m) failed: flush failed');

      const second = await socketGet(port, '/m');
      assert.equal(second.status, 200, 'the app still serves');
      await waitUntil(() => events.length === 2, WAIT, 'the second request’s cleanups');
      assert.equal(lines.filter((line) => line.dependency === 'flushMetrics').length, 2);
    } finally {
      await app.close();
    }
  });
});
