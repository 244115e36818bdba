// app.testClient(): requests in memory with default headers and a cookie jar kept across calls,
// redirects followed, every verb, and the app's lifespan started and ended as FastAPI's
// `with TestClient(app):` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, redirect, t } from '../../src/index.js';

function sessionApp(): App {
  const app = new App({ logger: false });
  app.post('/login', { consumes: ['application/x-www-form-urlencoded'], body: t.Object({ username: t.String() }) }, ({ body, reply }) => {
    reply.cookie('session', `s-${body.username}`, { path: '/', httpOnly: true });
    reply.cookie('admin', 'yes', { path: '/admin' });
    return { ok: true };
  });
  app.post('/logout', {}, ({ reply }) => {
    reply.clearCookie('session', { path: '/' });
    return { ok: true };
  });
  app.get('/me', {}, ({ cookies, headers }) => ({ cookies, agent: headers['user-agent'] ?? null, token: headers['x-token'] ?? null }));
  app.get('/admin/panel', {}, ({ cookies }) => ({ cookies }));
  return app;
}

test('cookies the app sets are sent back on the next calls, and inspectable on client.cookies', async () => {
  const client = sessionApp().testClient();
  const login = await client.post('/login', { form: { username: 'ada' } });
  assert.equal(login.statusCode, 200, login.body);
  assert.deepEqual(client.cookies.toObject(), { admin: 'yes', session: 's-ada' });
  assert.equal(client.cookies.get('session'), 's-ada');
  assert.deepEqual((await client.get('/me')).json().cookies, { session: 's-ada' }); // /admin's cookie stays under /admin
  assert.deepEqual((await client.get('/admin/panel')).json().cookies, { admin: 'yes', session: 's-ada' });
});

test('a cleared cookie (Max-Age=0, Expires in the past) leaves the jar and is no longer sent', async () => {
  const client = sessionApp().testClient();
  await client.post('/login', { form: { username: 'ada' } });
  const logout = await client.post('/logout');
  assert.deepEqual(logout.headers['set-cookie'], ['session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax']);
  assert.equal(client.cookies.has('session'), false);
  assert.deepEqual((await client.get('/me')).json().cookies, {});
});

test('cookies set by hand, given at creation or for one request; a Cookie header given replaces the jar’s', async () => {
  const client = sessionApp().testClient({ cookies: { session: 'made-up' } });
  assert.deepEqual((await client.get('/me')).json().cookies, { session: 'made-up' });
  client.cookies.set('theme', 'dark');
  assert.deepEqual((await client.get('/me', { cookies: { lang: 'fr' } })).json().cookies, { session: 'made-up', theme: 'dark', lang: 'fr' });
  assert.deepEqual(client.cookies.toObject(), { session: 'made-up', theme: 'dark' }); // a request's own cookies are not kept
  assert.deepEqual((await client.get('/me', { headers: { Cookie: 'only=this' } })).json().cookies, { only: 'this' });
  client.cookies.clear();
  assert.deepEqual((await client.get('/me')).json().cookies, {});
});

test('default headers go with every request; a request’s own header wins; client.headers can change between calls', async () => {
  const client = sessionApp().testClient({ headers: { 'User-Agent': 'tests', 'X-Token': 'default' } });
  assert.deepEqual({ ...client.headers }, { 'user-agent': 'tests', 'x-token': 'default' }); // names lower-cased
  const first = (await client.get('/me')).json();
  assert.deepEqual([first.agent, first.token], ['tests', 'default']);
  const own = (await client.get('/me', { headers: { 'x-token': 'mine' } })).json();
  assert.deepEqual([own.agent, own.token], ['tests', 'mine']);
  client.headers['x-token'] = 'changed';
  assert.equal((await client.get('/me')).json().token, 'changed');
  delete client.headers['x-token'];
  assert.equal((await client.get('/me')).json().token, null);
});

