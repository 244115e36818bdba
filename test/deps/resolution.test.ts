// dependency(): the four forms a dependency takes, where it can be declared (route `deps`, route,
// Router, include() and App `dependencies`), nesting, what its context holds, and misuse.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, LoopwiseError, Router, dependency, type Dependency } from '../../src/index.js';
import { captureLog } from './fixtures/helpers.js';

describe('the four forms', () => {
  test('sync function, async function, sync generator and async generator all give the handler their value', async () => {
    const events: string[] = [];
    const syncValue = dependency(() => 'sync');
    const asyncValue = dependency(async () => {
      await sleep(5);
      return 'async';
    });
    const syncGenerator = dependency(function* syncGenerator() {
      events.push('sync generator set up');
      yield 'sync generator';
      events.push('sync generator cleaned up');
    });
    const asyncGenerator = dependency(async function* asyncGenerator() {
      await sleep(5);
      events.push('async generator set up');
      yield 'async generator';
      await sleep(5);
      events.push('async generator cleaned up');
    });
    const app = new App({ logger: false });
    app.get('/forms', { deps: { a: syncValue, b: asyncValue, c: syncGenerator, d: asyncGenerator } }, ({ deps }) => {
      events.push('handler');
      return deps;
    });
    const res = await app.inject('/forms');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { a: 'sync', b: 'async', c: 'sync generator', d: 'async generator' });
    await app.close(); // waits for the cleanups still running
    assert.deepEqual(events.slice(0, 3).sort(), ['async generator set up', 'handler', 'sync generator set up'].sort());
    assert.equal(events[2], 'handler', `order: ${events.join(', ')}`);
    assert.deepEqual(events.slice(3).sort(), ['async generator cleaned up', 'sync generator cleaned up']);
  });

  test('a promise, an object or undefined is a value as well; only a generator is unwrapped', async () => {
    const none = dependency(() => undefined);
    const object = dependency(async () => ({ nested: { list: [1, 2] } }));
    const iterable = dependency(() => [1, 2, 3]); // an array is iterable but not a generator: a plain value
    const app = new App({ logger: false });
    app.get('/values', { deps: { none, object, iterable } }, ({ deps }) => ({ none: deps.none === undefined, object: deps.object, iterable: deps.iterable }));
    const res = await app.inject('/values');
    assert.deepEqual(res.json(), { none: true, object: { nested: { list: [1, 2] } }, iterable: [1, 2, 3] });
  });
});

