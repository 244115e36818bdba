import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, RequestValidationError, html, json, t } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request } from '../support/http.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const INTERNAL = { detail: 'Internal Server Error' };

class DomainError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}
class NotFoundError extends DomainError {}
class UserNotFoundError extends NotFoundError {}
class ConflictError extends DomainError {}

test('HTTPException(404, "Item not found") is answered 404 {"detail":"Item not found"}', async () => {
  const app = new App({ logger: false });
  app.get('/items/:id', async () => {
    throw new HTTPException(404, 'Item not found');
  });
  const res = await app.inject('/items/1');
  assert.equal(res.statusCode, 404);
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.equal(res.body, '{"detail":"Item not found"}');
  assert.equal(res.headers['content-length'], String(res.body.length));
});

test("an HTTPException's headers are sent with it", async () => {
  const app = new App({ logger: false });
  app.get('/private', () => {
    throw new HTTPException(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer', 'X-Error-Code': 'auth-1' });
  });
  const res = await app.inject('/private');
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(res.headers['x-error-code'], 'auth-1');
  assert.equal(res.headers['content-type'], JSON_TYPE);
  assert.deepEqual(res.json(), { detail: 'Not authenticated' });
});

test("an HTTPException's detail may be any JSON value, and defaults to the status' reason phrase", async () => {
  const app = new App({ logger: false });
  app.get('/conflict', () => {
    throw new HTTPException(409, { code: 'duplicate', fields: ['email'], retry: false });
  });
  app.get('/forbidden', () => {
    throw new HTTPException(403);
  });
  const conflict = await app.inject('/conflict');
  assert.equal(conflict.statusCode, 409);
  assert.deepEqual(conflict.json(), { detail: { code: 'duplicate', fields: ['email'], retry: false } });

  const forbidden = await app.inject('/forbidden');
  assert.equal(forbidden.statusCode, 403);
  assert.deepEqual(forbidden.json(), { detail: 'Forbidden' });
});

test('an HTTPException thrown synchronously and one from a rejected promise are answered alike', async () => {
  const app = new App({ logger: false });
  app.get('/sync', () => {
    throw new HTTPException(418, "I'm a teapot");
  });
  app.get('/async', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new HTTPException(418, "I'm a teapot");
  });
  app.get('/rejected', () => Promise.reject(new HTTPException(418, "I'm a teapot")));
  for (const url of ['/sync', '/async', '/rejected']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 418, url);
    assert.equal(res.headers['content-type'], JSON_TYPE, url);
    assert.deepEqual(res.json(), { detail: "I'm a teapot" }, url);
  }
});

test('an unhandled error is answered 500 {"detail":"Internal Server Error"}; its message and stack go to the log only', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  app.get('/sync', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/async', async () => {
    await Promise.resolve();
    throw new TypeError('database password is hunter2');
  });

  for (const [url, type] of [
    ['/sync', 'Error'],
    ['/async', 'TypeError'],
  ] as const) {
    lines.length = 0;
    const res = await app.inject(url);
    assert.equal(res.statusCode, 500, url);
    assert.equal(res.headers['content-type'], JSON_TYPE, url);
    assert.equal(res.body, '{"detail":"Internal Server Error"}', url);
    assert.equal(res.body.includes('hunter2'), false);
    assert.equal(res.body.includes('at '), false);

    const errors = lines.filter((line) => line.level === 50);
    assert.equal(errors.length, 1, url);
    const [logged] = errors;
    assert.equal(logged!.msg, `Unhandled error in GET ${url}`);
    assert.equal(logged!.route, `GET ${url}`);
    assert.equal(logged!.err.type, type);
    assert.equal(logged!.err.message, 'database password is hunter2');
    assert.match(logged!.err.stack, new RegExp(`^${type}: database password is hunter2\\n\\s+at `));
    assert.match(logged!.err.stack, /errors\.test\.ts/);
  }
});

test('a thrown value that is not an Error is answered 500 and logged', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  app.get('/string', () => {
    throw 'plain string';
  });
  app.get('/null', async () => Promise.reject(null));
  for (const url of ['/string', '/null']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 500, url);
    assert.deepEqual(res.json(), INTERNAL, url);
  }
  assert.equal(lines.filter((line) => line.level === 50).length, 2);
});

