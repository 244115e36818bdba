// The lifespan (FastAPI's): setup up to its `yield`, what it yields merged into app.state (which
// dependencies read as `state`), startup hooks, requests, then on close the shutdown hooks and the
// code after the yield. It runs once per start, for listen() and for inject(); a failure makes
// listen() reject with LW_ERR_STARTUP naming the step, with nothing listening and the lifespan's
// `finally` run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, LoopwiseError, dependency } from '../../src/index.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { captureLog } from '../deps/fixtures/helpers.js';

const WAIT = 5_000;

/** A port nothing listens on right now (the OS picked it, we closed it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the connect error's code, or 'connected' if something answered. */
function tryConnect(port: number): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    }),
    WAIT,
    `connect to ${port}`,
  );
}

describe('state', () => {
  test('what the lifespan yields goes in app.state, which dependencies read as state', async () => {
    const db = { query: (sql: string) => `rows for ${sql}` };
    const app = new App({
      logger: false,
      lifespan: async function* () {
        yield { db };
      },
    });
    const users = dependency(({ state }) => (state as { db: typeof db }).db.query('select users'));
    app.get('/users', { deps: { users } }, ({ deps }) => deps.users);
    assert.deepEqual(app.state, {}, 'nothing before startup');
    const res = await app.inject('/users');
    assert.equal(res.json(), 'rows for select users');
    assert.equal((app.state as { db?: unknown }).db, db);
    await app.close();
  });

  test('startup hooks see and extend the state the lifespan set; a sync generator works as a lifespan', async () => {
    const app = new App({
      logger: false,
      *lifespan() {
        yield { base: 1 };
      },
    });
    app.onStartup((started) => {
      const state = started.state as { base: number; derived?: number };
      state.derived = state.base + 1;
    });
    app.get('/state', { deps: { s: dependency(({ state }) => state) } }, ({ deps }) => deps.s);
    assert.deepEqual((await app.inject('/state')).json(), { base: 1, derived: 2 });
    await app.close();
  });

  test('handlers read the same state as `state` (FastAPI: request.state from the lifespan, app.state)', async () => {
    const app = new App({
      logger: false,
      lifespan: async function* () {
        yield { greeting: 'hello' };
      },
    });
    app.onStartup((started) => void ((started.state as { count?: number }).count = 0));
    const seen = dependency(({ state }) => state);
    app.get('/hello', { deps: { seen } }, ({ state, deps }) => {
      const shared = state as { greeting: string; count: number };
      shared.count++;
      return { greeting: shared.greeting, count: shared.count, same: state === app.state && deps.seen === state };
    });
    // Found through the prototype: no field on each request's context, so a request that does not read it pays nothing.
    app.get('/own', (context) => Object.hasOwn(context, 'state'));
    assert.deepEqual((await app.inject('/hello')).json(), { greeting: 'hello', count: 1, same: true });
    assert.deepEqual((await app.inject('/hello')).json(), { greeting: 'hello', count: 2, same: true }, 'one object for every request, not a copy');
    assert.equal((await app.inject('/own')).json(), false);
    await app.close();
  });
});

describe('order', () => {
  test('lifespan setup, startup hooks, requests (and their background tasks), shutdown hooks, lifespan teardown', async () => {
    const order: string[] = [];
    const app = new App({
      logger: false,
      lifespan: async function* () {
        order.push('lifespan setup');
        try {
          yield;
        } finally {
          order.push('lifespan teardown');
        }
      },
    });
    app.onStartup(async function first() {
      await sleep(5);
      order.push('startup 1');
    });
    app.onStartup(() => void order.push('startup 2'));
    app.onShutdown(async () => {
      await sleep(5);
      order.push('shutdown 1');
    });
    app.onShutdown(() => void order.push('shutdown 2'));
    // The background tasks wait until both requests were answered (a timer raced the second request
    // on a loaded CI host): the order checked is the phases', not the scheduler's.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/work', ({ background }) => {
      order.push('request');
      background.add(async () => {
        await released;
        await sleep(5);
        order.push('background task');
      });
      return 'ok';
    });
    const { port } = await app.listen({ port: 0, handleSignals: false });
    assert.deepEqual(order, ['lifespan setup', 'startup 1', 'startup 2'], 'set up before listen() resolves');
    assert.equal((await socketGet(port, '/work')).status, 200);
    assert.equal((await socketGet(port, '/work')).status, 200);
    release();
    await withTimeout(app.close(), WAIT, 'close()');
    assert.deepEqual(order, [
      'lifespan setup',
      'startup 1',
      'startup 2',
      'request',
      'request',
      'background task',
      'background task',
      'shutdown 1',
      'shutdown 2',
      'lifespan teardown',
    ]);
  });

  test('a shutdown hook that throws is logged; the other hooks and the teardown still run', async () => {
    const { logger, lines } = captureLog();
    const order: string[] = [];
    const app = new App({
      logger,
      lifespan: async function* () {
        yield;
        order.push('teardown');
      },
    });
    app.onShutdown(function flush() {
      throw new Error('flush failed');
    });
    app.onShutdown(() => void order.push('second hook'));
    await app.inject('/missing');
    await withTimeout(app.close(), WAIT, 'close()');
    assert.deepEqual(order, ['second hook', 'teardown']);
    const logged = lines.find((line) => line.err?.message === 'flush failed');
    assert.ok(logged !== undefined, JSON.stringify(lines));
    assert.equal(logged.msg, 'shutdown hook flush failed: flush failed');
  });
});

