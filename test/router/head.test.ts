import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, HttpResponse, text, t } from '../../src/index.js';

function app(): App {
  const app = new App({ logger: false });
  app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params, reply }) => {
    reply.header('x-item', String(params.id));
    return { id: params.id, name: 'lamp' };
  });
  app.get('/readme', () => text('hello, world'));
  return app;
}

describe('HEAD for GET routes', () => {
  test('answers HEAD on a GET route with the GET status and headers, and an empty body', async () => {
    const server = app();
    const get = await server.inject({ method: 'GET', url: '/items/3' });
    const head = await server.inject({ method: 'HEAD', url: '/items/3' });
    assert.equal(get.statusCode, 200);
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)));
    assert.equal(head.headers['x-item'], '3');
  });

  test('runs validation for HEAD too: a bad parameter is 422 with no body', async () => {
    const res = await app().inject({ method: 'HEAD', url: '/items/abc' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.body, '');
  });

  test('answers HEAD over a real socket with the GET headers and no body bytes', async () => {
    const server = app();
    const { url } = await server.listen({ port: 0, handleSignals: false });
    try {
      const get = await fetch(`${url}/readme`);
      const getBody = await get.text();
      const head = await fetch(`${url}/readme`, { method: 'HEAD' });
      const headBody = await head.text();
      assert.equal(get.status, 200);
      assert.equal(getBody, 'hello, world');
      assert.equal(head.status, 200);
      assert.equal(headBody, '');
      assert.equal(head.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(getBody)));

      const jsonHead = await fetch(`${url}/items/9`, { method: 'HEAD' });
      assert.equal(jsonHead.status, 200);
      assert.equal(await jsonHead.text(), '');
      assert.equal(jsonHead.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(jsonHead.headers.get('content-length'), String(Buffer.byteLength('{"id":9,"name":"lamp"}')));
      assert.equal(jsonHead.headers.get('x-item'), '9');
    } finally {
      await server.close();
    }
  });

  test('lets an explicit HEAD route win over the automatic one', async () => {
    const server = new App({ logger: false });
    let getCalls = 0;
    server.get('/report', () => {
      getCalls += 1;
      return { big: 'x'.repeat(1000) };
    });
    server.head('/report', () => new HttpResponse(null, { headers: { 'x-source': 'head-route', 'content-type': 'application/json' } }));
    const head = await server.inject({ method: 'HEAD', url: '/report' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['x-source'], 'head-route');
    assert.equal(head.headers['content-length'], '0');
    assert.equal(getCalls, 0);
    const get = await server.inject({ method: 'GET', url: '/report' });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['x-source'], undefined);
    assert.equal(getCalls, 1);
  });

  test('declares an explicit HEAD route next to a GET without a duplicate-route error', async () => {
    const server = new App({ logger: false });
    server.get('/x', () => ({}));
    server.head('/x', () => null);
    assert.doesNotThrow(() => server.ready());
  });
});