test("a class handler answers its class and its subclasses, the nearest class's handler winning", async () => {
  const app = new App({ logger: false });
  // Registered child first, then parent: the order of registration must not matter.
  app.exceptionHandler(NotFoundError, (error) => json({ error: 'not_found', message: error.message, code: error.code }, { status: 404 }));
  app.exceptionHandler(DomainError, (error) => json({ error: 'domain', message: error.message }, { status: 400 }));
  app.get('/domain', () => {
    throw new DomainError('bad input', 'D1');
  });
  app.get('/conflict', async () => {
    throw new ConflictError('already there', 'C1');
  });
  app.get('/user', async () => {
    throw new UserNotFoundError('no such user', 'U1');
  });
  app.get('/plain', () => {
    throw new Error('not a domain error');
  });

  const domain = await app.inject('/domain');
  assert.equal(domain.statusCode, 400);
  assert.deepEqual(domain.json(), { error: 'domain', message: 'bad input' });

  const conflict = await app.inject('/conflict');
  assert.equal(conflict.statusCode, 400);
  assert.deepEqual(conflict.json(), { error: 'domain', message: 'already there' });

  const user = await app.inject('/user');
  assert.equal(user.statusCode, 404);
  assert.equal(user.headers['content-type'], JSON_TYPE);
  assert.deepEqual(user.json(), { error: 'not_found', message: 'no such user', code: 'U1' });

  const plain = await app.inject('/plain');
  assert.equal(plain.statusCode, 500);
  assert.deepEqual(plain.json(), INTERNAL);
});

test('a handler that returns a plain value sends it as JSON with the status of the HTTPException it handles', async () => {
  const app = new App({ logger: false });
  app.exceptionHandler(HTTPException, (error) => ({ error: error.detail, status: error.statusCode }));
  app.get('/gone', () => {
    throw new HTTPException(410, 'Gone for good');
  });
  const gone = await app.inject('/gone');
  assert.equal(gone.statusCode, 410);
  assert.equal(gone.headers['content-type'], JSON_TYPE);
  assert.deepEqual(gone.json(), { error: 'Gone for good', status: 410 });

  // The router's own 404 and 405 are HTTPExceptions too.
  const unknown = await app.inject('/nowhere');
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { error: 'Not Found', status: 404 });

  const wrongMethod = await app.inject({ method: 'POST', url: '/gone' });
  assert.equal(wrongMethod.statusCode, 405);
  assert.deepEqual(wrongMethod.json(), { error: 'Method Not Allowed', status: 405 });
});

test('a status handler for 404 answers unknown routes, here with an HTML page', async () => {
  const app = new App({ logger: false });
  app.exceptionHandler(404, (_error, context) => html(`<h1>Nothing at ${context.request.url}</h1>`, { status: 404 }));
  app.get('/items/:id', () => {
    throw new HTTPException(404, 'Item not found');
  });
  app.get('/ok', () => ({ ok: true }));

  const unknown = await app.inject('/does/not/exist?x=1');
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(unknown.body, '<h1>Nothing at /does/not/exist?x=1</h1>');

  // The same status raised by a handler goes to the same place.
  const item = await app.inject('/items/3');
  assert.equal(item.statusCode, 404);
  assert.equal(item.body, '<h1>Nothing at /items/3</h1>');

  const ok = await app.inject('/ok');
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { ok: true });
});

test('a status handler leaves other statuses to the defaults', async () => {
  const app = new App({ logger: false });
  app.exceptionHandler(404, () => ({ message: 'nope' }));
  app.get('/teapot', () => {
    throw new HTTPException(418, 'short and stout');
  });
  const unknown = await app.inject('/missing');
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { message: 'nope' });

  const teapot = await app.inject('/teapot');
  assert.equal(teapot.statusCode, 418);
  assert.deepEqual(teapot.json(), { detail: 'short and stout' });
});

