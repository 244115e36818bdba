// Per-request caching (FastAPI's use_cache): a dependency named by the route and by two other
// dependencies runs once per request, all of them get the same value; `cache: false` runs on
// every use. Independent dependencies resolve at the same time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, Router, dependency } from '../../src/index.js';

describe('per-request cache', () => {
  test('a dependency used by the route and by two other dependencies runs once per request, and again on the next', async () => {
    let runs = 0;
    const db = dependency(async () => {
      runs += 1;
      await sleep(5);
      return { id: runs };
    });
    const users = dependency({ deps: { db } }, ({ deps }) => deps.db);
    const orders = dependency({ deps: { db } }, ({ deps }) => deps.db);
    const app = new App({ logger: false });
    app.get('/x', { deps: { db, users, orders } }, ({ deps }) => ({
      same: deps.db === deps.users && deps.users === deps.orders,
      id: deps.db.id,
    }));
    assert.deepEqual((await app.inject('/x')).json(), { same: true, id: 1 });
    assert.equal(runs, 1);
    assert.deepEqual((await app.inject('/x')).json(), { same: true, id: 2 });
    assert.equal(runs, 2, 'a new request resolves it again');
  });

  test("the cache spans the route's deps and the route's, Router's and App's dependencies", async () => {
    let runs = 0;
    const auth = dependency(() => {
      runs += 1;
      return 'user';
    });
    const app = new App({ logger: false, dependencies: [auth] });
    const router = new Router({ dependencies: [auth] });
    router.get('/y', { dependencies: [auth], deps: { who: auth } }, ({ deps }) => deps.who);
    app.include(router);
    assert.equal((await app.inject('/y')).json(), 'user');
    assert.equal(runs, 1);
  });

  test('a generator used by several dependencies is set up once and cleaned up once', async () => {
    const events: string[] = [];
    const db = dependency(function* db() {
      events.push('open');
      yield 'conn';
      events.push('close');
    });
    const a = dependency({ deps: { db } }, ({ deps }) => deps.db);
    const b = dependency({ deps: { db } }, ({ deps }) => deps.db);
    const app = new App({ logger: false });
    app.get('/z', { deps: { a, b, db } }, ({ deps }) => [deps.a, deps.b, deps.db]);
    assert.deepEqual((await app.inject('/z')).json(), ['conn', 'conn', 'conn']);
    await app.close();
    assert.deepEqual(events, ['open', 'close']);
  });

  test('cache: false runs on every use, even within one request', async () => {
    let runs = 0;
    const nonce = dependency({ cache: false }, () => ++runs);
    const first = dependency({ deps: { nonce } }, ({ deps }) => deps.nonce);
    const second = dependency({ deps: { nonce } }, ({ deps }) => deps.nonce);
    const app = new App({ logger: false });
    app.get('/n', { deps: { nonce, first, second } }, ({ deps }) => [deps.nonce, deps.first, deps.second].sort());
    assert.deepEqual((await app.inject('/n')).json(), [1, 2, 3]);
    assert.equal(runs, 3);
    await app.inject('/n');
    assert.equal(runs, 6);
  });

  test('cache: false generators each get their own cleanup', async () => {
    let opened = 0;
    let closed = 0;
    const tmp = dependency({ cache: false }, function* tmp() {
      opened += 1;
      yield opened;
      closed += 1;
    });
    const user = dependency({ deps: { tmp } }, ({ deps }) => deps.tmp);
    const app = new App({ logger: false });
    app.get('/t', { deps: { tmp, user } }, ({ deps }) => deps.tmp !== deps.user);
    assert.equal((await app.inject('/t')).json(), true);
    await app.close();
    assert.deepEqual({ opened, closed }, { opened: 2, closed: 2 });
  });

  test('concurrent requests do not share values', async () => {
    let runs = 0;
    const perRequest = dependency(async ({ request }) => {
      runs += 1;
      await sleep(20);
      return request.headers['x-id'];
    });
    const wrapped = dependency({ deps: { perRequest } }, ({ deps }) => deps.perRequest);
    const app = new App({ logger: false });
    app.get('/id', { deps: { perRequest, wrapped } }, ({ deps }) => [deps.perRequest, deps.wrapped]);
    const responses = await Promise.all(['a', 'b', 'c'].map((id) => app.inject({ url: '/id', headers: { 'x-id': id } })));
    assert.deepEqual(
      responses.map((r) => r.json()),
      [
        ['a', 'a'],
        ['b', 'b'],
        ['c', 'c'],
      ],
    );
    assert.equal(runs, 3);
  });
});

describe('concurrent resolution', () => {
  // Generous margins: a noisy 2-core VM may add tens of ms, never a whole extra 150.
  test('two independent dependencies that each wait ~150 ms resolve together, well under 300 ms', async () => {
    const started: number[] = [];
    const slow = (name: string) =>
      dependency({ name }, async () => {
        started.push(performance.now());
        await sleep(150);
        return name;
      });
    const app = new App({ logger: false });
    app.get('/slow', { deps: { a: slow('a'), b: slow('b') } }, ({ deps }) => [deps.a, deps.b]);
    await app.inject('/slow'); // warm-up: compile, first-request costs
    started.length = 0;
    const begin = performance.now();
    const res = await app.inject('/slow');
    const ms = performance.now() - begin;
    assert.deepEqual(res.json(), ['a', 'b']);
    assert.ok(ms >= 145, `${ms} ms: the waits did happen`);
    assert.ok(ms < 260, `${ms.toFixed(1)} ms for two 150 ms dependencies: they did not overlap`);
    assert.ok(Math.abs(started[0]! - started[1]!) < 50, 'both started at once');
  });

  test("a dependency waits only for its own deps: a and b overlap, c (needing both) follows, d overlaps everything", async () => {
    const wait = (name: string, ms: number, deps: Record<string, ReturnType<typeof dependency>> = {}) =>
      dependency({ name, deps }, async () => {
        await sleep(ms);
        return name;
      });
    const a = wait('a', 120);
    const b = wait('b', 120);
    const c = wait('c', 120, { a, b });
    const d = wait('d', 200);
    const app = new App({ logger: false });
    app.get('/graph', { deps: { c, d }, dependencies: [a] }, ({ deps }) => [deps.c, deps.d]);
    await app.inject('/graph');
    const begin = performance.now();
    const res = await app.inject('/graph');
    const ms = performance.now() - begin;
    assert.deepEqual(res.json(), ['c', 'd']);
    // Sequential would be 560 ms; the critical path is a|b then c: 240 ms.
    assert.ok(ms >= 235, `${ms} ms: c waited for a and b`);
    assert.ok(ms < 360, `${ms.toFixed(1)} ms: more than the 240 ms critical path allows`);
  });
});
