// The typed client against apps written statement by statement (route values added with add()),
// and against one spread over Routers (included and mounted), each listening on 127.0.0.1: every
// call goes through fetch and a socket, typed without casts. The OAuth2 token route gets its form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/index.js';
import { app, routerApp } from './fixtures/notes-app.js';

describe('createClient: a statement-style app (route values, one add() call)', () => {
  let api: ReturnType<typeof createClient<typeof app>>;

  before(async () => {
    const { url } = await app.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    api = createClient<typeof app>(url);
  });

  after(() => app.close());

  test('the OAuth2 token route: the client sends a form, 200 with the token; a wrong password is the 400 it declares', async () => {
    const res = await api.post('/token', { form: { username: 'ada', password: 'secret' } });
    assert.equal(res.status, 200);
    if (res.status !== 200) throw new Error('unreachable');
    assert.deepEqual(res.data, { access_token: 'token-of-ada', token_type: 'bearer' });

    const wrong = await api.post('/token', { form: { username: 'ada', password: 'nope', scope: 'notes:read notes:write' } });
    assert.equal(wrong.status, 400);
    if (wrong.status === 400) assert.equal(wrong.data.detail, 'Incorrect username or password');

    // The encoded body as it is, for what `form` does not cover (files: FormData).
    const encoded = await api.post('/token', { body: new URLSearchParams({ username: 'bob', password: 'secret' }) });
    assert.deepEqual([encoded.status, encoded.data], [200, { access_token: 'token-of-bob', token_type: 'bearer' }]);

    const me = await api.get('/me', { headers: { authorization: `Bearer ${res.data.access_token}` } });
    assert.deepEqual([me.status, me.data], [200, { token: 'token-of-ada' }]);
    const anonymous = await api.get('/me');
    assert.equal(anonymous.status, 401);
  });

  test('params and narrowing by status: 200 with the note, 404 with its detail, 422 for a bad id', async () => {
    const found = await api.get('/notes/:id', { params: { id: 1 } });
    assert.equal(found.status, 200);
    if (found.status === 200) assert.equal(found.data.title.toUpperCase(), 'FIRST');
    const missing = await api.get('/notes/:id', { params: { id: 999 } });
    assert.equal(missing.status, 404);
    if (missing.status === 404) assert.equal(missing.data.detail, 'Note not found');
    const invalid = await api.get('/notes/:id', { params: { id: 'x' as unknown as number } });
    assert.equal(invalid.status, 422);
    if (invalid.status === 422) assert.deepEqual(invalid.data.detail[0]!.loc, ['path', 'id']);
  });

  test("query: the route's own and its dependency's (limit, offset), defaults left to the server", async () => {
    const all = await api.get('/notes');
    assert.equal(all.status, 200);
    if (all.status === 200) assert.deepEqual(all.data.map((note) => note.id), [1]);
    const none = await api.get('/notes', { query: { q: 'First', offset: 1 } });
    assert.deepEqual([none.status, none.data], [200, []]);
    const bad = await api.get('/notes', { query: { limit: 0 } });
    assert.equal(bad.status, 422);
    if (bad.status === 422) assert.deepEqual(bad.data.detail[0]!.loc, ['query', 'limit']);
  });

  test("body, and a header a dependency requires: 201; without the header the server's 422", async () => {
    const created = await api.post('/notes', { headers: { 'x-tenant': 'acme' }, body: { title: 'Second' } });
    assert.equal(created.status, 201);
    if (created.status !== 201) throw new Error('unreachable');
    assert.deepEqual(created.data, { id: created.data.id, title: 'Second', body: '' });
    const gone = await api.delete('/notes/:id', { params: { id: created.data.id } });
    assert.deepEqual([gone.status, gone.data], [204, undefined]);

    const noTenant = await api.post('/notes', { headers: {} as { 'x-tenant': string }, body: { title: 'Third' } });
    assert.equal(noTenant.status, 422);
    if (noTenant.status === 422) assert.deepEqual(noTenant.data.detail[0]!.loc, ['header', 'x-tenant']);
  });
});

describe('createClient: an app of Routers (included under a prefix, mounted)', () => {
  let api: ReturnType<typeof createClient<typeof routerApp>>;

  before(async () => {
    const { url } = await routerApp.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    api = createClient<typeof routerApp>(url);
  });

  after(() => routerApp.close());

  test("an included router's routes under both prefixes, its dependency's query typed", async () => {
    const list = await api.get('/v1/notes/', { query: { limit: 1 } });
    assert.equal(list.status, 200);
    if (list.status === 200) assert.deepEqual(list.data.map((note) => note.id), [1]);
    const one = await api.get('/v1/notes/:id', { params: { id: 1 } });
    assert.equal(one.status, 200);
    if (one.status === 200) assert.equal(one.data.body, 'hello');
  });

  test("a mounted router's routes under the mount's prefix", async () => {
    const stats = await api.get('/admin/stats');
    assert.equal(stats.status, 200);
    if (stats.status === 200) assert.equal(typeof stats.data.notes, 'number');
  });

  test('the token route, added to this app too, takes its form', async () => {
    const res = await api.post('/token', { form: { username: 'ada', password: 'secret' } });
    assert.deepEqual([res.status, res.data], [200, { access_token: 'token-of-ada', token_type: 'bearer' }]);
  });
});
