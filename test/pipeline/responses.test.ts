import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, HttpResponse, html, json, noContent, redirect, t, text } from '../../src/index.js';
import { RawConnection } from '../support/raw-http.js';
import { capturedLogger } from '../support/captured-logger.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const User = t.Object({ name: t.String() });

test("a returned value is sent as JSON with the route's status, content type and byte length", async () => {
  const app = new App({ logger: false });
  app.post('/items', { status: 201 }, async () => ({ name: 'café crème', price: 3.5 }));
  const res = await app.inject({ method: 'POST', url: '/items' });
  const expected = '{"name":"café crème","price":3.5}';
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(expected)));
  assert.equal(res.body, expected);
});

test('a returned value without a declared status is sent 200', async () => {
  const app = new App({ logger: false });
  app.get('/list', () => [1, 'two', { three: 3 }]);
  const res = await app.inject('/list');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.deepEqual(res.json(), [1, 'two', { three: 3 }]);
});

test('a handler returning undefined sends JSON null', async () => {
  const app = new App({ logger: false });
  app.get('/nothing', async () => undefined);
  const res = await app.inject('/nothing');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.headers['content-length'], '4');
  assert.equal(res.body, 'null');
});

test('a route with status 204 sends no body and no content type', async () => {
  const app = new App({ logger: false });
  app.delete('/items/:id', { status: 204 }, async () => undefined);
  const res = await app.inject({ method: 'DELETE', url: '/items/1' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['content-type'], undefined);
  assert.equal(res.body, '');
});

test('a response schema filters the returned value: a password field never leaves the server', async () => {
  const app = new App({ logger: false });
  app.get('/me', { response: { 200: User } }, async () => ({ name: 'ann', password: 'hunter2' }));
  const res = await app.inject('/me');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.body, '{"name":"ann"}');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength('{"name":"ann"}')));
  assert.equal(res.body.includes('password'), false);
  assert.equal(res.body.includes('hunter2'), false);
});

test('a response schema filters nested objects and array items too', async () => {
  const app = new App({ logger: false });
  const Team = t.Object({ title: t.String(), members: t.Array(User), lead: User });
  app.get('/team', { response: { 200: Team } }, async () => ({
    title: 'core',
    token: 'top-secret',
    members: [
      { name: 'ann', password: 'p1' },
      { name: 'bob', password: 'p2' },
    ],
    lead: { name: 'ann', password: 'p1' },
  }));
  const res = await app.inject('/team');
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '{"title":"core","members":[{"name":"ann"},{"name":"bob"}],"lead":{"name":"ann"}}');
  assert.equal(res.body.includes('password'), false);
  assert.equal(res.body.includes('top-secret'), false);
});

test("the schema for the status set with reply.status() is the one used", async () => {
  const app = new App({ logger: false });
  app.get(
    '/users/:id',
    { params: t.Object({ id: t.Integer() }), response: { 200: User, 404: t.Object({ detail: t.String() }) } },
    async ({ params, reply }) => {
      if (params.id !== 1) {
        reply.status(404);
        return { detail: 'User not found', name: 'leaked', password: 'leaked' };
      }
      return { name: 'ann', password: 'hunter2', detail: 'leaked' };
    },
  );
  const found = await app.inject('/users/1');
  assert.equal(found.statusCode, 200);
  assert.equal(found.body, '{"name":"ann"}');

  const missing = await app.inject('/users/2');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.headers['content-type'], JSON_TYPE);
  assert.equal(missing.body, '{"detail":"User not found"}');
});

test('a status without its own schema is a logged 500 on a route that declares responses: the password never leaves', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  const User = t.Object({ name: t.String() });
  app.post('/users', { status: 201, response: { 201: User } }, async ({ reply }) => {
    reply.status(202);
    return { name: 'ann', password: 'hunter2' };
  });
  const res = await app.inject({ method: 'POST', url: '/users' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
  assert.equal(res.body.includes('hunter2'), false);
  const errors = lines.filter((line) => line.level === 50);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.route, 'POST /users');
  assert.match(errors[0]!.err.message, /status 202, which has no response schema \(declared: 201\)/);
});

