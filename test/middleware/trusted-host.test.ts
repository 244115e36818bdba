// trustedHost(): a Host header not listed is 400 {"detail":"Invalid host header"} (Starlette's
// TrustedHostMiddleware), listed names and subdomain patterns pass, www redirects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopwiseError, trustedHost } from '../../src/index.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';
import { startEdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection } from '../support/raw-http.js';

const app = quietApp();
app.use(trustedHost({ allowedHosts: ['example.com', '*.example.com', 'www.shop.test', '127.0.0.1'] }));
let served = 0;
app.get('/', () => {
  served += 1;
  return { ok: true };
});

const noRedirect = quietApp();
noRedirect.use(trustedHost({ allowedHosts: ['www.shop.test'], wwwRedirect: false }));
noRedirect.get('/', () => ({ ok: true }));

const anyHost = quietApp();
anyHost.use(trustedHost({ allowedHosts: ['*'] }));
anyHost.get('/', () => ({ ok: true }));

let port = 0;
let noRedirectPort = 0;
let anyPort = 0;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  for (const [which, target] of [['main', app], ['noRedirect', noRedirect], ['any', anyHost]] as const) {
    const server = await serveApp(target);
    closers.push(server.close);
    if (which === 'main') port = server.port;
    else if (which === 'noRedirect') noRedirectPort = server.port;
    else anyPort = server.port;
  }
});
after(() => Promise.all(closers.map((close) => close())));

const withHost = (host: string, path = '/', to = port) => request(to, path, { headers: { host } });

test('listed hosts and subdomains of a *. pattern are served, with or without a port, in any case', async () => {
  for (const host of ['example.com', 'EXAMPLE.com:8080', 'api.example.com', 'a.b.example.com', 'example.com.', `127.0.0.1:${port}`]) {
    const res = await withHost(host);
    assert.equal(res.status, 200, host);
    assert.deepEqual(JSON.parse(res.text), { ok: true });
  }
});

test('any other Host is 400 {"detail":"Invalid host header"}, and the route never runs', async () => {
  const before = served;
  for (const host of ['evil.com', 'example.com.evil.com', 'notexample.com', 'localhost', 'example.com:abc', 'exa mple.com', '[::1]:80']) {
    const res = await withHost(host);
    assert.equal(res.status, 400, host);
    assert.deepEqual(JSON.parse(res.text), { detail: 'Invalid host header' });
    assert.match(String(res.headers['content-type']), /^application\/json/);
  }
  assert.equal(served, before);
});

test('a request for shop.test, when only www.shop.test is allowed, is redirected there (307) unless wwwRedirect is false', async () => {
  const res = await withHost('shop.test:8000', '/items?q=1');
  assert.equal(res.status, 307);
  assert.equal(res.headers.location, 'http://www.shop.test:8000/items?q=1');
  const refused = await withHost('shop.test', '/', noRedirectPort);
  assert.equal(refused.status, 400);
});

test("'*' allows any host", async () => {
  assert.equal((await withHost('anything.invalid', '/', anyPort)).status, 200);
});

test('patterns other than a leading "*." are refused when the middleware is made', () => {
  assert.throws(() => trustedHost({ allowedHosts: ['api.*.example.com'] }), LoopwiseError);
  assert.throws(() => trustedHost({ allowedHosts: [] }), /allowedHosts/);
});

test('an absolute-form request (GET http://example.com/x) is redirected to its path on www, over a real socket; the same process serves on', async (t) => {
  const edges = await startEdgeCasesApp();
  t.after(() => edges.kill());
  const pid = await edges.servedPid();
  const cases: [string, string][] = [
    ['http://example.com/items?q=1', 'http://www.example.com/items?q=1'],
    ['http://example.com', 'http://www.example.com/'],
    ['http://example.com?q=1', 'http://www.example.com/?q=1'],
    ['/items', 'http://www.example.com/items'],
  ];
  for (const [target, location] of cases) {
    const connection = await RawConnection.open(edges.port);
    try {
      connection.write(`GET ${target} HTTP/1.1\r\nHost: example.com\r\n\r\n`);
      const response = await connection.response();
      assert.equal(response?.status, 307, target);
      assert.equal(response!.headers.location, location, target);
    } finally {
      connection.destroy();
    }
  }
  assert.equal(await edges.servedPid(), pid);
});
