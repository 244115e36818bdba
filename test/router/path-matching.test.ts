import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/index.js';

function app(): App {
  const app = new App({ logger: false });
  app.get('/', () => ({ route: 'root' }));
  app.get('/health', () => ({ route: 'health' }));
  app.get('/users/me', () => ({ route: 'me' }));
  app.get('/users/:id', ({ params }) => {
    const id: string = params.id;
    return { route: 'user', id, type: typeof id };
  });
  app.get('/users/:userId/posts/:postId', ({ params }) => ({ route: 'post', params }));
  app.get('/files/*', ({ params }) => {
    const rest: string = params['*'];
    return { route: 'files', rest };
  });
  return app;
}

describe('path matching', () => {
  test('serves the root and static routes', async () => {
    const server = app();
    assert.deepEqual((await server.inject({ url: '/' })).json(), { route: 'root' });
    assert.deepEqual((await server.inject({ url: '/health' })).json(), { route: 'health' });
  });

  test('prefers a static segment over a parameter at the same place', async () => {
    const res = await app().inject({ url: '/users/me' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { route: 'me' });
  });

  test('passes an undeclared path parameter to the handler as a string', async () => {
    const res = await app().inject({ url: '/users/42' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { route: 'user', id: '42', type: 'string' });
  });

  test('captures every parameter of a multi-parameter route', async () => {
    const res = await app().inject({ url: '/users/7/posts/hello-world' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { route: 'post', params: { userId: '7', postId: 'hello-world' } });
  });

  test('gives the rest of the path, slashes included, to a wildcard as params["*"]', async () => {
    const res = await app().inject({ url: '/files/docs/2024/report.pdf' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { route: 'files', rest: 'docs/2024/report.pdf' });
  });

  test('matches a wildcard with an empty rest', async () => {
    const res = await app().inject({ url: '/files/' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { route: 'files', rest: '' });
  });

  test('does not pass the query string into path parameters', async () => {
    const res = await app().inject({ url: '/users/42?expand=posts' });
    assert.deepEqual(res.json(), { route: 'user', id: '42', type: 'string' });
  });

  test('decodes percent-encoded parameters: UTF-8, spaces, and reserved characters', async () => {
    const server = app();
    const cases: [string, string][] = [
      ['caf%C3%A9', 'café'],
      ['a%20b', 'a b'],
      ['a%2Fb', 'a/b'],
      ['a%3Fb', 'a?b'],
      ['a%23b', 'a#b'],
      ['100%25', '100%'],
      ['a+b', 'a+b'],
    ];
    for (const [raw, decoded] of cases) {
      const res = await server.inject({ url: `/users/${raw}` });
      assert.equal(res.statusCode, 200, raw);
      assert.deepEqual(res.json(), { route: 'user', id: decoded, type: 'string' }, raw);
    }
  });

  test('decodes a percent-encoded wildcard rest', async () => {
    const res = await app().inject({ url: '/files/my%20docs/r%C3%A9sum%C3%A9.pdf' });
    assert.deepEqual(res.json(), { route: 'files', rest: 'my docs/résumé.pdf' });
  });

  test('matches paths case-sensitively; a trailing slash is a different path, redirected to the route (redirectSlashes)', async () => {
    const server = app();
    assert.equal((await server.inject({ url: '/Health' })).statusCode, 404);
    const slashed = await server.inject({ url: '/health/' });
    assert.equal(slashed.statusCode, 307);
    assert.equal(slashed.headers.location, '/health');
    const off = new App({ logger: false, redirectSlashes: false });
    off.get('/health', () => ({ route: 'health' }));
    assert.equal((await off.inject({ url: '/health/' })).statusCode, 404);
  });
});
