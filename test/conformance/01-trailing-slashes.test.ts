// Issue 21, cause 1: Starlette's `redirect_slashes` (on in FastAPI by default), a router's root at
// prefix + "/", and mounts, checked against FastAPI's and Starlette's own answers.
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router } from '../../src/index.js';
import { RawConnection, rawGet } from '../support/raw-http.js';

// tests/test_router_redirect_slashes.py: a router's "/hello/" included in the app.
function helloApp(options: { redirectSlashes?: boolean } = {}): App {
  const app = new App({ logger: false, ...options });
  const router = new Router();
  router.get('/hello/', () => 'Hello, World!');
  app.include(router);
  return app;
}

describe('redirect_slashes on (the default)', () => {
  // FastAPI tests/test_router_redirect_slashes.py test_redirect_slashes_enabled:
  // GET /hello/ → 200; GET /hello → 307.
  test('/hello/ is served, /hello is sent there with 307', async () => {
    const app = helloApp();
    const served = await app.inject('/hello/');
    assert.equal(served.statusCode, 200);
    assert.equal(served.json(), 'Hello, World!');
    assert.equal((await app.inject('/hello')).statusCode, 307);
  });

  // Starlette RedirectResponse (starlette/responses.py): status 307, `location` set, empty body
  // (content-length: 0), no content type. Starlette's Router builds the URL from the request's
  // with only the path changed, so the query string is kept; loopwise sends it relative (path + query).
  test('the 307 has an empty body, content-length 0, and the Location keeps the query string', async () => {
    const res = await helloApp().inject('/hello?name=ann&x=1');
    assert.equal(res.statusCode, 307);
    assert.equal(res.headers.location, '/hello/?name=ann&x=1');
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['content-type'], undefined);
    assert.equal(res.body, '');
  });

  // starlette/routing.py Router.app: a path ending in "/" is tried with its trailing slashes
  // stripped (`rstrip("/")`), the reverse of the above.
  test('the reverse: /items/ (and /items//) are sent to /items', async () => {
    const app = new App({ logger: false });
    app.get('/items', () => []);
    for (const url of ['/items/', '/items//']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 307, url);
      assert.equal(res.headers.location, '/items');
    }
  });

  // Starlette: the redirect is tried only when no route matches at all; a route of another method
  // is a partial match, answered 405. The toggled path may match a route of any method (307 keeps
  // the method, so a POST is sent on as a POST).
  test('any method is redirected, to a route of any method; a 405 comes first', async () => {
    const app = new App({ logger: false });
    app.post('/items/', () => ({ created: true }));
    app.get('/users', () => []);
    app.get('/users/', () => ['slash']);
    const post = await app.inject({ method: 'POST', url: '/items' });
    assert.equal(post.statusCode, 307);
    assert.equal(post.headers.location, '/items/');
    const deleted = await app.inject({ method: 'DELETE', url: '/items' });
    assert.equal(deleted.statusCode, 307, 'the toggled path matches a POST route: a partial match in Starlette, so a redirect');
    const wrongMethod = await app.inject({ method: 'POST', url: '/users' });
    assert.equal(wrongMethod.statusCode, 405);
    assert.equal(wrongMethod.headers.allow, 'GET, HEAD');
  });

  // Starlette Router.app: `scope["path"] != "/"` — the root is never redirected; and a miss whose
  // other form is no route either is the usual 404.
  test('"/" is never redirected, and a miss both ways is 404 {"detail":"Not Found"}', async () => {
    const app = new App({ logger: false });
    app.get('/items/', () => []);
    assert.equal((await app.inject('/')).statusCode, 404);
    const res = await app.inject('/nothing');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found' });
  });

  // FastAPI docs, "Bigger Applications" (docs_src/bigger_applications/app/routers/items.py):
  // APIRouter(prefix="/items") with @router.get("/") is the operation "/items/"; "/items" reaches it by the 307.
  test('a router root is prefix + "/", and the bare prefix is redirected to it', async () => {
    const app = new App({ logger: false });
    const items = new Router({ prefix: '/items', tags: ['items'] });
    items.get('/', () => ({ plumbus: { name: 'Plumbus' }, gun: { name: 'Portal Gun' } }));
    items.get('/:item_id', ({ params }) => ({ name: 'Fake Specific Item', item_id: params.item_id }));
    app.include(items);
    assert.ok(Object.keys(app.openapi().paths ?? {}).includes('/items/'));
    assert.equal((await app.inject('/items/')).statusCode, 200);
    const bare = await app.inject('/items');
    assert.equal(bare.statusCode, 307);
    assert.equal(bare.headers.location, '/items/');
  });
});