describe('where dependencies are declared', () => {
  test("a route's deps reach the handler under their keys; a route without deps gets an empty object", async () => {
    const currentUser = dependency(({ request }) => ({ name: request.headers['x-user'] ?? 'anonymous' }));
    const app = new App({ logger: false });
    app.get('/me', { deps: { user: currentUser } }, ({ deps }) => deps.user);
    app.get('/plain', ({ deps }) => ({ keys: Object.keys(deps) }));
    assert.deepEqual((await app.inject({ url: '/me', headers: { 'x-user': 'ada' } })).json(), { name: 'ada' });
    assert.deepEqual((await app.inject('/me')).json(), { name: 'anonymous' });
    assert.deepEqual((await app.inject('/plain')).json(), { keys: [] });
  });

  test("a route's dependencies run for their effect: a failing check answers for the route, and values are not passed", async () => {
    let handlerRuns = 0;
    const requireToken = dependency(({ request }) => {
      if (request.headers['x-token'] !== 'secret') throw new HTTPException(401, 'Not authenticated', { 'www-authenticate': 'Bearer' });
      return 'checked';
    });
    const app = new App({ logger: false });
    app.get('/guarded', { dependencies: [requireToken] }, ({ deps }) => {
      handlerRuns += 1;
      return { deps };
    });
    const refused = await app.inject('/guarded');
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(refused.json(), { detail: 'Not authenticated' });
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
    assert.equal(handlerRuns, 0, 'the handler must not run when a dependency refuses');
    const allowed = await app.inject({ url: '/guarded', headers: { 'x-token': 'secret' } });
    assert.equal(allowed.statusCode, 200);
    assert.deepEqual(allowed.json(), { deps: {} }, 'the value of a dependency run for its effect is not passed');
    assert.equal(handlerRuns, 1);
  });

  test("a Router's dependencies run before each of its routes (only its routes), as a 401 check", async () => {
    const checked: string[] = [];
    const requireAdmin = dependency(function requireAdmin({ request }) {
      checked.push(request.url!);
      if (request.headers['x-role'] !== 'admin') throw new HTTPException(401, 'Admins only');
    });
    const admin = new Router({ prefix: '/admin', dependencies: [requireAdmin] });
    admin.get('/stats', ({ deps }) => ({ stats: 1, deps }));
    admin.post('/reset', () => ({ reset: true }));
    const app = new App({ logger: false });
    app.include(admin);
    app.get('/public', () => ({ open: true }));

    assert.equal((await app.inject('/admin/stats')).statusCode, 401);
    assert.deepEqual((await app.inject('/admin/stats')).json(), { detail: 'Admins only' });
    assert.equal((await app.inject({ method: 'POST', url: '/admin/reset' })).statusCode, 401);
    const ok = await app.inject({ url: '/admin/stats', headers: { 'x-role': 'admin' } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { stats: 1, deps: {} });
    checked.length = 0;
    assert.equal((await app.inject('/public')).statusCode, 200);
    assert.deepEqual(checked, [], "a Router's dependency must not run for the app's other routes");
  });

  test("include(router, { dependencies }) adds them to that inclusion's routes", async () => {
    let runs = 0;
    const audit = dependency(() => {
      runs += 1;
    });
    const items = new Router();
    items.get('/items', () => ['pen']);
    const app = new App({ logger: false });
    app.include(items, { prefix: '/v1', dependencies: [audit] });
    app.include(items, { prefix: '/v2' });
    assert.equal((await app.inject('/v1/items')).statusCode, 200);
    assert.equal(runs, 1);
    assert.equal((await app.inject('/v2/items')).statusCode, 200);
    assert.equal(runs, 1, 'the other inclusion does not get them');
  });

  test("the App's dependencies run for every route, with deps or without, inline and in routers", async () => {
    const seen: string[] = [];
    const logRequest = dependency(({ request }) => {
      seen.push(`${request.method} ${request.url}`);
    });
    const app = new App({ logger: false, dependencies: [logRequest] });
    app.get('/a', () => 'a');
    app.post('/b', { deps: { n: dependency(() => 1) } }, ({ deps }) => deps.n);
    const router = new Router({ prefix: '/r' });
    router.get('/c', () => 'c');
    app.include(router);
    await app.inject('/a');
    await app.inject({ method: 'POST', url: '/b' });
    await app.inject('/r/c');
    assert.deepEqual(seen, ['GET /a', 'POST /b', 'GET /r/c']);
  });

  test("effect dependencies start outermost first: the App's, the include's, the Router's, then the route's own (as prefixes nest)", async () => {
    const started: string[] = [];
    const mark = (name: string) => dependency({ name }, () => void started.push(name));
    const inner = new Router({ prefix: '/in', dependencies: [mark('router')] });
    inner.get('/x', { dependencies: [mark('route')] }, () => 'x');
    const app = new App({ logger: false, dependencies: [mark('app')] });
    app.include(inner, { prefix: '/v1', dependencies: [mark('include')] });
    const res = await app.inject('/v1/in/x');
    assert.equal(res.statusCode, 200);
    // FastAPI's include_router order too: the include's dependencies, then the router's, then the route's.
    assert.deepEqual(started, ['app', 'include', 'router', 'route']);
  });

  test('nested dependencies: a dependency gets the values of its own deps, three levels deep', async () => {
    const config = dependency(() => ({ url: 'sqlite::memory:' }));
    const db = dependency({ deps: { config } }, async ({ deps }) => ({ connectedTo: deps.config.url }));
    const repo = dependency({ deps: { db } }, ({ deps }) => ({ find: (id: number) => ({ id, from: deps.db.connectedTo }) }));
    const app = new App({ logger: false });
    app.get('/items/:id', { deps: { repo } }, ({ params, deps }) => deps.repo.find(Number(params.id)));
    const res = await app.inject('/items/3');
    assert.deepEqual(res.json(), { id: 3, from: 'sqlite::memory:' });
  });
});

describe("a dependency's context", () => {
  test('it gets the request line, the reply (status, headers, cookies), background tasks and app state', async () => {
    const ran: string[] = [];
    const session = dependency(({ request, reply, background, state }) => {
      reply.header('x-session', 'fresh').cookie('sid', 's1');
      background.add(() => void ran.push('task'));
      return { method: request.method, url: request.url, state: { ...state } };
    });
    const app = new App({ logger: false });
    (app.state as Record<string, unknown>).greeting = 'hello';
    app.get('/s', { deps: { session }, status: 201 }, ({ deps }) => deps.session);
    const res = await app.inject('/s?x=1');
    assert.equal(res.statusCode, 201, 'a route status stays when a dependency touches the reply');
    assert.equal(res.headers['x-session'], 'fresh');
    assert.deepEqual(res.headers['set-cookie'], ['sid=s1; Path=/; SameSite=Lax']);
    assert.deepEqual(res.json(), { method: 'GET', url: '/s?x=1', state: { greeting: 'hello' } });
    await app.close();
    assert.deepEqual(ran, ['task']);
  });

  test("a dependency may set the response status for the handler's value", async () => {
    const created = dependency(({ reply }) => void reply.status(202));
    const app = new App({ logger: false });
    app.post('/jobs', { dependencies: [created] }, () => ({ queued: true }));
    const res = await app.inject({ method: 'POST', url: '/jobs' });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { queued: true });
  });

  test('a dependency that throws answers as the handler would: HTTPException with its status, anything else 500 (logged)', async () => {
    const { logger, lines } = captureLog();
    const forbidden = dependency(() => {
      throw new HTTPException(403, 'Not enough permissions');
    });
    const broken = dependency(async function broken() {
      throw new Error('database is down');
    });
    const app = new App({ logger });
    app.get('/forbidden', { deps: { forbidden } }, () => 'never');
    app.get('/broken', { deps: { broken } }, () => 'never');
    const res403 = await app.inject('/forbidden');
    assert.equal(res403.statusCode, 403);
    assert.deepEqual(res403.json(), { detail: 'Not enough permissions' });
    const res500 = await app.inject('/broken');
    assert.equal(res500.statusCode, 500);
    assert.deepEqual(res500.json(), { detail: 'Internal Server Error' });
    assert.ok(!res500.body.includes('database is down'), 'the error stays out of the response');
    assert.ok(
      lines.some((line) => line.err?.message === 'database is down'),
      `the error is logged: ${JSON.stringify(lines)}`,
    );
  });
});

