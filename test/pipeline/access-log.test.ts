// The access log: one JSON line per request (method, path without its query string, route
// pattern, status, duration, request id), for every kind of answer and for requests the client
// aborted; the error handler's line for the same request carries the same reqId; off unless asked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { App, requestId } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request, serveApp } from '../support/http.js';
import { withTimeout } from '../support/with-timeout.js';
import { app, lines } from './fixtures/access-log-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ACCESS_KEYS = ['level', 'time', 'pid', 'hostname', 'reqId', 'method', 'ip', 'path', 'route', 'status', 'durationMs', 'msg'];

type Line = Record<string, any>;

/** Access lines are the ones with a duration. */
function accessLines(from: Line[], path: string): Line[] {
  return from.filter((line) => line.durationMs !== undefined && line.path === path);
}

/** Waits (bounded) for the access line of `path`, then a little more, so a second one would show. */
async function theAccessLine(from: Line[], path: string): Promise<Line> {
  const deadline = Date.now() + 3_000;
  while (accessLines(from, path).length === 0 && Date.now() < deadline) await sleep(5);
  await sleep(30);
  const found = accessLines(from, path);
  assert.equal(found.length, 1, `one access line for ${path}, got ${JSON.stringify(found)}`);
  return found[0]!;
}

/** The line's fields, checked exactly, and its message made of them. */
function assertAccessLine(line: Line, expected: { method: string; path: string; route?: string; status: number | null; aborted?: true }): void {
  const keys = [...ACCESS_KEYS];
  if (expected.route === undefined) keys.splice(keys.indexOf('route'), 1);
  if (expected.aborted) keys.push('aborted');
  assert.deepEqual(Object.keys(line).sort(), keys.sort());
  assert.equal(line.level, 30, 'info');
  assert.equal(line.method, expected.method);
  assert.equal(line.path, expected.path);
  assert.equal(line.route, expected.route);
  assert.equal(line.status, expected.status);
  assert.equal(line.aborted, expected.aborted);
  assert.equal(typeof line.durationMs, 'number');
  assert.ok(line.durationMs > 0, `durationMs ${line.durationMs}`);
  assert.equal(line.durationMs, Math.round(line.durationMs * 100) / 100, 'two decimals at most');
  assert.equal(typeof line.reqId, 'string');
  // Taken when the request arrives: on Bun, a finished request no longer gives its address (a body route's lines had an empty ip).
  assert.equal(line.ip, '127.0.0.1');
  const status = expected.status === null ? '-' : String(expected.status);
  assert.equal(line.msg, `${expected.method} ${expected.path} ${status} ${line.durationMs.toFixed(2)}ms${expected.aborted ? ' (aborted)' : ''}`);
}

