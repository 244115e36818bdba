import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, t } from '../../src/index.js';

function pathsOf(app: App): string[] {
  return app.routes().map((r) => `${r.method} ${r.path}`);
}

describe('Router', () => {
  // FastAPI: APIRouter(prefix="/items") with @router.get("/") serves "/items/" (prefix + path).
  test('serves router.get("/") under prefix "/items" at "/items/", and child paths under it', async () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items' });
    items.get('/', () => ({ route: 'list' }));
    items.get('/:id', ({ params }) => ({ route: 'one', id: params.id }));
    app.include(items);
    assert.deepEqual((await app.inject({ url: '/items/' })).json(), { route: 'list' });
    assert.deepEqual((await app.inject({ url: '/items/5' })).json(), { route: 'one', id: '5' });
  });

  test('a router root is its prefix and a slash: the bare prefix is redirected there', async () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items' });
    items.get('/', () => ({ route: 'list' }));
    app.include(items);
    assert.deepEqual(app.routes().map((r) => r.path), ['/items/']);
    const res = await app.inject({ url: '/items?limit=2' });
    assert.equal(res.statusCode, 307);
    assert.equal(res.headers.location, '/items/?limit=2');
  });

  test('normalises a prefix without a leading slash or with a trailing one', () => {
    const app = new App({ logger: false });
    const a = new Router({ prefix: 'a' });
    a.get('/x', () => 1);
    const b = new Router({ prefix: '/b/' });
    b.get('/y', () => 2);
    app.include(a);
    app.include(b);
    assert.deepEqual(pathsOf(app), ['GET /a/x', 'GET /b/y']);
  });

  test('puts the include prefix in front of the router prefix', async () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items' });
    items.get('/', () => ({ route: 'list' }));
    items.get('/:id', ({ params }) => ({ id: params.id }));
    app.include(items, { prefix: '/api/v1' });
    assert.deepEqual(pathsOf(app), ['GET /api/v1/items/', 'GET /api/v1/items/:id']);
    assert.deepEqual((await app.inject({ url: '/api/v1/items/' })).json(), { route: 'list' });
    assert.deepEqual((await app.inject({ url: '/api/v1/items/9' })).json(), { id: '9' });
    assert.equal((await app.inject({ url: '/items' })).statusCode, 404);
  });

  test('serves a router without prefix included with a prefix at the prefix and a slash', async () => {
    const app = new App({ logger: false });
    const root = new Router();
    root.get('/', () => ({ route: 'root' }));
    app.include(root, { prefix: '/admin' });
    assert.deepEqual((await app.inject({ url: '/admin/' })).json(), { route: 'root' });
  });

  test('nests routers: each level adds its prefix from the outside in', async () => {
    const app = new App({ logger: false });
    const v1 = new Router({ prefix: '/v1' });
    const users = new Router({ prefix: '/users' });
    const posts = new Router({ prefix: '/posts' });
    posts.get('/:postId', ({ params }) => ({ postId: params.postId }));
    users.get('/', () => ({ route: 'users' }));
    users.include(posts, { prefix: '/:userId' });
    v1.include(users);
    app.include(v1, { prefix: '/api' });
    assert.deepEqual(pathsOf(app), ['GET /api/v1/users/', 'GET /api/v1/users/:userId/posts/:postId']);
    assert.deepEqual((await app.inject({ url: '/api/v1/users/' })).json(), { route: 'users' });
    const res = await app.inject({ url: '/api/v1/users/3/posts/8' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { postId: '8' });
  });

  test('merges tags: router, include and route tags, without duplicates', () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items', tags: ['items'] });
    items.get('/', { tags: ['list', 'items'] }, () => []);
    items.get('/:id', () => ({}));
    app.include(items, { tags: ['public'] });
    const tags = app.routes().map((r) => [r.path, r.options.tags]);
    assert.deepEqual(tags, [
      ['/items/', ['public', 'items', 'list']],
      ['/items/:id', ['public', 'items']],
    ]);
  });

  test('merges tags through nested routers, outermost first', () => {
    const app = new App({ logger: false });
    const outer = new Router({ prefix: '/o', tags: ['outer'] });
    const inner = new Router({ prefix: '/i', tags: ['inner'] });
    inner.get('/r', { tags: ['route'] }, () => 1);
    outer.include(inner, { tags: ['included'] });
    app.include(outer);
    assert.deepEqual(app.routes().map((r) => [r.path, r.options.tags]), [['/o/i/r', ['outer', 'included', 'inner', 'route']]]);
  });

  test('leaves tags undefined for a route that has none anywhere', () => {
    const app = new App({ logger: false });
    app.get('/plain', () => 1);
    assert.equal(app.routes()[0]!.options.tags, undefined);
  });

  test('keeps the route options (schemas) when prefixing, so validation still runs', async () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items' });
    items.get('/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
    app.include(items);
    assert.deepEqual((await app.inject({ url: '/items/4' })).json(), { id: 4 });
    assert.equal((await app.inject({ url: '/items/four' })).statusCode, 422);
  });

  test('includes the same router twice under different prefixes', async () => {
    const app = new App({ logger: false });
    const health = new Router();
    health.get('/health', () => ({ ok: true }));
    app.include(health, { prefix: '/a' });
    app.include(health, { prefix: '/b' });
    assert.deepEqual((await app.inject({ url: '/a/health' })).json(), { ok: true });
    assert.deepEqual((await app.inject({ url: '/b/health' })).json(), { ok: true });
  });

  test('picks up routes added to a router after it was included but before the app started', async () => {
    const app = new App({ logger: false });
    const late = new Router({ prefix: '/late' });
    app.include(late);
    late.get('/x', () => ({ late: true }));
    assert.deepEqual((await app.inject({ url: '/late/x' })).json(), { late: true });
  });
});

describe('route() with several methods', () => {
  test('registers one handler for GET and POST', async () => {
    const app = new App({ logger: false });
    app.route(['GET', 'POST'], '/both', {}, ({ request }) => ({ method: request.method }));
    assert.deepEqual((await app.inject({ method: 'GET', url: '/both' })).json(), { method: 'GET' });
    assert.deepEqual((await app.inject({ method: 'POST', url: '/both' })).json(), { method: 'POST' });
    const put = await app.inject({ method: 'PUT', url: '/both' });
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, 'GET, HEAD, POST');
  });

  test('accepts a single method as a string', async () => {
    const app = new App({ logger: false });
    app.route('PATCH', '/one', {}, () => ({ patched: true }));
    assert.deepEqual((await app.inject({ method: 'PATCH', url: '/one' })).json(), { patched: true });
  });

  test('applies the route options to every method', async () => {
    const app = new App({ logger: false });
    app.route(['GET', 'DELETE'], '/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
    assert.deepEqual((await app.inject({ method: 'DELETE', url: '/items/2' })).json(), { id: 2 });
    assert.equal((await app.inject({ method: 'GET', url: '/items/x' })).statusCode, 422);
  });

  test('works on a Router under its prefix', async () => {
    const app = new App({ logger: false });
    const r = new Router({ prefix: '/r' });
    r.route(['PUT', 'PATCH'], '/', {}, ({ request }) => ({ method: request.method }));
    app.include(r);
    assert.deepEqual((await app.inject({ method: 'PUT', url: '/r/' })).json(), { method: 'PUT' });
    assert.deepEqual((await app.inject({ method: 'PATCH', url: '/r/' })).json(), { method: 'PATCH' });
  });
});