describe('misuse', () => {
  function code(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      return error instanceof LoopwiseError ? error.code : `not a LoopwiseError: ${String(error)}`;
    }
    return undefined;
  }

  test('dependency() needs a function, and deps values must be dependencies', () => {
    assert.equal(code(() => dependency({} as never, undefined as never)), 'LW_ERR_INVALID_DEPENDENCY');
    assert.throws(
      () => dependency({ deps: { db: (() => 1) as unknown as Dependency<number> } }, function user() {}),
      (error: LoopwiseError) =>
        error.code === 'LW_ERR_INVALID_DEPENDENCY' && error.message === 'LW_ERR_INVALID_DEPENDENCY: deps.db of dependency user is not a dependency: wrap the function in dependency().',
    );
  });

  test("a route's deps and a Router's dependencies must be dependencies", () => {
    const app = new App({ logger: false });
    assert.throws(
      () => app.get('/x', { deps: { db: (() => 1) as unknown as Dependency<number> } }, () => null),
      (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_DEPENDENCY' && error.message === 'LW_ERR_INVALID_DEPENDENCY: deps.db of GET /x is not a dependency: wrap the function in dependency().',
    );
    assert.equal(code(() => new Router({ dependencies: [(() => 1) as unknown as Dependency] })), 'LW_ERR_INVALID_DEPENDENCY');
    assert.equal(code(() => new App({ logger: false, dependencies: [{} as Dependency] })), 'LW_ERR_INVALID_DEPENDENCY');
    assert.equal(code(() => app.get('/y', { dependencies: [(() => 1) as unknown as Dependency] }, () => null)), 'LW_ERR_INVALID_DEPENDENCY');
  });

  test('a generator dependency that returns without yielding fails the request with 500 and a clear log line', async () => {
    const { logger, lines } = captureLog();
    const empty = dependency(function* emptyGenerator() {
      return 'no yield';
    });
    const app = new App({ logger });
    app.get('/empty', { deps: { empty } }, () => 'never');
    const res = await app.inject('/empty');
    assert.equal(res.statusCode, 500);
    const logged = lines.find((line) => line.err?.code === 'LW_ERR_INVALID_DEPENDENCY');
    assert.ok(logged !== undefined, JSON.stringify(lines));
    assert.equal(logged.err.message, 'LW_ERR_INVALID_DEPENDENCY: dependency emptyGenerator is a generator that returned without yielding its value: yield exactly once.');
  });
});
