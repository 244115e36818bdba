// Dependency cycles stop startup with LW_ERR_DEPENDENCY_CYCLE naming the cycle; overrides
// (FastAPI's dependency_overrides) replace a dependency wherever it is named, for later requests,
// until deleted, and an override that would depend on what it replaces is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, LoopwiseError, Router, dependency, t, type Dependency, type DependencyContext, type DependencyOptions } from '../../src/index.js';

function startupError(app: App): LoopwiseError {
  try {
    app.ready();
  } catch (error) {
    assert.ok(error instanceof LoopwiseError, String(error));
    return error;
  }
  assert.fail('ready() should have thrown');
}

describe('cycles', () => {
  // dependency() checks its deps when it is made, so a cycle needs an options object changed afterwards.
  test('a → b → a stops startup (ready, inject, listen) with the cycle named', async () => {
    const options: DependencyOptions = { deps: {} };
    const a = dependency(options, function a() {
      return 'a';
    });
    const b = dependency({ deps: { a } }, function b() {
      return 'b';
    });
    options.deps!.b = b;
    const app = new App({ logger: false });
    app.get('/x', { deps: { a } }, () => 'never');
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_DEPENDENCY_CYCLE');
    assert.equal(
      error.message,
      'LW_ERR_DEPENDENCY_CYCLE: the dependencies of GET /x form a cycle: a → b → a. A dependency cannot depend on itself, directly or through others.',
    );
    await assert.rejects(app.inject('/x'), (e: LoopwiseError) => e.code === 'LW_ERR_DEPENDENCY_CYCLE');
    await assert.rejects(app.listen({ port: 0, handleSignals: false }), (e: LoopwiseError) => e.code === 'LW_ERR_DEPENDENCY_CYCLE');
    assert.equal(app.server, null);
  });

  test('a dependency that names itself, reached through another one, is named from where the cycle starts', () => {
    const options: DependencyOptions = { deps: {} };
    const loop = dependency(options, function loop() {});
    options.deps!.again = loop;
    const outer = dependency({ deps: { loop } }, function outer() {});
    const app = new App({ logger: false });
    app.get('/self', { deps: { outer } }, () => 'never');
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_DEPENDENCY_CYCLE');
    assert.equal(
      error.message,
      'LW_ERR_DEPENDENCY_CYCLE: the dependencies of GET /self form a cycle: loop → loop. A dependency cannot depend on itself, directly or through others.',
    );
  });

  test("a cycle in a Router's dependencies stops startup too, naming the route", () => {
    const options: DependencyOptions = { deps: {} };
    const first = dependency(options, function first() {});
    const second = dependency({ deps: { first } }, function second() {});
    const third = dependency({ deps: { second } }, function third() {});
    options.deps!.third = third;
    const router = new Router({ prefix: '/r', dependencies: [second] });
    router.get('/x', () => 'never');
    const app = new App({ logger: false });
    app.include(router);
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_DEPENDENCY_CYCLE');
    assert.equal(
      error.message,
      'LW_ERR_DEPENDENCY_CYCLE: the dependencies of GET /r/x form a cycle: second → first → third → second. A dependency cannot depend on itself, directly or through others.',
    );
  });

  test("anonymous dependencies are named by their keys, the route's key included (docs: session → currentUser → session)", () => {
    const options: DependencyOptions = { deps: {} };
    const session = dependency(options, () => 'session');
    const currentUser = dependency({ deps: { session } }, () => 'user');
    options.deps!.currentUser = currentUser;
    const app = new App({ logger: false });
    app.get('/me', { deps: { session } }, () => 'never');
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_DEPENDENCY_CYCLE');
    assert.equal(
      error.message,
      'LW_ERR_DEPENDENCY_CYCLE: the dependencies of GET /me form a cycle: session → currentUser → session. A dependency cannot depend on itself, directly or through others.',
    );
  });

  test('an app without cycles but with shared (diamond) dependencies starts', async () => {
    const base = dependency(() => 1);
    const left = dependency({ deps: { base } }, ({ deps }) => deps.base + 1);
    const right = dependency({ deps: { base } }, ({ deps }) => deps.base + 2);
    const top = dependency({ deps: { left, right } }, ({ deps }) => deps.left + deps.right);
    const app = new App({ logger: false });
    app.get('/d', { deps: { top, base } }, ({ deps }) => deps.top + deps.base);
    assert.equal((await app.inject('/d')).json(), 6);
  });
});

