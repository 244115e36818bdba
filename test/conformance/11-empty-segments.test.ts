// Issue 21, cause 11: an empty path segment never fills a path parameter. Starlette compiles
// `{item_id}` to the regex `[^/]+` (starlette/convertors.py StringConvertor, `int` to `[0-9]+`),
// so "/items/" is no match for "/items/{item_id}": a 404, or the trailing-slash 307 when
// "/items" is a route. Only the path convertor (`{name:path}`, `.*`) takes an empty value.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { RawConnection, rawGet } from '../support/raw-http.js';

// docs_src/path_params/tutorial002.py: @app.get("/items/{item_id}") with item_id: int.
function itemsApp(options: { withList?: boolean } = {}): App {
  const app = new App({ logger: false });
  app.get('/items/:item_id', { params: t.Object({ item_id: t.Integer() }) }, ({ params }) => ({ item_id: params.item_id }));
  app.get('/users/:user_id/items/:item_id', ({ params }) => params);
  if (options.withList === true) app.get('/items', () => []);
  return app;
}

describe('an empty segment is no match', () => {
  // Starlette: "/items/" against "^/items/(?P<item_id>[0-9]+)$" — no match, 404 {"detail":"Not Found"}
  // (not a 422 for item_id, and never the handler with "").
  test('/items/ is 404, not a 422 for item_id', async () => {
    const res = await itemsApp().inject('/items/');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found' });
  });

  test('an untyped parameter never reaches the handler with "" either, in the middle of a path too', async () => {
    const app = itemsApp();
    for (const url of ['/users//items/3', '/users/7/items/', '/users//items/']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.deepEqual(res.json(), { detail: 'Not Found' });
    }
    assert.deepEqual((await app.inject('/users/7/items/3')).json(), { user_id: '7', item_id: '3' });
  });

  // Starlette Router.app: no match, "/items" is a route → redirect_slashes' 307 to "/items".
  test('/items/ is sent to /items with 307 when /items is a route', async () => {
    const res = await itemsApp({ withList: true }).inject('/items/?limit=3');
    assert.equal(res.statusCode, 307);
    assert.equal(res.headers.location, '/items?limit=3');
  });

  // Starlette: a route of another method whose path regex does not match is no partial match
  // either, so no 405 comes from an empty segment.
  test('no 405 from a route that would only match with an empty segment', async () => {
    const app = new App({ logger: false });
    app.delete('/items/:item_id', () => null);
    app.post('/other', () => null);
    const res = await app.inject({ method: 'POST', url: '/items/' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers.allow, undefined);
  });

  // Several parameters in one segment: each is `[^/]+` in Starlette.
  test('each parameter of a multi-parameter segment must be non-empty', async () => {
    const app = new App({ logger: false, redirectSlashes: false });
    app.get('/flights/:from-:to', ({ params }) => params);
    assert.deepEqual((await app.inject('/flights/ams-lis')).json(), { from: 'ams', to: 'lis' });
    assert.equal((await app.inject('/flights/ams-')).statusCode, 404);
  });

  // starlette/convertors.py PathConvertor: regex ".*", so "/files/" matches with file_path "".
  test('a wildcard may be empty, as FastAPI\'s {file_path:path}', async () => {
    const app = new App({ logger: false });
    app.get('/files/*file_path', ({ params }) => ({ file_path: params.file_path }));
    const res = await app.inject('/files/');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { file_path: '' });
  });

  test('metrics count the refused match as unmatched, not under the route', async () => {
    const app = new App({ logger: false, metrics: true });
    app.get('/items/:item_id', () => 'x');
    assert.equal((await app.inject('/items/')).statusCode, 404);
    const text = (await app.inject('/metrics')).body;
    assert.doesNotMatch(text, /route="GET \/items\/:item_id"[^\n]*status="404"/);
  });
});

describe('WebSocket routes', () => {
  // Starlette WebSocketRoute compiles its path the same way: "/ws/" is no match for "/ws/{room}".
  test('a handshake with an empty parameter is a 404', async () => {
    const app = new App({ logger: false, openapi: false });
    app.ws('/ws/:room', (socket) => socket.close());
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const connection = await RawConnection.open(port);
    try {
      connection.write(rawGet('/ws/', 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'));
      const res = await connection.response();
      assert.equal(res?.status, 404);
      assert.deepEqual(JSON.parse(res!.body), { detail: 'Not Found' });
    } finally {
      connection.destroy();
      await app.close();
    }
  });
});
