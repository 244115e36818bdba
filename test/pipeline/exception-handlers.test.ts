// What an exception handler may answer and what its context holds: an HttpResponse goes out with
// its own status; a plain value with the error's (and a plain value for a status-less error, a
// 500, is logged once as such); a handler that throws or answers what JSON cannot write is a
// logged 500, and the server serves on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, RequestValidationError, html, json, t, text, type ExceptionContext } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request } from '../support/http.js';

class TeapotError extends Error {}
class GoneError extends HTTPException {
  constructor() {
    super(410, 'Gone');
  }
}
class PlainAnswerError extends Error {}
class ThrowingError extends Error {}
class BigIntError extends Error {}
class CircularError extends Error {}

const INTERNAL = { detail: 'Internal Server Error' };

function app(): { app: App; lines: Record<string, any>[] } {
  const { logger, lines } = capturedLogger();
  const created = new App({ logger });
  created.exceptionHandler(TeapotError, (error) => json({ message: error.message }, { status: 418, headers: { 'x-brew': 'no' } }));
  created.exceptionHandler(GoneError, (error) => ({ gone: error.detail }));
  created.exceptionHandler(RequestValidationError, (error) => ({ problems: error.errors.length }));
  created.exceptionHandler(404, () => html('<p>nothing here</p>', { status: 404 }));
  created.exceptionHandler(503, (error: HTTPException) => text(String(error.detail), { status: 503 }));
  created.exceptionHandler(PlainAnswerError, (() => ({ oops: true })) as never);
  created.exceptionHandler(ThrowingError, () => {
    throw new Error('the handler failed');
  });
  created.exceptionHandler(BigIntError, async () => json({ total: 10n }));
  created.exceptionHandler(CircularError, (() => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    return loop;
  }) as never);
  const thrower = (error: Error) => () => {
    throw error;
  };
  created.get('/teapot', thrower(new TeapotError('short and stout')));
  created.get('/gone', thrower(new GoneError()));
  created.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => params);
  created.get('/busy', thrower(new HTTPException(503, 'try later')));
  created.get('/plain', thrower(new PlainAnswerError()));
  created.get('/throws', thrower(new ThrowingError()));
  created.get('/bigint', thrower(new BigIntError()));
  created.get('/circular', thrower(new CircularError()));
  created.get('/ok', () => ({ ok: true }));
  return { app: created, lines };
}

test('each accepted answer: its status and body', async () => {
  const { app: served } = app();
  const teapot = await served.inject('/teapot');
  assert.equal(teapot.statusCode, 418);
  assert.equal(teapot.headers['x-brew'], 'no');
  assert.deepEqual(teapot.json(), { message: 'short and stout' });

  // A plain value keeps the status of an error that has one: an HTTPException's, a RequestValidationError's 422.
  const gone = await served.inject('/gone');
  assert.equal(gone.statusCode, 410);
  assert.deepEqual(gone.json(), { gone: 'Gone' });
  const invalid = await served.inject('/items/abc');
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json(), { problems: 1 });

  // By status: the router's own 404 too.
  const missing = await served.inject('/nowhere');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.body, '<p>nothing here</p>');
  const busy = await served.inject('/busy');
  assert.equal(busy.statusCode, 503);
  assert.equal(busy.body, 'try later');
});

test('a plain value for an error without a status is a 500, said once in the log with the way to choose the status', async () => {
  const { app: served, lines } = app();
  for (let i = 0; i < 2; i++) {
    const res = await served.inject('/plain');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { oops: true });
  }
  const warnings = lines.filter((line) => line.level === 40);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.route, 'GET /plain');
  assert.equal(
    warnings[0]!.msg,
    "the exception handler for PlainAnswerError (in GET /plain) returned a plain value, sent as JSON with status 500, the error's own: " +
      'return json(value, { status }) to choose the status (json(value, { status: 500 }) keeps 500 and silences this).',
  );
});

test('a handler that throws, or answers what JSON cannot write, gives a logged 500 and the server serves on', async (t) => {
  const { app: served, lines } = app();
  const { port } = await served.listen({ port: 0, handleSignals: false });
  t.after(() => served.close());
  for (const path of ['/throws', '/bigint', '/circular']) {
    const res = await request(port, path);
    assert.equal(res.status, 500, path);
    assert.deepEqual(res.json(), INTERNAL, path);
    const errors = lines.filter((line) => line.level === 50 && line.route === `GET ${path}`);
    assert.equal(errors.length, 1, `${path}: ${JSON.stringify(lines)}`);
    assert.equal(errors[0]!.msg, `Unhandled error in GET ${path}`);
  }
  const ok = await request(port, '/ok');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json(), { ok: true });
});

test('the context: the request in its public parts, the app state, a logger; none of the pipeline internals', async () => {
  const { logger } = capturedLogger();
  const served = new App({ logger });
  (served.state as Record<string, unknown>).db = 'the-db';
  let seen: ExceptionContext | null = null;
  served.exceptionHandler(TeapotError, (_error, context) => {
    seen = context;
    return json({ seen: true }, { status: 418 });
  });
  served.exceptionHandler(404, (_error, context) => json({ route: context.route, path: context.path, query: context.query }, { status: 404 }));
  served.post('/pots/:id', { params: t.Object({ id: t.Integer() }), body: t.Object({ tea: t.String() }) }, () => {
    throw new TeapotError('no');
  });
  const res = await served.inject({ method: 'POST', url: '/pots/7?size=big&size=small', headers: { cookie: 'session=abc' }, body: { tea: 'green' } });
  assert.equal(res.statusCode, 418);
  const context = seen as ExceptionContext | null;
  assert.ok(context !== null);
  assert.deepEqual(Object.keys(context).sort(), ['body', 'cookies', 'headers', 'log', 'method', 'params', 'path', 'query', 'request', 'route', 'state'].sort());
  assert.equal(context.method, 'POST');
  assert.equal(context.path, '/pots/7');
  assert.equal(context.route, 'POST /pots/:id');
  assert.deepEqual({ ...context.params }, { id: 7 });
  assert.deepEqual({ ...context.query }, { size: ['big', 'small'] });
  assert.equal(context.headers.cookie, 'session=abc');
  assert.deepEqual({ ...context.cookies }, { session: 'abc' });
  assert.deepEqual(context.body, { tea: 'green' });
  assert.equal((context.state as Record<string, unknown>).db, 'the-db');
  assert.equal(typeof context.log.info, 'function');
  for (const internal of ['replyState', 'backgroundState', 'scope', 'timing', 'rawQuery', 'reply', 'deps']) assert.ok(!(internal in context), internal);

  // Without a route (a miss): route is null, params empty; a broken query string reads as empty, not a throw.
  const miss = await served.inject('/nowhere?q=1');
  assert.deepEqual(miss.json(), { route: null, path: '/nowhere', query: { q: '1' } });
  const broken = await served.inject('/nowhere?q=%ZZ');
  assert.equal(broken.statusCode, 404);
  assert.deepEqual(broken.json(), { route: null, path: '/nowhere', query: {} });
});