describe('access log on', () => {
  let port = 0;
  before(async () => {
    port = (await serveApp(app)).port;
    // The first offloaded request starts the worker (it imports the fixture module).
    await withTimeout(request(port, '/offloaded'), 10_000, 'first offloaded request');
  });
  after(() => withTimeout(app.close(), 10_000, 'close()'));

  test('200: method, path without the query string, route pattern, status, duration, a generated request id', async () => {
    const res = await request(port, '/items/42?token=s3cret&page=2');
    assert.equal(res.status, 200);
    const line = await theAccessLine(lines, '/items/42');
    assertAccessLine(line, { method: 'GET', path: '/items/42', route: 'GET /items/:id', status: 200 });
    assert.match(line.reqId, UUID);
    assert.ok(!JSON.stringify(lines).includes('s3cret'), 'the query string is logged nowhere');
    // The handler's own `log` line carries the same id.
    const handlerLine = lines.find((entry) => entry.msg === 'loading item' && entry.item === 42);
    assert.equal(handlerLine?.reqId, line.reqId);
  });

  test('a body route (answered after its body is read): the line has the client address too', async () => {
    const res = await request(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    assert.equal(res.status, 200);
    assertAccessLine(await theAccessLine(lines, '/echo'), { method: 'POST', path: '/echo', route: 'POST /echo', status: 200 });
  });

  test('404 from the handler, 404 from the router (no route), 405, 422', async () => {
    assert.equal((await request(port, '/items/0')).status, 404);
    assertAccessLine(await theAccessLine(lines, '/items/0'), { method: 'GET', path: '/items/0', route: 'GET /items/:id', status: 404 });
    assert.equal((await request(port, '/no/such/page?x=1')).status, 404);
    assertAccessLine(await theAccessLine(lines, '/no/such/page'), { method: 'GET', path: '/no/such/page', status: 404 });
    assert.equal((await request(port, '/items/1', { method: 'DELETE' })).status, 405);
    assertAccessLine(await theAccessLine(lines, '/items/1'), { method: 'DELETE', path: '/items/1', status: 405 });
    assert.equal((await request(port, '/items/abc')).status, 422);
    assertAccessLine(await theAccessLine(lines, '/items/abc'), { method: 'GET', path: '/items/abc', route: 'GET /items/:id', status: 422 });
  });

  test("500: the access line and the error handler's line (with the stack) share the reqId", async () => {
    const res = await request(port, '/boom?debug=1', { headers: { 'x-request-id': 'client-chosen' } });
    assert.equal(res.status, 500);
    const line = await theAccessLine(lines, '/boom');
    assertAccessLine(line, { method: 'GET', path: '/boom', route: 'GET /boom', status: 500 });
    // Without the requestId() middleware, the client's X-Request-ID is not trusted.
    assert.match(line.reqId, UUID);
    const error = lines.find((entry) => entry.err?.message === 'database is down');
    assert.ok(error, 'the error was logged');
    assert.equal(error.level, 50);
    assert.equal(error.reqId, line.reqId);
    assert.equal(error.route, line.route, 'the same route field: one query finds both');
    assert.match(error.err.stack, /database is down/);
    assert.ok(lines.indexOf(error) < lines.indexOf(line), 'the error line comes first, the access line once the response is out');
  });

  test('HEAD is logged as HEAD, with the GET route that answered it (as the metrics label it)', async () => {
    const res = await request(port, '/items/7', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assertAccessLine(await theAccessLine(lines, '/items/7'), { method: 'HEAD', path: '/items/7', route: 'GET /items/:id', status: 200 });
  });

  test("an offloaded route: one line on the main thread; the worker's `log` has the same reqId", async () => {
    const before = accessLines(lines, '/offloaded').length; // the warm-up request's line
    const res = await request(port, '/offloaded?k=v');
    assert.equal(res.status, 200);
    const deadline = Date.now() + 3_000;
    while (accessLines(lines, '/offloaded').length === before && Date.now() < deadline) await sleep(5);
    await sleep(30);
    const found = accessLines(lines, '/offloaded');
    assert.equal(found.length, before + 1);
    const line = found.at(-1)!;
    assertAccessLine(line, { method: 'GET', path: '/offloaded', route: 'GET /offloaded', status: 200 });
    assert.deepEqual(JSON.parse(res.text), { reqId: line.reqId });
  });

  test('a client that aborts before any answer: one line, aborted, no status', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /hang?secret=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await sleep(80);
    socket.destroy();
    const line = await theAccessLine(lines, '/hang');
    assertAccessLine(line, { method: 'GET', path: '/hang', route: 'GET /hang', status: null, aborted: true });
    assert.ok(line.durationMs >= 70, `durationMs ${line.durationMs}: until the connection closed`);
  });

  test('a client that aborts mid-body: one line, aborted, with the status already sent', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/slow-stream', agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
      req.end();
    });
    const line = await theAccessLine(lines, '/slow-stream');
    assertAccessLine(line, { method: 'GET', path: '/slow-stream', route: 'GET /slow-stream', status: 200, aborted: true });
  });

  test('app.handler is the access-logging wrapper', () => {
    assert.equal(app.accessLog, true);
    assert.equal(app.handler.name, 'accessLogged');
  });
});

describe('with the requestId() middleware', () => {
  const { logger, lines: logged } = capturedLogger();
  const withIds = new App({ logger, accessLog: true, openapi: false });
  withIds.use(requestId());
  withIds.get('/orders/:id', ({ params, log }) => {
    log.info('loading order');
    if (params.id === 'bad') throw new Error('order table is locked');
    return { id: params.id };
  });
  let port = 0;
  before(async () => (port = (await serveApp(withIds)).port));
  after(() => withIds.close());

  test("the middleware's id (a trusted incoming X-Request-ID) is the access line's, the handler's and the error's reqId", async () => {
    const res = await request(port, '/orders/bad', { headers: { 'x-request-id': 'trace-7f3a' } });
    assert.equal(res.status, 500);
    assert.equal(res.headers['x-request-id'], 'trace-7f3a');
    const line = await theAccessLine(logged, '/orders/bad');
    assertAccessLine(line, { method: 'GET', path: '/orders/bad', route: 'GET /orders/:id', status: 500 });
    assert.equal(line.reqId, 'trace-7f3a');
    assert.equal(logged.find((entry) => entry.msg === 'loading order')?.reqId, 'trace-7f3a');
    assert.equal(logged.find((entry) => entry.err?.message === 'order table is locked')?.reqId, 'trace-7f3a');
  });

  test("without an incoming id, the middleware's generated one, also sent back", async () => {
    const res = await request(port, '/orders/9');
    const line = await theAccessLine(logged, '/orders/9');
    assert.match(line.reqId, UUID);
    assert.equal(res.headers['x-request-id'], line.reqId);
  });
});

