// Offloaded routes resolve their dependencies on the worker thread, run generator cleanups and
// background tasks there, and read the worker's own lifespan state; the dependencies' request
// parts are validated on the main thread, so a bad value gets 422 without waiting for a worker.
// Also here (the same app, already listening, so one worker start for both): Server-Timing's
// `dependencies` phase, inline and offloaded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { app, eventsHere } from './fixtures/offloaded-app.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;

/** The worker's module-level events, polled (bounded) until `done` says they are complete. */
async function workerEvents(done: (events: string[]) => boolean): Promise<{ events: string[]; threadId: number }> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const got = (await app.inject('/events')).json() as { events: string[]; threadId: number };
    if (done(got.events) || Date.now() > deadline) return got;
    await sleep(10);
  }
}

let port = 0;
before(async () => {
  // Starts the pool (its worker imports the fixture module and runs its lifespan) before the tests.
  port = (await withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()')).port;
});

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
});

describe('dependencies of offloaded routes', () => {
  test('resolve on the worker thread, which reads its own lifespan state; inline routes resolve on the main thread', async () => {
    assert.equal(threadId, 0);
    const offloaded = await app.inject('/where');
    assert.equal(offloaded.statusCode, 200, offloaded.body);
    const { dependency, handler } = offloaded.json();
    assert.notEqual(dependency.threadId, 0, 'the dependency ran on a worker');
    assert.equal(dependency.threadId, handler, 'on the same thread as the handler');
    assert.equal(dependency.stateFrom, dependency.threadId, "state is the worker's own lifespan's");

    const inline = await app.inject('/inline/where');
    assert.deepEqual(inline.json(), { dependency: { threadId: 0, stateFrom: 0 }, handler: 0 });
  });

  test("the handler's `state` is its thread's lifespan state, as its dependencies'", async () => {
    const offloaded = (await app.inject('/state')).json();
    assert.notEqual(offloaded.handler, 0, 'the handler ran on a worker');
    assert.equal(offloaded.stateFrom, offloaded.handler, "the worker's own lifespan state");
    assert.deepEqual((await app.inject('/inline/state')).json(), { stateFrom: 0, handler: 0 });
  });

  test('a generator dependency is set up and cleaned up on the worker, not on the main thread', async () => {
    const res = await app.inject('/resource');
    assert.equal(res.statusCode, 200);
    const worker = res.json().resource as number;
    assert.notEqual(worker, 0);
    const got = await workerEvents((events) => events.includes(`close on ${worker}`));
    assert.equal(got.threadId, worker);
    assert.deepEqual(got.events.slice(-2), [`open on ${worker}`, `close on ${worker}`]);
    assert.deepEqual(eventsHere(), [], 'nothing ran on the main thread');
  });

  test("when the worker's handler throws, the cleanup there sees the error; the client gets 500", async () => {
    const res = await app.inject('/fail');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
    const got = await workerEvents((events) => events.some((e) => e.startsWith('saw ')) && events.at(-1)!.startsWith('close on '));
    const tail = got.events.slice(-3);
    assert.deepEqual(tail, [`open on ${got.threadId}`, `saw worker handler failed on ${got.threadId}`, `close on ${got.threadId}`]);
  });

  test("the dependency's request parts arrive validated and coerced on the worker", async () => {
    const res = await app.inject({ url: '/limit?limit=5', headers: { 'x-tenant': 'acme', 'user-agent': 'probe' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.notEqual(body.threadId, 0);
    assert.deepEqual({ ...body, threadId: 'worker' }, { limit: 5, type: 'number', tenant: 'acme', threadId: 'worker', agent: 'probe' });
  });

  test("a bad value for a dependency's part gets 422 on the main thread, without waiting for the (busy) worker", async () => {
    const order: string[] = [];
    const blocker = app.inject('/hold?ms=500').then((res) => {
      order.push('blocker');
      return res;
    });
    await sleep(50); // the only worker is now blocked
    const started = Date.now();
    const invalid = await withTimeout(app.inject({ url: '/limit?limit=0' }), TIMEOUT, 'invalid request');
    const ms = Date.now() - started;
    order.push('422');
    assert.equal(invalid.statusCode, 422);
    assert.deepEqual(
      invalid.json().detail.map((issue: { loc: string[] }) => issue.loc),
      [
        ['query', 'limit'],
        ['header', 'x-tenant'],
      ],
    );
    assert.ok(ms < 300, `422 took ${ms} ms: it waited for the worker`);
    assert.equal((await withTimeout(blocker, TIMEOUT, 'blocker')).statusCode, 200);
    assert.deepEqual(order, ['422', 'blocker']);
  });

  test("a dependency's HTTPException on the worker reaches the client with its status and headers", async () => {
    const refused = await app.inject('/private');
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(refused.json(), { detail: 'Not authenticated' });
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
    const allowed = await app.inject({ url: '/private', headers: { authorization: 'Bearer t' } });
    assert.equal(allowed.statusCode, 200);
    assert.notEqual(allowed.json().threadId, 0);
  });

  test('background tasks of an offloaded route run on the worker', async () => {
    const res = await app.inject('/background');
    assert.equal(res.json(), 'queued');
    const got = await workerEvents((events) => events.some((e) => e.startsWith('task 1 on ')));
    assert.ok(got.events.includes(`task 1 on ${got.threadId}`), JSON.stringify(got));
    assert.notEqual(got.threadId, 0);
    assert.deepEqual(eventsHere(), []);
  });
});

function phases(header: string | string[] | undefined): Map<string, number> {
  assert.ok(typeof header === 'string', `no single Server-Timing header: ${String(header)}`);
  const found = new Map<string, number>();
  for (const entry of header.split(',')) {
    const match = /^\s*([A-Za-z][\w-]*);dur=(\d+(?:\.\d+)?)\s*$/.exec(entry);
    assert.ok(match !== null, `not a Server-Timing entry: ${JSON.stringify(entry)}`);
    found.set(match[1]!, Number(match[2]));
  }
  return found;
}

function assertAddsUp(found: Map<string, number>): void {
  const total = found.get('total')!;
  const sum = [...found].filter(([name]) => name !== 'total').reduce((acc, [, ms]) => acc + ms, 0);
  assert.ok(sum <= total + 0.01, `phases add up to ${sum} ms, more than the total ${total} ms`);
}

describe('Server-Timing', () => {
  test('an inline route with deps reports a dependencies phase that holds their wait', async () => {
    const res = await socketGet(port, '/inline/timed');
    assert.equal(res.body, '"slow"');
    const found = phases(res.headers['server-timing']);
    assert.deepEqual([...found.keys()], ['dependencies', 'handler', 'serialize', 'total']);
    assert.ok(found.get('dependencies')! >= 19, `dependencies ${found.get('dependencies')} ms for a 20 ms dependency`);
    assert.ok(found.get('handler')! < 15, `handler ${found.get('handler')} ms: the dependency's wait belongs to its own phase`);
    assertAddsUp(found);
  });

  test('an offloaded route with deps reports the dependencies phase the worker timed', async () => {
    const res = await socketGet(port, '/timed');
    assert.equal(res.body, '"slow"');
    const found = phases(res.headers['server-timing']);
    assert.deepEqual([...found.keys()], ['queue', 'dependencies', 'handler', 'serialize', 'total']);
    assert.ok(found.get('dependencies')! >= 19, `dependencies ${found.get('dependencies')} ms for a 20 ms dependency`);
    assertAddsUp(found);
  });

  test('a route without dependencies has no dependencies phase', async () => {
    const res = await socketGet(port, '/inline/no-deps');
    assert.equal(res.status, 200);
    assert.deepEqual([...phases(res.headers['server-timing']).keys()], ['handler', 'serialize', 'total']);
  });
});
