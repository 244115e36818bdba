// Dependency overrides reach offloaded routes (FastAPI's app.dependency_overrides, with every
// route using them): a replacement exported from a module of its own crosses to the worker
// threads as "module, export"; set, delete and clear reach threads already running before their
// next request; a replacement no worker could find (a closure in the test file) is refused when
// it is set, or at startup, with what to do. Real worker threads, one in the pool.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, dependency } from '../../src/index.js';
import { app, clock, currentUser, db, lines } from './fixtures/overrides-app.js';
import { fakeDb, fakeUser, plainDb, unexportedFake } from './fixtures/overrides-fakes.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const FAKES = new URL('./fixtures/overrides-fakes.ts', import.meta.url);

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await withTimeout(app.inject(url), TIMEOUT, url);
  return { status: res.statusCode, body: res.json() };
}

function refusal(run: () => unknown): LoopwiseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof LoopwiseError, String(error));
    return error;
  }
  assert.fail('should have thrown');
}

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
});

describe('overrides of offloaded routes', () => {
  test('one set before the first request (the pool not started yet) answers from the worker', async () => {
    app.dependencyOverrides.set(db, fakeDb);
    const { status, body } = await get('/db');
    assert.equal(status, 200);
    assert.equal(body.source, 'fake db');
    assert.notEqual(body.threadId, 0, 'answered by a worker thread');
    assert.equal((await get('/inline/db')).body.source, 'fake db', 'and inline routes as before');
  });

  test('clear() reaches the running worker before its next request', async () => {
    app.dependencyOverrides.clear();
    assert.equal((await get('/db')).body.source, 'real db');
    assert.equal((await get('/user')).body.user.name, 'real user');
  });

  test('an override of a dependency used inside another, and a replacement with dependencies of its own', async () => {
    app.dependencyOverrides.set(db, fakeDb);
    assert.deepEqual((await get('/user')).body.user, { name: 'real user', db: 'fake db' });
    app.dependencyOverrides.set(currentUser, fakeUser);
    assert.deepEqual((await get('/user')).body.user, { name: 'fake user', db: 'fake db' });
    app.dependencyOverrides.delete(db);
    assert.deepEqual((await get('/user')).body.user, { name: 'fake user', db: 'real db' });
    app.dependencyOverrides.clear();
  });

  test('a plain function reaches the workers with { module } naming the module that exports it', async () => {
    app.dependencyOverrides.set(db, plainDb, { module: FAKES });
    const { body } = await get('/db');
    assert.equal(body.source, 'plain fake db');
    assert.notEqual(body.threadId, 0);
    app.dependencyOverrides.clear();
  });

  test('a closure made in the test file is refused when set, saying what to do; the app keeps its overrides', async () => {
    const error = refusal(() => app.dependencyOverrides.set(db, () => ({ source: 'closure', threadId: 0 })));
    assert.equal(error.code, 'LW_ERR_OFFLOAD_MODULE');
    assert.equal(
      error.message,
      'LW_ERR_OFFLOAD_MODULE: app.dependencyOverrides.set(db, …): db is used by the offloaded route GET /db, which runs on worker threads, and they cannot use this replacement: ' +
        'the replacement is a plain function, and a worker thread cannot tell which module defines it. ' +
        'Move the replacement to a module of its own (e.g. test/overrides.ts), declared and exported there (export const fakeDb = dependency(…)), and import it here: ' +
        "worker threads import that module and use the export. A plain function exported there works too: set(db, fn, { module: new URL('./overrides.ts', import.meta.url) }).",
    );
    assert.equal(app.dependencyOverrides.size, 0);
    assert.equal((await get('/db')).body.source, 'real db');
  });

  test('a dependency() made in the test file is refused too (a worker would run the tests)', () => {
    const inTest = dependency(function inTest() {
      return { source: 'in test', threadId: 0 };
    });
    const error = refusal(() => app.dependencyOverrides.set(db, inTest));
    assert.match(error.message, /^LW_ERR_OFFLOAD_MODULE: app\.dependencyOverrides\.set\(db, …\): db is used by the offloaded route GET \/db, which runs on worker threads, and they cannot use this replacement: the replacement was made in test\/offload\/overrides\.test\.ts \(the test file itself, which a worker thread cannot import without running it\)\. Move the replacement/);
    const named = refusal(() => app.dependencyOverrides.set(db, plainDb, { module: import.meta.url }));
    assert.match(named.message, /its module test\/offload\/overrides\.test\.ts is the test file itself/);
  });

  test('a dependency only inline routes use may still be replaced by a closure', async () => {
    app.dependencyOverrides.set(clock, () => 'fake clock');
    assert.equal((await get('/inline/clock')).body, 'fake clock');
    app.dependencyOverrides.clear();
  });

  test('a replacement its module does not export: the offloaded request gets 500, the log says what to do', async () => {
    lines.length = 0;
    app.dependencyOverrides.set(db, unexportedFake());
    const { status, body } = await get('/db');
    assert.equal(status, 500);
    assert.deepEqual(body, { detail: 'Internal Server Error' });
    const logged = lines.find((line) => line.err?.code === 'LW_ERR_OFFLOAD_MODULE');
    assert.ok(logged !== undefined, JSON.stringify(lines));
    assert.equal(
      logged.err.message,
      'LW_ERR_OFFLOAD_MODULE: the override of db cannot reach the worker threads of the offloaded route GET /db: no module exports its replacement ' +
        '(looked in test/offload/fixtures/overrides-fakes.ts). Export it from there (export const … = dependency(…)): worker threads import that module and use the export.',
    );
    app.dependencyOverrides.set(db, fakeDb); // fixed: the next request is served
    assert.equal((await get('/db')).body.source, 'fake db');
    app.dependencyOverrides.clear();
  });
});

describe('at startup', () => {
  test('a closure set before the app starts stops startup (no thread is started)', async () => {
    const early = new App({ logger: false, module: import.meta.url });
    const token = dependency(function token() {
      return 'real';
    });
    early.get('/t', { offload: true, deps: { token } }, ({ deps }) => deps.token);
    early.dependencyOverrides.set(token, () => 'closure');
    await assert.rejects(early.inject('/t'), (error: LoopwiseError) => {
      assert.equal(error.code, 'LW_ERR_OFFLOAD_MODULE');
      assert.match(error.message, /^LW_ERR_OFFLOAD_MODULE: app\.dependencyOverrides\.set\(token, …\): token is used by the offloaded route GET \/t, which runs on worker threads/);
      return true;
    });
    await early.close();
  });
});