describe('runs once per start', () => {
  test('for listen(): once, however many requests', async () => {
    let setups = 0;
    let teardowns = 0;
    const app = new App({
      logger: false,
      lifespan: async function* () {
        setups += 1;
        yield;
        teardowns += 1;
      },
    });
    app.get('/', () => 'hi');
    const { port } = await app.listen({ port: 0, handleSignals: false });
    await Promise.all([socketGet(port, '/'), socketGet(port, '/'), socketGet(port, '/')]);
    assert.equal(setups, 1);
    await app.close();
    assert.deepEqual({ setups, teardowns }, { setups: 1, teardowns: 1 });
    await app.close();
    assert.equal(teardowns, 1, 'a second close() does not tear down again');
  });

  test('for inject(): once, even for concurrent first requests; a later listen() reuses it; after close() it runs again', async () => {
    let setups = 0;
    let teardowns = 0;
    const app = new App({
      logger: false,
      lifespan: async function* () {
        setups += 1;
        await sleep(30);
        yield;
        teardowns += 1;
      },
    });
    app.get('/', () => 'hi');
    const responses = await Promise.all([app.inject('/'), app.inject('/'), app.inject('/')]);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 200, 200],
    );
    assert.equal(setups, 1);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    assert.equal((await socketGet(port, '/')).status, 200);
    assert.equal(setups, 1, 'already started by inject()');
    await app.close();
    assert.deepEqual({ setups, teardowns }, { setups: 1, teardowns: 1 });

    await app.inject('/'); // a new start after close()
    assert.equal(setups, 2);
    await app.close();
    assert.equal(teardowns, 2);
  });

  test('no request is served before startup finished', async () => {
    const order: string[] = [];
    const app = new App({
      logger: false,
      lifespan: async function* () {
        await sleep(40);
        order.push('started');
        yield;
      },
    });
    app.get('/', () => void order.push('request'));
    await app.inject('/');
    assert.deepEqual(order, ['started', 'request']);
    await app.close();
  });
});

describe('startup failure', () => {
  test('a lifespan that throws before its yield: listen() rejects with LW_ERR_STARTUP naming it; nothing listens', async () => {
    const port = await freePort();
    const cause = new Error('no database');
    const app = new App({
      logger: false,
      lifespan: async function* () {
        throw cause;
      },
    });
    app.get('/', () => 'never');
    const error = await app.listen({ port, handleSignals: false }).then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e as LoopwiseError,
    );
    assert.ok(error instanceof LoopwiseError);
    assert.equal(error.code, 'LW_ERR_STARTUP');
    assert.equal(error.message, 'LW_ERR_STARTUP: startup failed in the lifespan: no database. The app did not start.');
    assert.equal(error.cause, cause);
    assert.equal(app.server, null);
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    await assert.rejects(app.inject('/'), (e: LoopwiseError) => e.code === 'LW_ERR_STARTUP');
    await app.close();
  });

  test('a startup hook that throws after the lifespan yielded: its name is in the error, the lifespan’s finally runs, shutdown hooks do not', async () => {
    const port = await freePort();
    const order: string[] = [];
    const app = new App({
      logger: false,
      lifespan: async function* () {
        order.push('pool opened');
        try {
          yield { pool: 'p' };
        } finally {
          order.push('pool closed');
        }
      },
    });
    app.onStartup(function loadCache() {
      throw new Error('cache unreachable');
    });
    app.onShutdown(() => void order.push('shutdown hook'));
    await assert.rejects(
      app.listen({ port, handleSignals: false }),
      (error: LoopwiseError) =>
        error.code === 'LW_ERR_STARTUP' && error.message === 'LW_ERR_STARTUP: startup failed in startup hook loadCache: cache unreachable. The app did not start.',
    );
    assert.deepEqual(order, ['pool opened', 'pool closed']);
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    await app.close();
    assert.deepEqual(order, ['pool opened', 'pool closed'], 'nothing started, so nothing shuts down');
  });

  test('a lifespan that returns without yielding fails startup; a later listen() may try again', async () => {
    let attempts = 0;
    const app = new App({
      logger: false,
      lifespan: async function* () {
        attempts += 1;
        if (attempts === 1) return;
        yield;
      },
    });
    app.get('/', () => 'up');
    await assert.rejects(
      app.listen({ port: 0, handleSignals: false }),
      (error: LoopwiseError) =>
        error.code === 'LW_ERR_STARTUP' &&
        error.message === 'LW_ERR_STARTUP: startup failed in the lifespan: the lifespan returned without yielding: yield once, between setup and teardown. The app did not start.',
    );
    const { port } = await app.listen({ port: 0, handleSignals: false });
    assert.equal((await socketGet(port, '/')).body, '"up"');
    await app.close();
    assert.equal(attempts, 2);
  });

  test('a lifespan that is not a function is refused when the App is made; hooks must be functions', () => {
    assert.throws(
      () => new App({ logger: false, lifespan: {} as never }),
      (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_OPTION',
    );
    const app = new App({ logger: false });
    assert.throws(() => app.onStartup('x' as never), (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_OPTION');
    assert.throws(() => app.onShutdown(null as never), (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_OPTION');
  });

  test('a startup hook cannot be added once the app has started', async () => {
    const app = new App({ logger: false });
    await app.inject('/');
    assert.throws(() => app.onStartup(() => undefined), (error: LoopwiseError) => error.code === 'LW_ERR_ROUTES_FROZEN');
    await app.close();
  });
});
