import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, Router, type HttpMethod, type LoopwiseErrorCode } from '../../src/index.js';

function hasCode(code: LoopwiseErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LoopwiseError, `expected a LoopwiseError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.message.startsWith(`${code}: `), error.message);
    return true;
  };
}

describe('duplicate routes', () => {
  test('throws LW_ERR_DUPLICATE_ROUTE at ready() for the same method and path declared twice', () => {
    const app = new App({ logger: false });
    app.get('/items', () => 1);
    app.get('/items', () => 2);
    assert.throws(() => app.ready(), hasCode('LW_ERR_DUPLICATE_ROUTE'));
  });

  test('names the duplicated route in the message', () => {
    const app = new App({ logger: false });
    app.post('/orders/:id', () => 1);
    app.post('/orders/:id', () => 2);
    assert.throws(() => app.ready(), (error: unknown) => {
      assert.match((error as Error).message, /POST \/orders\/:id/);
      return true;
    });
  });

  test('throws LW_ERR_DUPLICATE_ROUTE when two routers produce the same path', () => {
    const app = new App({ logger: false });
    const a = new Router({ prefix: '/items' });
    a.get('/', () => 1);
    app.get('/items/', () => 2);
    app.include(a);
    assert.throws(() => app.ready(), hasCode('LW_ERR_DUPLICATE_ROUTE'));
  });

  test('throws LW_ERR_DUPLICATE_ROUTE when route() lists a method already declared', () => {
    const app = new App({ logger: false });
    app.get('/x', () => 1);
    app.route(['GET', 'POST'], '/x', {}, () => 2);
    assert.throws(() => app.ready(), hasCode('LW_ERR_DUPLICATE_ROUTE'));
  });

  test('throws LW_ERR_DUPLICATE_ROUTE for the same route with differently named parameters', () => {
    const app = new App({ logger: false });
    app.get('/items/:id', () => 1);
    app.get('/items/:name', () => 2);
    assert.throws(() => app.ready(), hasCode('LW_ERR_DUPLICATE_ROUTE'));
  });

  test('allows the same path under different methods', () => {
    const app = new App({ logger: false });
    app.get('/items', () => 1);
    app.post('/items', () => 2);
    assert.doesNotThrow(() => app.ready());
  });
});

describe('invalid routes', () => {
  test('throws LW_ERR_INVALID_ROUTE at once for a path without a leading "/"', () => {
    const app = new App({ logger: false });
    assert.throws(() => app.get('items', () => 1), hasCode('LW_ERR_INVALID_ROUTE'));
    assert.throws(() => app.get('', () => 1), hasCode('LW_ERR_INVALID_ROUTE'));
    const router = new Router({ prefix: '/api' });
    assert.throws(() => router.post('users', () => 1), hasCode('LW_ERR_INVALID_ROUTE'));
  });

  test('throws LW_ERR_INVALID_ROUTE for an unknown method in route()', () => {
    const app = new App({ logger: false });
    assert.throws(() => app.route(['GET', 'FETCH' as HttpMethod], '/x', {}, () => 1), hasCode('LW_ERR_INVALID_ROUTE'));
  });

  test('throws LW_ERR_INVALID_ROUTE when the handler is missing', () => {
    const app = new App({ logger: false });
    assert.throws(() => (app.get as (path: string, options: object) => void)('/x', {}), hasCode('LW_ERR_INVALID_ROUTE'));
  });

  test('throws LW_ERR_INVALID_ROUTE when a router includes itself', () => {
    const router = new Router();
    assert.throws(() => router.include(router), hasCode('LW_ERR_INVALID_ROUTE'));
  });
});

describe('routes after start', () => {
  test('throws LW_ERR_ROUTES_FROZEN for a route added after ready()', () => {
    const app = new App({ logger: false });
    app.get('/a', () => 1);
    app.ready();
    assert.throws(() => app.get('/b', () => 2), hasCode('LW_ERR_ROUTES_FROZEN'));
    assert.throws(() => app.route(['PUT'], '/c', {}, () => 3), hasCode('LW_ERR_ROUTES_FROZEN'));
  });

  test('throws LW_ERR_ROUTES_FROZEN for a route added after the first inject()', async () => {
    const app = new App({ logger: false });
    app.get('/a', () => 1);
    await app.inject({ url: '/a' });
    assert.throws(() => app.post('/b', () => 2), hasCode('LW_ERR_ROUTES_FROZEN'));
  });

  test('throws LW_ERR_ROUTES_FROZEN for a route added after listen()', async () => {
    const app = new App({ logger: false });
    app.get('/a', () => 1);
    await app.listen({ port: 0, handleSignals: false });
    try {
      assert.throws(() => app.get('/b', () => 2), hasCode('LW_ERR_ROUTES_FROZEN'));
    } finally {
      await app.close();
    }
  });

  test('throws LW_ERR_ROUTES_FROZEN for an include() after the app started, instead of ignoring the router', async () => {
    const app = new App({ logger: false });
    app.get('/a', () => 1);
    app.ready();
    const late = new Router({ prefix: '/late' });
    late.get('/x', () => 2);
    assert.throws(() => app.include(late), hasCode('LW_ERR_ROUTES_FROZEN'));
  });

  test('throws LW_ERR_ROUTES_FROZEN for a route added to an included router after the app started, instead of ignoring it', () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items' });
    items.get('/', () => []);
    app.include(items);
    app.ready();
    assert.throws(() => items.get('/:id', () => ({})), hasCode('LW_ERR_ROUTES_FROZEN'));
  });

  test('keeps serving the routes it compiled after refusing a late one', async () => {
    const app = new App({ logger: false });
    app.get('/a', () => ({ a: 1 }));
    app.ready();
    assert.throws(() => app.get('/b', () => 2));
    assert.deepEqual((await app.inject({ url: '/a' })).json(), { a: 1 });
    assert.equal((await app.inject({ url: '/b' })).statusCode, 404);
  });
});
