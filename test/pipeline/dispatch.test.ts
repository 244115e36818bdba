// The dispatcher's lookup (src/pipeline/dispatch.ts): a path sent exactly as a static route's is
// found in a Map before the radix tree; everything else goes to the tree. On Bun, Bun's own router
// matches the paths src/pipeline/exact-routes.ts allows before either. All must give the same
// route, query string and misses, whichever way a request came. Real sockets, on Node and on Bun.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { request } from '../support/http.js';

const app = new App({ logger: false });
app.get('/items', { query: t.Object({ q: t.Optional(t.String()) }) }, ({ query }) => ({ route: 'static /items', q: query.q ?? null }));
app.get('/items/me', () => ({ route: 'static /items/me' }));
app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ route: 'param /items/:id', id: params.id }));
app.post('/items', () => ({ route: 'POST /items' }));
app.get('/a+b', () => ({ route: 'static /a+b' }));
// What a handler can tell of its params object: the same for a static route (Map) as for a parametric one (tree).
app.get('/shape', ({ params }) => ({ keys: Object.keys(params), inherits: 'toString' in params }));
app.get('/shape/:id', ({ params }) => ({ keys: Object.keys(params), inherits: 'toString' in params }));
app.get('/tags/:tag', { query: t.Object({ n: t.Optional(t.Integer()) }) }, ({ params, query }) => ({ tag: params.tag, n: query.n ?? null }));

let port = 0;
before(async () => {
  ({ port } = await app.listen({ port: 0, handleSignals: false }));
});
after(() => app.close());

test('a static path sent as registered is its route, with the raw query string after it', async () => {
  assert.deepEqual((await request(port, '/items')).json(), { route: 'static /items', q: null });
  assert.deepEqual((await request(port, '/items?q=hat')).json(), { route: 'static /items', q: 'hat' });
  assert.deepEqual((await request(port, '/items?')).json(), { route: 'static /items', q: null });
  assert.deepEqual((await request(port, '/items?q=a%20b&q2=')).json(), { route: 'static /items', q: 'a b' });
  assert.deepEqual((await request(port, '/a+b')).json(), { route: 'static /a+b' });
});

test('a static route’s params are shaped as the tree’s: no keys, nothing inherited', async () => {
  assert.deepEqual((await request(port, '/shape')).json(), { keys: [], inherits: false });
  assert.deepEqual((await request(port, '/shape/7')).json(), { keys: ['id'], inherits: false });
});

test('a static route wins over a parametric one that also matches, as in the tree', async () => {
  assert.deepEqual((await request(port, '/items/me')).json(), { route: 'static /items/me' });
  assert.deepEqual((await request(port, '/items/42')).json(), { route: 'param /items/:id', id: 42 });
});

test('a path the Map does not hold as sent (escapes, a trailing slash, another method) is the tree’s to answer', async () => {
  // Percent-escapes are decoded by the tree, which finds the same static route.
  assert.deepEqual((await request(port, '/it%65ms?q=x')).json(), { route: 'static /items', q: 'x' });
  assert.deepEqual((await request(port, '/items/m%65')).json(), { route: 'static /items/me' });
  // A trailing slash is another path: Starlette's redirect, not the route.
  const slash = await request(port, '/items/');
  assert.equal(slash.status, 307);
  assert.equal(slash.headers.location, '/items');
  assert.deepEqual((await request(port, '/items', { method: 'POST' })).json(), { route: 'POST /items' });
  const wrongMethod = await request(port, '/items/me', { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.allow, 'GET, HEAD');
  const head = await request(port, '/items', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers['content-length'], String(JSON.stringify({ route: 'static /items', q: null }).length));
  assert.equal((await request(port, '/ITEMS')).status, 404, 'paths are case-sensitive');
});

test('a parametric match is the tree’s answer however the path is escaped: decoded once, refused when it cannot be, limited in length', async () => {
  const tag = async (path: string): Promise<unknown> => (await request(port, path)).json();
  assert.deepEqual(await tag('/tags/a%20b?n=3'), { tag: 'a b', n: 3 });
  assert.deepEqual(await tag('/tags/a%2Fb'), { tag: 'a/b', n: null });
  assert.deepEqual(await tag('/tags/caf%C3%A9'), { tag: 'café', n: null });
  assert.deepEqual(await tag('/tags/a+b'), { tag: 'a+b', n: null });
  // An escape that does not decode is the tree's 400, wherever it is.
  for (const path of ['/tags/%ZZ', '/tags/%', '/tags/x%2', '/tags/%C0%AF', '/items/%E0%A4%A']) {
    const bad = await request(port, path);
    assert.equal(bad.status, 400, path);
    assert.deepEqual(bad.json(), { detail: 'Bad Request: the URL is not valid percent-encoding' });
  }
  // Decoded once: '%2525' is '%25', not '%'.
  const once = await request(port, '/tags/%2525');
  assert.equal(once.status, 200);
  assert.deepEqual(once.json(), { tag: '%25', n: null });
  const long = await request(port, `/tags/${'x'.repeat(101)}`);
  assert.equal(long.status, 414);
  assert.equal((await request(port, `/tags/${'x'.repeat(100)}`)).status, 200);
  const head = await request(port, '/tags/hat', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal((await request(port, '/tags/hat', { method: 'PUT' })).headers.allow, 'GET, HEAD');
  assert.equal((await request(port, '/tags/')).status, 404, 'an empty parameter is no match');
});