test('a returned value missing a required field of its response schema is a logged 500', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  app.get('/broken', { response: { 200: t.Object({ name: t.String(), email: t.String() }) } }, async () =>
    // The types refuse this value (email is missing); a handler built from untyped data can still return it.
    ({ name: 'ann', password: 'x' }) as unknown as { name: string; email: string },
  );
  const res = await app.inject('/broken');
  assert.equal(res.statusCode, 500);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
  assert.equal(res.body.includes('password'), false);

  const errors = lines.filter((line) => line.level === 50);
  assert.equal(errors.length, 1);
  const [logged] = errors;
  assert.equal(logged!.route, 'GET /broken');
  assert.equal(logged!.err.type, 'LoopwiseError');
  assert.equal(logged!.err.code, 'LW_ERR_RESPONSE_SERIALIZATION');
  // pino appends the cause's message after the error's own.
  assert.ok(
    logged!.err.message.startsWith(
      'LW_ERR_RESPONSE_SERIALIZATION: the value returned by GET /broken does not fit its response schema for status 200 ("email" is required!)',
    ),
    logged!.err.message,
  );
  assert.equal(typeof logged!.err.stack, 'string');
});

test('text() sends text/plain with its byte length', async () => {
  const app = new App({ logger: false });
  app.get('/hello', () => text('héllo'));
  const res = await app.inject('/hello');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['content-length'], '6');
  assert.equal(res.body, 'héllo');
});

test('html() sends text/html, with a status of its own if given', async () => {
  const app = new App({ logger: false });
  app.get('/page', () => html('<h1>Hi</h1>'));
  app.get('/teapot', () => html('<p>short and stout</p>', { status: 418 }));
  const page = await app.inject('/page');
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['content-length'], '11');
  assert.equal(page.body, '<h1>Hi</h1>');

  const teapot = await app.inject('/teapot');
  assert.equal(teapot.statusCode, 418);
  assert.equal(teapot.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(teapot.body, '<p>short and stout</p>');
});

test("json() sends its value with its own status and headers, bypassing the route's response schema", async () => {
  const app = new App({ logger: false });
  app.post('/jobs', { status: 201, response: { 201: User } }, () =>
    json({ name: 'job-1', queued: true }, { status: 202, headers: { 'x-job-id': '1', location: '/jobs/1' } }),
  );
  const res = await app.inject({ method: 'POST', url: '/jobs' });
  assert.equal(res.statusCode, 202);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.headers['x-job-id'], '1');
  assert.equal(res.headers.location, '/jobs/1');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength('{"name":"job-1","queued":true}')));
  assert.equal(res.body, '{"name":"job-1","queued":true}');
});

test('redirect() answers 307 with Location by default, or the status given, with an empty body', async () => {
  const app = new App({ logger: false });
  app.get('/old', () => redirect('/new'));
  app.get('/moved', () => redirect('https://example.com/elsewhere', 301));
  app.post('/login', () => redirect('/home', 303, { headers: { 'x-reason': 'logged-in' } }));

  const old = await app.inject('/old');
  assert.equal(old.statusCode, 307);
  assert.equal(old.headers.location, '/new');
  assert.equal(old.headers['content-length'], '0');
  assert.equal(old.headers['content-type'], undefined);
  assert.equal(old.body, '');

  const moved = await app.inject('/moved');
  assert.equal(moved.statusCode, 301);
  assert.equal(moved.headers.location, 'https://example.com/elsewhere');
  assert.equal(moved.body, '');

  const login = await app.inject({ method: 'POST', url: '/login' });
  assert.equal(login.statusCode, 303);
  assert.equal(login.headers.location, '/home');
  assert.equal(login.headers['x-reason'], 'logged-in');
  assert.equal(login.body, '');
});

test('noContent() answers 204 with an empty body and no content type', async () => {
  const app = new App({ logger: false });
  app.delete('/items/:id', () => noContent());
  const res = await app.inject({ method: 'DELETE', url: '/items/7' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['content-type'], undefined);
  assert.equal(res.body, '');
});

test('an HttpResponse is written as built, with a Buffer body', async () => {
  const app = new App({ logger: false });
  app.get('/bytes', () => new HttpResponse(Buffer.from([1, 2, 3]), { status: 200, headers: { 'content-type': 'application/octet-stream' } }));
  const res = await app.inject('/bytes');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  assert.equal(res.headers['content-length'], '3');
  assert.equal(res.body, '\u0001\u0002\u0003');
});

test('reply.status() and reply.header() change the status and add headers to a returned value', async () => {
  const app = new App({ logger: false });
  app.post('/things', async ({ reply }) => {
    reply.status(202).header('X-Request-Id', 'abc-123').header('cache-control', 'no-store');
    return { accepted: true };
  });
  const res = await app.inject({ method: 'POST', url: '/things' });
  assert.equal(res.statusCode, 202);
  assert.equal(res.headers['x-request-id'], 'abc-123');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.headers['content-length'], '17');
  assert.deepEqual(res.json(), { accepted: true });
});

