import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, t, text, type InjectResponse } from '../../src/index.js';

function echoApp(): App {
  const app = new App({ logger: false });
  app.route(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/echo', {}, ({ request, query, cookies, headers }) => ({
    method: request.method,
    url: request.url,
    query,
    cookies,
    token: headers['x-token'] ?? null,
  }));
  app.post('/body', { body: t.Object({ name: t.String(), tags: t.Array(t.String()) }) }, ({ body, headers }) => ({
    body,
    contentType: headers['content-type'],
  }));
  app.post('/raw', { body: t.String(), consumes: ['text/plain'] }, ({ body, headers }) => ({ body, contentType: headers['content-type'] }));
  return app;
}

test('inject() sends the given method and url through the whole pipeline', async () => {
  const app = echoApp();
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
    const res = await app.inject({ method, url: '/echo' });
    assert.equal(res.statusCode, 200, method);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', method);
    assert.deepEqual(res.json(), { method, url: '/echo', query: {}, cookies: {}, token: null }, method);
  }
});

test('inject() defaults to GET', async () => {
  const app = echoApp();
  const res = await app.inject({ url: '/echo?x=1' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { method: 'GET', url: '/echo?x=1', query: { x: '1' }, cookies: {}, token: null });
});

test('inject() takes a url string as shorthand for a GET', async () => {
  const app = echoApp();
  const res = await app.inject('/echo?page=2');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { method: 'GET', url: '/echo?page=2', query: { page: '2' }, cookies: {}, token: null });
});

test('inject() appends the query option to the url, repeating keys for arrays', async () => {
  const app = echoApp();
  const res = await app.inject({ url: '/echo', query: { q: 'red shoes', tag: ['a', 'b'] } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    method: 'GET',
    url: '/echo?q=red+shoes&tag=a&tag=b',
    query: { q: 'red shoes', tag: ['a', 'b'] },
    cookies: {},
    token: null,
  });
});

test('inject() sends the headers and cookies given', async () => {
  const app = echoApp();
  const res = await app.inject({ url: '/echo', headers: { 'X-Token': 'secret' }, cookies: { session: 'abc', theme: 'dark' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    method: 'GET',
    url: '/echo',
    query: {},
    cookies: { session: 'abc', theme: 'dark' },
    token: 'secret',
  });
});

test('inject() sends an object body as JSON, and a string or Buffer body as given', async () => {
  const app = echoApp();
  const asJson = await app.inject({ method: 'POST', url: '/body', body: { name: 'pen', tags: ['office'] } });
  assert.equal(asJson.statusCode, 200);
  assert.deepEqual(asJson.json(), { body: { name: 'pen', tags: ['office'] }, contentType: 'application/json' });

  const asString = await app.inject({ method: 'POST', url: '/raw', headers: { 'content-type': 'text/plain' }, body: 'hello there' });
  assert.equal(asString.statusCode, 200);
  assert.deepEqual(asString.json(), { body: 'hello there', contentType: 'text/plain' });

  const asBuffer = await app.inject({
    method: 'POST',
    url: '/raw',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.from('café', 'utf8'),
  });
  assert.equal(asBuffer.statusCode, 200);
  assert.deepEqual(asBuffer.json(), { body: 'café', contentType: 'text/plain; charset=utf-8' });
});

test('inject() returns the status, headers, raw body text and a json() helper', async () => {
  const app = new App({ logger: false });
  app.post('/items', { status: 201 }, ({ reply }) => {
    reply.header('x-item-id', '42');
    return { id: 42, name: 'pen' };
  });
  const res: InjectResponse = await app.inject({ method: 'POST', url: '/items' });
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers['content-length'], '22');
  assert.equal(res.headers['x-item-id'], '42');
  assert.equal(res.body, '{"id":42,"name":"pen"}');
  assert.deepEqual(res.json<{ id: number; name: string }>(), { id: 42, name: 'pen' });
});

test('json() throws on a body that is not JSON, and the body text stays readable', async () => {
  const app = new App({ logger: false });
  app.get('/plain', () => text('not json'));
  const res = await app.inject('/plain');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.body, 'not json');
  assert.throws(() => res.json(), SyntaxError);
});

test('inject() answers HEAD for a GET route with its headers and no body', async () => {
  const app = new App({ logger: false });
  app.get('/doc', () => ({ title: 'hello' }));
  const res = await app.inject({ method: 'HEAD', url: '/doc' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers['content-length'], '17');
  assert.equal(res.body, '');
});

test('the first inject() compiles the app: routes registered before it are served, later ones are refused', async () => {
  const app = new App({ logger: false });
  app.get('/a', () => ({ route: 'a' }));
  app.get('/b', () => ({ route: 'b' }));
  const a = await app.inject('/a');
  assert.equal(a.statusCode, 200);
  assert.deepEqual(a.json(), { route: 'a' });
  const b = await app.inject('/b');
  assert.equal(b.statusCode, 200);
  assert.deepEqual(b.json(), { route: 'b' });

  assert.throws(
    () => app.get('/late', () => ({ route: 'late' })),
    (error: unknown) => {
      assert.ok(error instanceof LoopwiseError);
      assert.equal(error.code, 'LW_ERR_ROUTES_FROZEN');
      assert.match(error.message, /^LW_ERR_ROUTES_FROZEN: cannot add GET \/late: /);
      return true;
    },
  );
  const late = await app.inject('/late');
  assert.equal(late.statusCode, 404);
  assert.deepEqual(late.json(), { detail: 'Not Found' });
});

test('inject() answers an unknown route 404 and a wrong method 405 with Allow', async () => {
  const app = new App({ logger: false });
  app.get('/only-get', () => ({ ok: true }));
  const missing = await app.inject('/missing');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(missing.json(), { detail: 'Not Found' });

  const wrong = await app.inject({ method: 'DELETE', url: '/only-get' });
  assert.equal(wrong.statusCode, 405);
  assert.equal(wrong.headers.allow, 'GET, HEAD');
  assert.deepEqual(wrong.json(), { detail: 'Method Not Allowed' });
});

test('inject() returns a rejected promise, rather than throwing, when the app cannot be compiled', async () => {
  const app = new App({ logger: false });
  app.get('/twice', () => 1);
  app.get('/twice', () => 2);
  let pending: Promise<InjectResponse> | undefined;
  assert.doesNotThrow(() => {
    pending = app.inject('/twice');
  });
  await assert.rejects(pending!, (error: unknown) => {
    assert.ok(error instanceof LoopwiseError);
    assert.equal(error.code, 'LW_ERR_DUPLICATE_ROUTE');
    assert.match(error.message, /^LW_ERR_DUPLICATE_ROUTE: GET \/twice /);
    return true;
  });
});

test('injected requests run concurrently and each gets its own answer', async () => {
  const app = new App({ logger: false });
  app.get('/wait/:ms', { params: t.Object({ ms: t.Integer() }) }, async ({ params }) => {
    await new Promise((resolve) => setTimeout(resolve, params.ms));
    return { waited: params.ms };
  });
  const start = Date.now();
  const results = await Promise.all([300, 200, 100].map((ms) => app.inject(`/wait/${ms}`)));
  const took = Date.now() - start;
  // One after another they would take 600 ms; together, about 300.
  assert.ok(took < 550, `three waits of 300, 200 and 100 ms took ${took} ms: they ran one after another`);
  assert.deepEqual(
    results.map((r) => [r.statusCode, r.json()]),
    [
      [200, { waited: 300 }],
      [200, { waited: 200 }],
      [200, { waited: 100 }],
    ],
  );
});