describe('when the access log is on', () => {
  const saved = { access: process.env.LOOPWISE_ACCESS_LOG, dev: process.env.LOOPWISE_DEV };
  after(() => {
    restore('LOOPWISE_ACCESS_LOG', saved.access);
    restore('LOOPWISE_DEV', saved.dev);
  });

  /** Makes an App under the given environment, serves one request, returns its access lines. */
  async function linesFor(env: { LOOPWISE_ACCESS_LOG?: string; LOOPWISE_DEV?: string }, options: { accessLog?: boolean } = {}): Promise<{ app: App; access: Line[] }> {
    restore('LOOPWISE_ACCESS_LOG', env.LOOPWISE_ACCESS_LOG);
    restore('LOOPWISE_DEV', env.LOOPWISE_DEV);
    const { logger, lines: logged } = capturedLogger();
    const made = new App({ logger, openapi: false, metrics: false, guard: { captureStacks: false }, ...options });
    made.get('/ping', () => ({ pong: true }));
    const { port, close } = await serveApp(made);
    try {
      assert.equal((await request(port, '/ping')).status, 200);
      await sleep(50);
    } finally {
      await close();
    }
    return { app: made, access: accessLines(logged, '/ping') };
  }

  test('off by default: no line, and the listener is the dispatcher itself', async () => {
    const { app: plain, access } = await linesFor({});
    assert.equal(plain.accessLog, false);
    assert.deepEqual(access, []);
    assert.equal(plain.handler.name, 'dispatch', 'no wrapper on the hot path');
  });

  test('LOOPWISE_ACCESS_LOG=1 turns it on; LOOPWISE_DEV=1 too', async () => {
    for (const env of [{ LOOPWISE_ACCESS_LOG: '1' }, { LOOPWISE_DEV: '1' }]) {
      const { app: made, access } = await linesFor(env);
      assert.equal(made.accessLog, true, JSON.stringify(env));
      assert.equal(access.length, 1, JSON.stringify(env));
      assertAccessLine(access[0]!, { method: 'GET', path: '/ping', route: 'GET /ping', status: 200 });
    }
  });

  test('an explicit accessLog: false beats the environment; LOOPWISE_ACCESS_LOG=0 beats dev mode', async () => {
    for (const [env, options] of [
      [{ LOOPWISE_ACCESS_LOG: '1' }, { accessLog: false }],
      [{ LOOPWISE_DEV: '1' }, { accessLog: false }],
      [{ LOOPWISE_DEV: '1', LOOPWISE_ACCESS_LOG: '0' }, {}],
    ] as const) {
      const { app: made, access } = await linesFor(env, options);
      assert.equal(made.accessLog, false, JSON.stringify([env, options]));
      assert.deepEqual(access, []);
      assert.equal(made.handler.name, 'dispatch');
    }
  });

  test('accessLog: true beats LOOPWISE_ACCESS_LOG=0', async () => {
    const { access } = await linesFor({ LOOPWISE_ACCESS_LOG: '0' }, { accessLog: true });
    assert.equal(access.length, 1);
  });
});

test('a mounted App with its own access log on: still one line, by the outer App, with the full path', async () => {
  const { logger, lines: logged } = capturedLogger();
  const inner = new App({ logger, accessLog: true, openapi: false });
  inner.get('/items/:id', ({ params }) => ({ id: params.id }));
  const outer = new App({ logger, accessLog: true, openapi: false });
  outer.mount('/legacy', inner);
  const { port, close } = await serveApp(outer);
  try {
    assert.equal((await request(port, '/legacy/items/3?x=1')).status, 200);
    const line = await theAccessLine(logged, '/legacy/items/3');
    assertAccessLine(line, { method: 'GET', path: '/legacy/items/3', route: 'MOUNT /legacy', status: 200 });
    assert.equal(logged.filter((entry) => entry.durationMs !== undefined).length, 1);
  } finally {
    await close();
  }
});

describe('levels and custom loggers', () => {
  test("a logger at 'warn' silences the access lines, not the errors", async () => {
    const logged: Line[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const quiet = new App({ logger, accessLog: true, openapi: false });
    quiet.get('/fail', () => {
      throw new Error('disk full');
    });
    quiet.get('/fine', () => ({ ok: true }));
    const { port, close } = await serveApp(quiet);
    try {
      assert.equal((await request(port, '/fine')).status, 200);
      assert.equal((await request(port, '/fail')).status, 500);
      await sleep(50);
    } finally {
      await close();
    }
    assert.equal(quiet.log, logger, 'the instance is used as it is');
    assert.deepEqual(logged.filter((line) => line.durationMs !== undefined), []);
    assert.deepEqual(
      logged.map((line) => [line.level, line.err?.message]),
      [[50, 'disk full']],
    );
    assert.match(logged[0]!.reqId, UUID, 'the error line still has the request id the access log gave');
  });

  test('logger: false is silent, and then no access-log wrapper is installed', () => {
    const silent = new App({ logger: false, accessLog: true, openapi: false });
    silent.get('/x', () => ({}));
    assert.equal(silent.log.level, 'silent');
    assert.equal(silent.handler.name, 'dispatch');
  });

  test("logger: { level: 'debug' } and LOG_LEVEL", () => {
    const saved = process.env.LOG_LEVEL;
    try {
      delete process.env.LOG_LEVEL;
      assert.equal(new App({ logger: { level: 'debug' } }).log.level, 'debug');
      assert.equal(new App().log.level, 'info');
      process.env.LOG_LEVEL = 'warn';
      assert.equal(new App().log.level, 'warn', 'the default logger reads LOG_LEVEL');
      assert.equal(new App({ logger: {} }).log.level, 'warn', 'so do options without a level');
      assert.equal(new App({ logger: { level: 'error' } }).log.level, 'error', 'an explicit level wins');
    } finally {
      restore('LOG_LEVEL', saved);
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