test('reply.cookie() sets cookies with Path=/ and SameSite=Lax, one Set-Cookie line each', async () => {
  const app = new App({ logger: false });
  app.post('/login', async ({ reply }) => {
    reply.cookie('session', 'abc123');
    reply.cookie('theme', 'dark', { httpOnly: true, secure: true, maxAge: 3600 });
    reply.cookie('scoped', 'v', { path: '/admin', sameSite: 'strict' });
    return { ok: true };
  });
  const res = await app.inject({ method: 'POST', url: '/login' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.headers['set-cookie'], [
    'session=abc123; Path=/; SameSite=Lax',
    'theme=dark; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax',
    'scoped=v; Path=/admin; SameSite=Strict',
  ]);
  assert.deepEqual(res.json(), { ok: true });
});

test('reply.clearCookie() expires the cookie on the same path', async () => {
  const app = new App({ logger: false });
  app.post('/logout', async ({ reply }) => {
    reply.clearCookie('session');
    return { ok: true };
  });
  const res = await app.inject({ method: 'POST', url: '/logout' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.headers['set-cookie'], ['session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax']);
  assert.deepEqual(res.json(), { ok: true });
});

test("the reply's cookies and headers are kept when the handler returns an HttpResponse", async () => {
  const app = new App({ logger: false });
  app.get('/welcome', async ({ reply }) => {
    reply.cookie('session', 'abc123').header('x-trace', 't-1').header('content-type', 'text/plain');
    return html('<p>welcome</p>', { headers: { 'set-cookie': 'seen=1; Path=/' } });
  });
  app.get('/bye', async ({ reply }) => {
    reply.cookie('session', 'gone');
    return redirect('/');
  });

  const welcome = await app.inject('/welcome');
  assert.equal(welcome.statusCode, 200);
  assert.equal(welcome.headers['x-trace'], 't-1');
  // The response's own content type wins over the reply's.
  assert.equal(welcome.headers['content-type'], 'text/html; charset=utf-8');
  assert.deepEqual(welcome.headers['set-cookie'], ['session=abc123; Path=/; SameSite=Lax', 'seen=1; Path=/']);
  assert.equal(welcome.body, '<p>welcome</p>');

  const bye = await app.inject('/bye');
  assert.equal(bye.statusCode, 307);
  assert.equal(bye.headers.location, '/');
  assert.deepEqual(bye.headers['set-cookie'], ['session=gone; Path=/; SameSite=Lax']);
  assert.equal(bye.body, '');
});

test('status 205 (Reset Content) sends no body and Content-Length: 0, as FastAPI does (RFC 9110), whatever the handler gave, on a real socket', async () => {
  const app = new App({ logger: false });
  app.post('/form', { status: 205 }, async () => ({ cleared: true }));
  app.get('/json', async () => json({ cleared: true }, { status: 205 }));
  app.get('/text', async () => text('reset', { status: 205 }));
  app.get('/exception', async () => {
    throw new HTTPException(205, 'reset');
  });
  const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
  const connection = await RawConnection.open(port);
  try {
    for (const [method, path] of [['POST', '/form'], ['GET', '/json'], ['GET', '/text'], ['GET', '/exception'], ['HEAD', '/json']] as const) {
      connection.write(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n`);
      const answer = await connection.response(5_000, { head: method === 'HEAD' });
      assert.equal(answer?.status, 205, `${method} ${path}`);
      assert.equal(answer!.headers['content-length'], '0', `${method} ${path}: ${answer!.raw}`);
      assert.equal(answer!.headers['transfer-encoding'], undefined, `${method} ${path}`);
      assert.equal(answer!.body, '', `${method} ${path}`);
    }
  } finally {
    connection.destroy();
    await app.close();
  }
});
