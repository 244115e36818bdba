import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/index.js';

function app(): App {
  const app = new App({ logger: false });
  app.get('/items', () => []);
  app.post('/items', () => ({ created: true }));
  app.get('/items/:id', ({ params }) => ({ id: params.id }));
  app.delete('/items/:id', () => ({ deleted: true }));
  app.put('/items/:id', () => ({ replaced: true }));
  app.post('/upload', () => ({ ok: true }));
  app.head('/ping', () => null);
  return app;
}

describe('unknown routes', () => {
  test('answers 404 {"detail":"Not Found"} as JSON for a path no route matches', async () => {
    const res = await app().inject({ url: '/nothing/here' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.body, '{"detail":"Not Found"}');
  });

  test('answers 404 for every method when no route has the path', async () => {
    const server = app();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
      const res = await server.inject({ method, url: '/missing' });
      assert.equal(res.statusCode, 404, method);
      assert.deepEqual(res.json(), { detail: 'Not Found' });
      assert.equal(res.headers.allow, undefined);
    }
  });

  test('answers 404 on an app with no routes at all', async () => {
    const res = await new App({ logger: false }).inject({ url: '/' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found' });
  });
});

describe('wrong method', () => {
  test('answers 405 {"detail":"Method Not Allowed"} with Allow listing GET, HEAD and POST', async () => {
    const res = await app().inject({ method: 'PATCH', url: '/items' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, HEAD, POST');
    assert.equal(res.body, '{"detail":"Method Not Allowed"}');
  });

  test('lists every method of a parameterised route in Allow', async () => {
    const res = await app().inject({ method: 'POST', url: '/items/7' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'DELETE, GET, HEAD, PUT');
    assert.deepEqual(res.json(), { detail: 'Method Not Allowed' });
  });

  test('does not add HEAD to Allow for a route without GET', async () => {
    const res = await app().inject({ method: 'GET', url: '/upload' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'POST');
  });

  test('answers HEAD to a POST-only route with 405 and Allow: POST', async () => {
    const res = await app().inject({ method: 'HEAD', url: '/upload' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'POST');
  });

  test('lists only HEAD for a HEAD-only route', async () => {
    const res = await app().inject({ method: 'GET', url: '/ping' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'HEAD');
  });

  test('ignores the query string when working out Allow', async () => {
    const res = await app().inject({ method: 'OPTIONS', url: '/items?page=2' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, HEAD, POST');
  });
});
