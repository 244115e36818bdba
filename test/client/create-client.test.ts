// The typed client against a real server: the shop app listens on 127.0.0.1 and every call goes
// through fetch and a socket. The calls' types are checked by tsc here too (data read without
// casts), and in depth by test/types/client.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, createClient, t } from '../../src/index.js';
import { app } from './fixtures/shop-app.js';

describe('createClient against a listening app', () => {
  let url = '';
  let api: ReturnType<typeof createClient<typeof app>>;

  before(async () => {
    ({ url } = await app.listen({ port: 0, host: '127.0.0.1', handleSignals: false }));
    api = createClient<typeof app>(url);
  });

  after(async () => {
    await app.close();
  });

  test('GET with a path parameter: 200 and the item, typed after narrowing by status', async () => {
    const res = await api.get('/items/:id', { params: { id: 7 } });
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    if (res.status !== 200) throw new Error('unreachable');
    assert.deepEqual(res.data, { id: 7, name: 'Hammer', price: 9.5, tags: ['tools'] });
    assert.equal(res.data.name.toUpperCase(), 'HAMMER');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok(res.response instanceof Response);
    assert.equal(res.response.url, `${url}/items/7`);
  });

  test('query: defaults left to the server, arrays as repeated keys, characters that need encoding', async () => {
    const plain = await api.get('/items');
    assert.equal(plain.status, 200);
    if (plain.status === 200) assert.deepEqual(plain.data, { tag: [], limit: 10, items: [plain.data.items[0]!] });

    const one = await api.get('/items', { query: { q: 'Ham', tag: ['tools'], limit: 5 } });
    assert.equal(one.status, 200);
    if (one.status === 200) {
      assert.deepEqual([one.data.q, one.data.tag, one.data.limit, one.data.items.map((item) => item.id)], ['Ham', ['tools'], 5, [7]]);
    }

    // The raw query of a route that declares none: each value must arrive exactly as sent.
    const odd = ['a b', 'x&y=z', '100%', 'ü/é?#', '+plus'];
    const echo = await api.get('/echo/:word', { params: { word: 'hé llo/?#' }, query: { s: odd, one: 'single', n: 3, yes: true, skip: undefined } });
    assert.equal(echo.status, 200);
    assert.deepEqual(echo.data, { word: 'hé llo/?#', query: { s: odd, one: 'single', n: '3', yes: 'true' } });
    assert.equal(new URL(echo.response.url).pathname, '/echo/h%C3%A9%20llo%2F%3F%23');
  });

  test('POST a JSON body: 201 with the created item; a default-valued field left out is filled in', async () => {
    const res = await api.post('/items', { body: { name: 'Saw', price: 12.5 } });
    assert.equal(res.status, 201);
    if (res.status !== 201) throw new Error('unreachable');
    assert.equal(typeof res.data.id, 'number');
    assert.deepEqual(res.data, { id: res.data.id, name: 'Saw', price: 12.5, tags: [] });
    const again = await api.get('/items/:id', { params: { id: res.data.id } });
    assert.equal(again.status, 200);
  });

  test("404: HTTPException's detail, typed by the route's 404 schema", async () => {
    const res = await api.get('/items/:id', { params: { id: 404 } });
    assert.equal(res.status, 404);
    assert.equal(res.ok, false);
    if (res.status === 404) assert.equal(res.data.detail, 'Item not found');
  });

  test("422: FastAPI's validation error shape, for a bad path parameter and a bad body", async () => {
    const path = await api.get('/items/:id', { params: { id: 0 } });
    assert.equal(path.status, 422);
    if (path.status !== 422) throw new Error('unreachable');
    assert.deepEqual(path.data.detail.map(({ type, loc, input }) => ({ type, loc, input })), [{ type: 'greater_than_equal', loc: ['path', 'id'], input: '0' }]);

    // A body the types accept but the schema's limits (minLength, minimum) reject.
    const body = await api.post('/items', { body: { name: '', price: -1 } });
    assert.equal(body.status, 422);
    if (body.status === 422) {
      assert.deepEqual(body.data.detail.map((issue) => issue.loc).sort(), [['body', 'name'], ['body', 'price']]);
      assert.ok(body.data.detail.every((issue) => typeof issue.msg === 'string'));
    }
  });

  test('204: no body, data undefined', async () => {
    const created = await api.post('/items', { body: { name: 'Drill', price: 80, tags: ['power'] } });
    assert.equal(created.status, 201);
    if (created.status !== 201) throw new Error('unreachable');
    const res = await api.delete('/items/:id', { params: { id: created.data.id } });
    assert.equal(res.status, 204);
    assert.equal(res.data, undefined);
    const gone = await api.delete('/items/:id', { params: { id: created.data.id } });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.data, { detail: 'Item not found' });
  });

  test("headers: the route's declared ones, extra ones, and the client's defaults (a function per request)", async () => {
    let calls = 0;
    const withDefaults = createClient<typeof app>(`${url}/`, {
      headers: () => {
        calls++;
        return { 'x-client': 'shop-ui', 'x-token': 'from-defaults' };
      },
    });
    const res = await withDefaults.post('/headers', { headers: { 'x-token': 'secret', 'x-trace': 'abc' }, body: { note: 'hi' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { token: 'secret', trace: 'abc', client: 'shop-ui', note: 'hi' });
    assert.equal(calls, 1);

    // The route validates its headers: without x-token the server answers 422 (loc header).
    const missing = await api.post('/headers', { headers: { 'x-token': undefined as unknown as string } });
    assert.equal(missing.status, 422);
    if (missing.status === 422) assert.deepEqual(missing.data.detail[0]!.loc, ['header', 'x-token']);

    const me = await api.get('/v1/users/me', { headers: { 'x-user': 'ada' } });
    assert.deepEqual([me.status, me.data], [200, { id: 0, name: 'ada' }]);
  });

  test('cookies: sent as one cookie header, values encoded; the server fills in a default', async () => {
    const res = await api.get('/prefs', { cookies: { theme: 'dark; mode', lang: 'fr' } });
    assert.deepEqual([res.status, res.data], [200, { theme: 'dark; mode', lang: 'fr' }]);
    const none = await api.get('/prefs');
    assert.deepEqual([none.status, none.data], [200, { theme: 'light' }]);
  });

  test('a regex parameter, under a router prefix and an include prefix', async () => {
    const res = await api.get('/v1/users/:userId(^\\d+)', { params: { userId: 42 } });
    assert.equal(res.status, 200);
    if (res.status === 200) assert.deepEqual(res.data, { id: 42, name: 'user 42' });
    // A value the regex rejects does not match the route: 404, an undeclared status.
    const other = await api.get('/v1/users/:userId(^\\d+)', { params: { userId: 'abc' as unknown as number } });
    assert.equal(other.status, 404);
    assert.deepEqual(other.data, { detail: 'Not Found' });
  });

  test('a wildcard keeps its "/" and encodes the rest; a text response is read as text', async () => {
    const file = await api.get('/files/*', { params: { '*': 'docs/a b/ü.txt' } });
    assert.deepEqual([file.status, file.data], [200, { path: 'docs/a b/ü.txt' }]);
    assert.equal(new URL(file.response.url).pathname, '/files/docs/a%20b/%C3%BC.txt');

    const words = await api.get('/text');
    assert.deepEqual([words.status, words.data], [200, 'plain words']);
  });

  test('a custom fetch sees each request; a missing path parameter throws before any request', async () => {
    const seen: string[] = [];
    const logged = createClient<typeof app>(url, {
      fetch: (input, init) => {
        seen.push(`${init.method} ${input.slice(url.length)} ${new Headers(init.headers).get('content-type')}`);
        return fetch(input, init);
      },
    });
    await logged.post('/items', { body: { name: 'Tape', price: 2 } });
    await logged.get('/items', { query: { tag: [] } });
    assert.deepEqual(seen, ['POST /items application/json', 'GET /items null']);
    await assert.rejects(() => logged.get('/items/:id', { params: {} as { id: number } }), /needs a value for the parameter "id"/);
    assert.equal(seen.length, 2);
  });

  test('HEAD, for a GET route, answers without a body; an aborted call and an unreachable server reject', async () => {
    const head = await api.head('/items', { query: { limit: 1 } });
    assert.equal(head.status, 200);
    assert.equal(head.data, undefined);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(() => api.get('/text', { signal: controller.signal }), { name: 'AbortError' });
    const closed = createClient<typeof app>('http://127.0.0.1:9');
    await assert.rejects(() => closed.get('/text'));
    assert.throws(() => createClient<typeof app>('127.0.0.1:8000'), /base URL/);
  });
});

describe('createClient with a body of named parts', () => {
  // FastAPI's several body parameters (docs_src/body_multiple_params/tutorial003): one JSON object, a key per part.
  const Item = t.Object({ name: t.String(), price: t.Number() });
  const partsApp = new App({ logger: false }).put(
    '/items/:id',
    { params: t.Object({ id: t.Integer() }), body: { item: Item, user: t.Object({ username: t.String() }), importance: t.Integer() } },
    ({ params, body }) => ({ id: params.id, ...body }),
  );
  let parts: ReturnType<typeof createClient<typeof partsApp>>;

  before(async () => {
    const { url } = await partsApp.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    parts = createClient<typeof partsApp>(url);
  });

  after(async () => {
    await partsApp.close();
  });

  test('sends the parts as one JSON object; a missing part is a 422 at ["body", name]', async () => {
    const body = { item: { name: 'Saw', price: 12.5 }, user: { username: 'ada' }, importance: 2 };
    const res = await parts.put('/items/:id', { params: { id: 5 }, body });
    assert.deepEqual([res.status, res.data], [200, { id: 5, ...body }]);
    const missing = await parts.put('/items/:id', { params: { id: 5 }, body: { item: body.item, importance: 2 } as typeof body });
    assert.equal(missing.status, 422);
    if (missing.status === 422) assert.deepEqual(missing.data.detail, [{ type: 'missing', loc: ['body', 'user'], msg: 'Field required', input: null }]);
  });
});