describe('redirect_slashes off', () => {
  // FastAPI tests/test_router_redirect_slashes.py test_redirect_slashes_disabled:
  // FastAPI(redirect_slashes=False): GET /hello/ → 200; GET /hello → 404.
  test('redirectSlashes: false answers 404', async () => {
    const app = helloApp({ redirectSlashes: false });
    assert.equal((await app.inject('/hello/')).statusCode, 200);
    const res = await app.inject('/hello');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found' });
  });

  test('the option must be a boolean', () => {
    assert.throws(() => new App({ logger: false, redirectSlashes: 'false' as never }), {
      code: 'LW_ERR_INVALID_OPTION',
      message: /redirectSlashes must be true or false, not "false"/,
    });
  });
});

describe('mounted apps', () => {
  // FastAPI docs "Sub Applications - Mounts" (docs_src/sub_applications/tutorial001.py):
  // app.mount("/subapi", subapi); GET /subapi/sub → {"message": "Hello World from sub API"}.
  // Starlette's Mount matches "/subapi/{path:path}" only, so "/subapi" misses the mount and the
  // outer router's redirect_slashes sends it to "/subapi/". The sub-app redirects with its own
  // router, and its URL keeps the mount's prefix (the scope's full path).
  test('the bare mount prefix is redirected to prefix + "/"; the sub-app redirects under its prefix', async () => {
    const subapi = new App({ logger: false });
    subapi.get('/sub', () => ({ message: 'Hello World from sub API' }));
    subapi.get('/items/', () => []);
    const app = new App({ logger: false });
    app.get('/app', () => ({ message: 'Hello World from main app' }));
    app.mount('/subapi', subapi);
    assert.deepEqual((await app.inject('/subapi/sub')).json(), { message: 'Hello World from sub API' });
    const bare = await app.inject('/subapi?x=1');
    assert.equal(bare.statusCode, 307);
    assert.equal(bare.headers.location, '/subapi/?x=1');
    const inner = await app.inject('/subapi/items?page=2');
    assert.equal(inner.statusCode, 307);
    assert.equal(inner.headers.location, '/subapi/items/?page=2');
    const slashed = await app.inject('/subapi/sub/');
    assert.equal(slashed.statusCode, 307);
    assert.equal(slashed.headers.location, '/subapi/sub');
  });
});

describe('never to another host (over a real socket, bytes as sent)', () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/:name/', ({ params }) => ({ name: params.name }));
  app.get('/docs/:page', ({ params }) => ({ page: params.page }));
  let port = 0;
  before(async () => {
    port = (await app.listen({ port: 0, handleSignals: false })).port;
  });
  after(() => app.close());

  async function get(path: string): Promise<{ status: number; location: string | undefined }> {
    const connection = await RawConnection.open(port);
    try {
      connection.write(rawGet(path));
      const res = await connection.response();
      assert.ok(res !== null, `no answer to ${path}`);
      return { status: res.status, location: res.headers.location };
    } finally {
      connection.destroy();
    }
  }

  // Starlette builds an absolute URL on the request's own host; a relative Location that starts
  // with "//" or "/\" would be read by browsers as another host, so none is sent.
  test('a path whose other form would start with "/\\" gets 404, not a Location to another host', async () => {
    assert.deepEqual(await get('/plain'), { status: 307, location: '/plain/' });
    assert.deepEqual(await get('/\\evil.example'), { status: 404, location: undefined });
    assert.deepEqual(await get('//evil.example'), { status: 404, location: undefined });
  });

  test('the Location is the path as sent, percent-encoding kept', async () => {
    assert.deepEqual(await get('/caf%C3%A9?q=%20'), { status: 307, location: '/caf%C3%A9/?q=%20' });
    assert.deepEqual(await get('/docs/intro/'), { status: 307, location: '/docs/intro' });
  });
});

describe('WebSocket handshakes are not redirected', () => {
  // Starlette Router.app redirects only when `scope["type"] == "http"`: a WebSocket to the other
  // form is not found (loopwise answers a refused handshake with an HTTP 404).
  test('a handshake to /ws for a route /ws/ is a 404', async () => {
    const app = new App({ logger: false, openapi: false });
    app.ws('/ws/', (socket) => socket.close());
    const { port } = await app.listen({ port: 0, handleSignals: false });
    const connection = await RawConnection.open(port);
    try {
      connection.write(rawGet('/ws', 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'));
      const res = await connection.response();
      assert.equal(res?.status, 404);
      assert.equal(res?.headers.location, undefined);
    } finally {
      connection.destroy();
      await app.close();
    }
  });
});