test('every verb, with the body options and query of inject()', async () => {
  const app = new App({ logger: false });
  app.route(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/echo', {}, ({ request, query }) => ({ method: request.method, query }));
  app.put('/items/:id', { body: t.Object({ name: t.String() }) }, ({ params, body }) => ({ id: params.id, ...body }));
  const client = app.testClient();
  for (const verb of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
    const res = await client[verb]('/echo', { query: { q: 'x' } });
    assert.deepEqual(res.json(), { method: verb.toUpperCase(), query: { q: 'x' } }, verb);
  }
  const head = await client.head('/echo');
  assert.deepEqual([head.statusCode, head.body], [200, '']);
  assert.deepEqual((await client.put('/items/7', { json: { name: 'pen' } })).json(), { id: '7', name: 'pen' });
  assert.deepEqual((await client.request('PATCH', '/echo')).json(), { method: 'PATCH', query: {} });
});

test('redirects to the app’s own paths are followed (307 keeps the method and body, 303 turns into a GET); followRedirects: false stops', async () => {
  const app = new App({ logger: false });
  app.get('/items/', () => ({ at: '/items/' }));
  app.post('/old', () => redirect('/new?kept=1', 307));
  app.post('/new', { body: t.Object({ name: t.String() }) }, ({ body, query }) => ({ at: '/new', body, query }));
  app.post('/form', () => redirect('/done', 303));
  app.get('/done', ({ request }) => ({ at: '/done', method: request.method }));
  app.get('/away', () => redirect('https://example.com/elsewhere'));
  app.get('/loop', () => redirect('/loop'));
  const client = app.testClient();

  const slash = await client.get('/items'); // redirect_slashes: 307 to /items/
  assert.deepEqual([slash.statusCode, slash.json()], [200, { at: '/items/' }]);
  assert.deepEqual((await client.post('/old', { json: { name: 'pen' } })).json(), { at: '/new', body: { name: 'pen' }, query: { kept: '1' } });
  assert.deepEqual((await client.post('/form', { form: { a: '1' } })).json(), { at: '/done', method: 'GET' });
  const away = await client.get('/away');
  assert.deepEqual([away.statusCode, away.headers.location], [307, 'https://example.com/elsewhere']);
  const kept = await client.get('/items', { followRedirects: false });
  assert.deepEqual([kept.statusCode, kept.headers.location], [307, '/items/']);
  assert.deepEqual((await app.testClient({ followRedirects: false }).get('/items')).statusCode, 307);
  await assert.rejects(client.get('/loop'), { message: 'GET /loop: more than 20 redirects (the last to /loop)' });
});

test('cookies set on a redirect are kept and sent to where it leads', async () => {
  const app = new App({ logger: false });
  app.post('/login', ({ reply }) => {
    reply.cookie('session', 'abc', { path: '/' });
    return redirect('/home', 303);
  });
  app.get('/home', ({ cookies }) => ({ cookies }));
  const client = app.testClient();
  assert.deepEqual((await client.post('/login')).json(), { cookies: { session: 'abc' } });
});

function lifespanApp(events: string[]): App {
  const app = new App({
    logger: false,
    lifespan: async function* (app) {
      events.push('setup');
      yield { greeting: 'hello' };
      events.push('teardown');
    },
  });
  app.get('/state', {}, ({ request }) => ({ greeting: (app.state as { greeting?: string }).greeting ?? null, url: request.url }));
  return app;
}

test('the first request runs the lifespan’s setup; close() runs its teardown, as leaving `with TestClient(app):`', async () => {
  const events: string[] = [];
  const client = lifespanApp(events).testClient();
  assert.deepEqual(events, []);
  assert.deepEqual((await client.get('/state')).json(), { greeting: 'hello', url: '/state' });
  await client.get('/state');
  assert.deepEqual(events, ['setup']);
  await client.close();
  assert.deepEqual(events, ['setup', 'teardown']);
});

test('clients of one app share it: closing one closes the app for all; the next request from another starts it again', async () => {
  const events: string[] = [];
  const app = lifespanApp(events);
  const alice = app.testClient();
  const bob = app.testClient();
  await alice.get('/state');
  await bob.get('/state');
  assert.deepEqual(events, ['setup'], 'one lifespan for both');
  await alice.close();
  assert.deepEqual(events, ['setup', 'teardown']);
  assert.deepEqual((await bob.get('/state')).json(), { greeting: 'hello', url: '/state' });
  assert.deepEqual(events, ['setup', 'teardown', 'setup'], 'a fresh lifespan');
  await bob.close();
  assert.deepEqual(events, ['setup', 'teardown', 'setup', 'teardown']);
});

test('start() runs the setup before any request, and a failing setup rejects it with LW_ERR_STARTUP', async () => {
  const events: string[] = [];
  const client = lifespanApp(events).testClient();
  await client.start();
  assert.deepEqual(events, ['setup']);
  await client.close();

  const broken = new App({
    logger: false,
    lifespan: async function* () {
      throw new Error('no database');
    },
  });
  broken.get('/', () => ({}));
  await assert.rejects(broken.testClient().start(), {
    code: 'LW_ERR_STARTUP',
    message: 'LW_ERR_STARTUP: startup failed in the lifespan: no database. The app did not start.',
  });
});