describe('dependencyOverrides', () => {
  function appWithDb() {
    const db = dependency(function db() {
      return { name: 'real' };
    });
    const currentUser = dependency({ deps: { db } }, function currentUser({ deps }) {
      return { user: 'ada', from: deps.db.name };
    });
    const app = new App({ logger: false });
    app.get('/db', { deps: { db } }, ({ deps }) => deps.db.name);
    app.get('/me', { deps: { user: currentUser } }, ({ deps }) => deps.user);
    return { app, db, currentUser };
  }

  test('set(db, fakeDb) replaces it for later requests, also inside other dependencies; delete(db) restores it', async () => {
    const { app, db } = appWithDb();
    assert.equal((await app.inject('/db')).json(), 'real'); // the app has started: overrides still apply
    const fakeDb = dependency(() => ({ name: 'fake' }));
    app.dependencyOverrides.set(db, fakeDb);
    assert.equal((await app.inject('/db')).json(), 'fake');
    assert.deepEqual((await app.inject('/me')).json(), { user: 'ada', from: 'fake' });
    assert.equal(app.dependencyOverrides.delete(db), true);
    assert.equal((await app.inject('/db')).json(), 'real');
    assert.deepEqual((await app.inject('/me')).json(), { user: 'ada', from: 'real' });
  });

  test('a plain function works as an override and gets the same context (the request parts included)', async () => {
    const limit = dependency({ query: t.Object({ limit: t.Integer({ default: 5 }) }) }, function limit({ query }) {
      return query.limit;
    });
    const app = new App({ logger: false });
    app.get('/limit', { deps: { limit } }, ({ deps }) => deps.limit);
    // A value of another type than the original's, on purpose (the types refuse it: test/types/fixtures/dependencies.ts).
    app.dependencyOverrides.set(limit, (({ query, request }: DependencyContext<never>) => ({ doubled: (query as { limit: number }).limit * 2, url: request.url })) as never);
    assert.deepEqual((await app.inject('/limit?limit=4')).json(), { doubled: 8, url: '/limit?limit=4' });
    assert.deepEqual((await app.inject('/limit')).json(), { doubled: 10, url: '/limit' });
    assert.equal((await app.inject('/limit?limit=x')).statusCode, 422, "the original's parts are still validated");
  });

  test("overriding a Router's or App's check (e.g. auth in tests) replaces it for every route", async () => {
    const requireUser = dependency(function requireUser() {
      throw new HTTPException(401, 'Not authenticated');
    });
    const router = new Router({ dependencies: [requireUser] });
    router.get('/private', () => 'secret');
    const app = new App({ logger: false, dependencies: [requireUser] });
    app.include(router);
    app.get('/also', () => 'also');
    assert.equal((await app.inject('/private')).statusCode, 401);
    app.dependencyOverrides.set(requireUser, () => undefined);
    assert.equal((await app.inject('/private')).statusCode, 200);
    assert.equal((await app.inject('/also')).statusCode, 200);
  });

  test('an override is resolved once per request, however many dependencies name the original', async () => {
    const { app, db } = appWithDb();
    let runs = 0;
    app.dependencyOverrides.set(db, () => {
      runs += 1;
      return { name: `fake ${runs}` };
    });
    const app2Routes = await app.inject('/me');
    assert.deepEqual(app2Routes.json(), { user: 'ada', from: 'fake 1' });
    assert.equal(runs, 1);
  });

  test("a generator override gets its cleanup; the original's does not run", async () => {
    const events: string[] = [];
    const db = dependency(function* db() {
      events.push('real open');
      yield 'real';
      events.push('real close');
    });
    const app = new App({ logger: false });
    app.get('/g', { deps: { db } }, ({ deps }) => deps.db);
    app.dependencyOverrides.set(
      db,
      dependency(async function* fakeDb() {
        events.push('fake open');
        yield 'fake';
        events.push('fake close');
      }),
    );
    assert.equal((await app.inject('/g')).json(), 'fake');
    await app.close();
    assert.deepEqual(events, ['fake open', 'fake close']);
  });

  test('an override that depends on what it replaces is refused, and the original stays in place', async () => {
    const { app, db } = appWithDb();
    const fakeDb = dependency({ deps: { db } }, function fakeDb({ deps }) {
      return { name: `wrapped ${deps.db.name}` };
    });
    assert.throws(
      () => app.dependencyOverrides.set(db, fakeDb),
      (error: LoopwiseError) => error.code === 'LW_ERR_DEPENDENCY_CYCLE' && error.message.startsWith('LW_ERR_DEPENDENCY_CYCLE: overriding db makes a dependency cycle: '),
    );
    assert.equal(app.dependencyOverrides.has(db), false);
    assert.equal((await app.inject('/db')).json(), 'real');
  });

  test('an override that reaches what it replaces through another dependency is refused too', () => {
    const { app, db, currentUser } = appWithDb();
    const fakeDb = dependency({ deps: { user: currentUser } }, function fakeDb() {
      return { name: 'fake' };
    });
    assert.throws(
      () => app.dependencyOverrides.set(db, fakeDb),
      (error: LoopwiseError) => error.code === 'LW_ERR_DEPENDENCY_CYCLE' && error.message.startsWith('LW_ERR_DEPENDENCY_CYCLE: overriding db makes a dependency cycle: '),
    );
    assert.equal(app.dependencyOverrides.size, 0);
    // An override that uses the original's own dependencies (not the original) is fine.
    const config = dependency(() => 'cfg');
    const withConfig = dependency({ deps: { config } }, function real() {});
    const fakeWithConfig = dependency({ deps: { config } }, function fake() {});
    app.dependencyOverrides.set(withConfig, fakeWithConfig);
    assert.equal(app.dependencyOverrides.get(withConfig), fakeWithConfig);
  });

  test('only a dependency can be overridden', () => {
    const app = new App({ logger: false });
    assert.throws(
      () => app.dependencyOverrides.set((() => 1) as unknown as Dependency<number>, () => 2),
      (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_DEPENDENCY',
    );
  });

  test("an override's own request parts are validated and coerced (set before startup)", async () => {
    const page = dependency(function page() {
      return 1;
    });
    const app = new App({ logger: false });
    app.get('/p', { deps: { page } }, ({ deps }) => ({ page: deps.page, type: typeof deps.page }));
    app.dependencyOverrides.set(
      page,
      dependency({ query: t.Object({ page: t.Integer() }) }, ({ query }) => query.page), // typed number
    );
    assert.deepEqual((await app.inject('/p?page=3')).json(), { page: 3, type: 'number' });
    assert.equal((await app.inject('/p?page=x')).statusCode, 422);
  });
});