test('a handler for RequestValidationError changes the shape of every 422', async () => {
  const app = new App({ logger: false });
  app.exceptionHandler(RequestValidationError, (error) =>
    json({ message: 'Invalid request', fields: error.errors.map((issue) => issue.loc.join('.')) }, { status: 400 }),
  );
  app.post('/items/:id', { params: t.Object({ id: t.Integer() }), body: t.Object({ name: t.String() }) }, async ({ params, body }) => ({
    id: params.id,
    name: body.name,
  }));

  const badPath = await app.inject({ method: 'POST', url: '/items/abc', body: { name: 'pen' } });
  assert.equal(badPath.statusCode, 400);
  assert.equal(badPath.headers['content-type'], JSON_TYPE);
  assert.deepEqual(badPath.json(), { message: 'Invalid request', fields: ['path.id'] });

  const badBody = await app.inject({ method: 'POST', url: '/items/1', body: { name: 5, extra: true } });
  assert.equal(badBody.statusCode, 400);
  assert.deepEqual(badBody.json(), { message: 'Invalid request', fields: ['body.name'] });

  const malformed = await app.inject({ method: 'POST', url: '/items/1', headers: { 'content-type': 'application/json' }, body: '{"name" 1}' });
  assert.equal(malformed.statusCode, 400);
  assert.deepEqual(malformed.json(), { message: 'Invalid request', fields: ['body.8'] });

  const good = await app.inject({ method: 'POST', url: '/items/1', body: { name: 'pen' } });
  assert.equal(good.statusCode, 200);
  assert.deepEqual(good.json(), { id: 1, name: 'pen' });
});

test('an async exception handler is awaited', async () => {
  const app = new App({ logger: false });
  app.exceptionHandler(ConflictError, async (error) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return json({ conflict: error.code }, { status: 409, headers: { 'retry-after': '1' } });
  });
  app.put('/things/:id', async () => {
    throw new ConflictError('taken', 'C9');
  });
  const res = await app.inject({ method: 'PUT', url: '/things/1' });
  assert.equal(res.statusCode, 409);
  assert.equal(res.headers['retry-after'], '1');
  assert.deepEqual(res.json(), { conflict: 'C9' });
});

test('an exception handler that itself throws (or rejects) is answered 500 and logged', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  app.exceptionHandler(NotFoundError, () => {
    throw new Error('handler blew up');
  });
  app.exceptionHandler(ConflictError, async () => {
    throw new Error('async handler blew up');
  });
  app.get('/sync', () => {
    throw new NotFoundError('x', 'N1');
  });
  app.get('/async', () => {
    throw new ConflictError('x', 'C1');
  });

  const sync = await app.inject('/sync');
  assert.equal(sync.statusCode, 500);
  assert.equal(sync.headers['content-type'], JSON_TYPE);
  assert.deepEqual(sync.json(), INTERNAL);

  const rejected = await app.inject('/async');
  assert.equal(rejected.statusCode, 500);
  assert.deepEqual(rejected.json(), INTERNAL);

  const messages = lines.filter((line) => line.level === 50).map((line) => line.err.message);
  assert.deepEqual(messages, ['handler blew up', 'async handler blew up']);
});

test('errors in handlers never crash the server: the next request over a socket is served', async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger });
  app.get('/throw', () => {
    throw new Error('sync failure');
  });
  app.get('/reject', async () => {
    throw new Error('async failure');
  });
  app.get('/http', () => {
    throw new HTTPException(404, 'Item not found');
  });
  app.exceptionHandler(DomainError, () => {
    throw new Error('handler failure');
  });
  app.get('/domain', () => {
    throw new DomainError('x', 'D');
  });
  app.get('/ok', () => ({ ok: true }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    for (const path of ['/throw', '/reject', '/domain']) {
      const failed = await request(port, path);
      assert.equal(failed.status, 500, path);
      assert.deepEqual(failed.json(), INTERNAL, path);
    }
    const notFound = await request(port, '/http');
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.json(), { detail: 'Item not found' });

    const ok = await request(port, '/ok');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { ok: true });
    assert.equal(lines.filter((line) => line.level === 50).length, 3);
  } finally {
    await app.close();
  }
});
