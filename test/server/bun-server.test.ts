// Bun's native front door (src/server/bun-server.ts): what listen() opens under Bun, checked on a
// real port. These run under `npm run test:bun`; on Node, listen() opens node:http's server and
// the rest of test/server checks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, html, json, noContent, sse, stream, t, text } from '../../src/index.js';
import { request } from '../support/http.js';
import { freePort } from '../support/cli-process.js';
import { tryConnect } from '../support/try-connect.js';
import { RawConnection } from '../support/raw-http.js';
import { pathOf } from '../../src/server/bun-request.js';
import { onBun } from '../support/runtime.js';
import { startAppProcess } from '../support/app-process.js';
import { fileURLToPath } from 'node:url';

const STARTUP_CODE_APP = fileURLToPath(new URL('./fixtures/startup-code-app.ts', import.meta.url));

const ON_BUN_ONLY = onBun ? {} : { skip: 'runs under Bun (npm run test:bun): on Node, listen() opens node:http' };

test('on Bun, listen() serves through Bun.serve: app.server stays null, answers are the pipeline’s', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.get('/users/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
  app.post('/echo', { body: t.Object({ name: t.String() }), bodyLimit: 64 }, ({ body }) => body);
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    assert.equal(app.server, null);
    assert.equal(app.listening, true);
    const ok = await request(port, '/users/42');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(ok.headers['content-length'], '9');
    assert.deepEqual(ok.json(), { id: 42 });

    const head = await request(port, '/users/42', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '9', 'HEAD keeps the length of the GET');
    assert.equal(head.text, '');

    const invalid = await request(port, '/users/abc');
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json().detail[0].type, 'int_parsing');

    const echoed = await request(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    assert.deepEqual(echoed.json(), { name: 'Ada' });

    // Over the route's bodyLimit: declared (refused before reading), and chunked (refused as it grows).
    const big = JSON.stringify({ name: 'x'.repeat(100) });
    const declared = await request(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(declared.status, 413);
    assert.deepEqual(declared.json(), { detail: 'Request body is larger than the limit of 64 bytes' });
    const chunked = await request(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big });
    assert.equal(chunked.status, 413);
  } finally {
    await app.close();
  }
  assert.equal(app.listening, false);
});

test('on Bun, answers keep their own status, type and length: the shared status-and-type heads never leak between routes', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.get('/json', () => ({ message: 'hello' }));
  app.post('/created', { status: 201 }, () => ({ made: true }));
  app.get('/text', () => text('plain words'));
  app.get('/html', () => html('<p>hi</p>'));
  app.get('/with-header', ({ reply }) => {
    reply.header('x-extra', 'yes');
    return { extra: true };
  });
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    for (let round = 0; round < 2; round++) {
      const json = await request(port, '/json');
      assert.equal(json.status, 200);
      assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(json.headers['content-length'], '19');
      assert.equal(json.headers['x-extra'], undefined);
      const created = await request(port, '/created', { method: 'POST' });
      assert.equal(created.status, 201);
      assert.equal(created.headers['content-length'], String('{"made":true}'.length));
      const plain = await request(port, '/text');
      assert.equal(plain.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(plain.headers['content-length'], '11');
      const page = await request(port, '/html');
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(page.text, '<p>hi</p>');
      const extra = await request(port, '/with-header');
      assert.equal(extra.headers['x-extra'], 'yes');
      assert.equal(extra.headers['content-length'], String('{"extra":true}'.length));
      const head = await request(port, '/json', { method: 'HEAD' });
      assert.equal(head.headers['content-length'], '19', 'a HEAD answer still says the GET’s length');
      assert.equal(head.text, '');
    }
  } finally {
    await app.close();
  }
});

test('on Bun, a body comes whole and unchanged at every size: copied when small, viewed when larger, streamed past 64 KiB', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.post('/echo', { body: t.Object({ text: t.String() }), bodyLimit: 1024 * 1024 }, ({ body }) => ({ length: body.text.length, text: body.text }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    for (const size of [1, 4000, 4096, 5000, 60_000, 70_000]) {
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      const answer = await request(port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      assert.equal(answer.status, 200, `${size} bytes`);
      assert.deepEqual(answer.json(), { length: text.length, text }, `${size} bytes`);
    }
  } finally {
    await app.close();
  }
});

test('on Bun, a header the handler sets that HTTP cannot carry is a logged 500, and the server serves on', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.get('/bad-header', () => json({ ok: true }, { headers: { 'x-note': 'caf\u20ac' } }));
  app.get('/ping', () => ({ pong: true }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const bad = await request(port, '/bad-header');
    assert.equal(bad.status, 500);
    assert.deepEqual(bad.json(), { detail: 'Internal Server Error' });
    assert.deepEqual((await request(port, '/ping')).json(), { pong: true });
  } finally {
    await app.close();
  }
});

test('on Bun, a HEAD of a streamed answer does not claim an empty body: no content-length 0 (Node sends no length either)', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.get('/numbers', () =>
    stream(
      (async function* () {
        for (let i = 0; i < 5; i++) yield `${i}\n`;
      })(),
      { headers: { 'content-type': 'text/plain; charset=utf-8' } },
    ),
  );
  app.get('/events', () => sse((async function* () { yield { data: 'one' }; })()));
  app.get('/nothing', () => noContent());
  app.get('/json', () => ({ ok: true }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    for (const path of ['/numbers', '/events']) {
      const got = await request(port, path);
      assert.equal(got.status, 200, path);
      assert.ok(got.text.length > 0, `${path}: GET has a body`);
      const head = await request(port, path, { method: 'HEAD' });
      assert.equal(head.status, 200, path);
      assert.equal(head.text, '', `${path}: HEAD has no body`);
      assert.equal(head.headers['content-length'], undefined, `${path}: HEAD says no length (its GET streams), not 0`);
      assert.equal(head.headers['transfer-encoding'], 'chunked', `${path}: as Bun's GET of a stream`);
    }
    // A length the pipeline knows is kept; a bodiless status gets neither header.
    const json = await request(port, '/json', { method: 'HEAD' });
    assert.equal(json.headers['content-length'], '11');
    assert.equal(json.headers['transfer-encoding'], undefined);
    const nothing = await request(port, '/nothing', { method: 'HEAD' });
    assert.equal(nothing.status, 204);
    assert.equal(nothing.headers['transfer-encoding'], undefined);
    assert.equal((await request(port, '/json')).status, 200, 'and the server serves on');
  } finally {
    await app.close();
  }
});

test('on Bun, limits Bun.serve cannot enforce stop listen(), naming each; nothing listens', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false, requestTimeout: 300_000, sendTimeout: 1_000, maxHeaderSize: 8_192 });
  app.get('/', () => ({}));
  const port = await freePort();
  await assert.rejects(app.listen({ port, handleSignals: false }), (error: unknown) => {
    assert.ok(error instanceof LoopwiseError);
    assert.equal(error.code, 'LW_ERR_RUNTIME');
    assert.equal(
      error.message,
      "LW_ERR_RUNTIME: Bun's server cannot enforce requestTimeout over 255 s (300000 ms), sendTimeout (1000 ms), maxHeaderSize (8192 bytes): it has idle timeouts of at most 255 s (a connection's, from keepAliveTimeout and headersTimeout; a request's, from requestTimeout), no send timeout and a fixed 16 KiB header limit. " +
        'Leave these at their defaults on Bun, or run the app on Node (docs/bun.md).',
    );
    return true;
  });
  assert.equal(app.listening, false);
  assert.equal(await tryConnect(port), 'ECONNREFUSED');
  await app.close();
});

test('on Bun, an app with WebSocket routes is served through Bun’s node:http layer, which the handshakes need', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false });
  app.get('/ping', () => ({ pong: true }));
  app.ws('/echo', {}, async (socket) => {
    for await (const message of socket) await socket.send(message);
  });
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    assert.notEqual(app.server, null);
    assert.deepEqual((await request(port, '/ping')).json(), { pong: true });
  } finally {
    await app.close();
  }
});

test('on Bun, a handler slower than the connection idle timeout is answered: a request gets requestTimeout', ON_BUN_ONLY, async () => {
  // Bun's connection idle timeout is 10 s by default (headersTimeout); it cut a 15 s handler at about 11.5 s.
  const app = new App({ logger: false });
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 13_000));
    return { slow: true };
  });
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const res = await request(port, '/slow', { timeout: 20_000 });
    assert.deepEqual(res.json(), { slow: true });
  } finally {
    await app.close();
  }
});

/** Bun.serve's options for the next listen(), read through a wrapper that still opens the real server. */
async function servedOptions<T>(open: () => Promise<T>): Promise<{ routes: Record<string, Record<string, unknown>> | undefined; opened: T }> {
  const bun = (globalThis as unknown as { Bun: { serve(options: { routes?: Record<string, Record<string, unknown>> }): unknown } }).Bun;
  const serve = bun.serve;
  let routes: Record<string, Record<string, unknown>> | undefined;
  bun.serve = (options) => {
    routes = options.routes;
    return serve.call(bun, options);
  };
  try {
    return { opened: await open(), routes };
  } finally {
    bun.serve = serve;
  }
}

test('on Bun, Bun’s own router matches the paths it reads as find-my-way does, with each method they have; the rest go to fetch', ON_BUN_ONLY, async () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/json', () => ({ message: 'hello' }));
  app.post('/json', () => ({ posted: true }));
  app.get('/users/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
  app.get('/users/me', () => ({ me: true }));
  const { routes, opened } = await servedOptions(() => app.listen({ port: 0, handleSignals: false }));
  try {
    const table = Object.fromEntries(Object.entries(routes ?? {}).map(([path, methods]) => [path, Object.keys(methods).sort()]));
    assert.deepEqual(table['/json'], ['GET', 'HEAD', 'POST']);
    assert.deepEqual(table['/users/:id'], ['GET', 'HEAD']);
    assert.deepEqual(table['/users/me'], ['GET', 'HEAD']);
    // Through Bun's router and through fetch, the same answers.
    assert.deepEqual((await request(opened.port, '/users/42?x=1')).json(), { id: 42 });
    assert.deepEqual((await request(opened.port, '/users/me')).json(), { me: true });
    assert.deepEqual((await request(opened.port, '/users/m%65')).json(), { me: true }, 'decoded, it is the static path');
    assert.deepEqual((await request(opened.port, '/json', { method: 'POST' })).json(), { posted: true });
    assert.equal((await request(opened.port, '/json', { method: 'DELETE' })).status, 405);
  } finally {
    await app.close();
  }
});

test('on Bun, an app with middleware leaves every path to fetch, where the middleware runs; a wildcard route leaves it the paths with parameters', ON_BUN_ONLY, async () => {
  const withMiddleware = new App({ logger: false, openapi: false });
  let seen = 0;
  withMiddleware.use(async (_req, _res, next) => {
    seen++;
    await next();
  });
  withMiddleware.get('/json', () => ({ message: 'hello' }));
  const first = await servedOptions(() => withMiddleware.listen({ port: 0, handleSignals: false }));
  try {
    assert.deepEqual(first.routes, {});
    assert.deepEqual((await request(first.opened.port, '/json')).json(), { message: 'hello' });
    assert.equal(seen, 1);
  } finally {
    await withMiddleware.close();
  }
  const withWildcard = new App({ logger: false, openapi: false });
  withWildcard.get('/files/*', () => ({ file: true }));
  withWildcard.get('/files/:name', () => ({ name: true }));
  withWildcard.get('/json', () => ({ message: 'hello' }));
  withWildcard.get('/a%20b', () => ({ escaped: true }));
  const second = await servedOptions(() => withWildcard.listen({ port: 0, handleSignals: false }));
  try {
    assert.deepEqual(Object.keys(second.routes ?? {}), ['/json'], 'neither the wildcard, nor a path it could shadow, nor one with escapes');
    assert.deepEqual((await request(second.opened.port, '/files/a')).json(), { name: true });
    assert.deepEqual((await request(second.opened.port, '/files/a/b')).json(), { file: true });
  } finally {
    await withWildcard.close();
  }
});

test('on Bun, the code that ran at startup is dropped once the first server opens, and the app serves on', ON_BUN_ONLY, async (t) => {
  const app = await startAppProcess(STARTUP_CODE_APP);
  t.after(() => app.kill());
  const line = await app.waitForLine((text) => text.startsWith('codeBlocks '), 5_000, 'the code block counts');
  const { before, after } = JSON.parse(line.slice('codeBlocks '.length)) as { before: number; after: number };
  // Measured on Bun 1.4.5: ~1,500 before and a few dozen after; without Bun.shrink() they only grow.
  assert.ok(before > 200, `code blocks after compiling the routes: ${before}`);
  assert.ok(after < before / 4, `code blocks after listen(): ${after} of ${before}`);
  const json = await request(app.port, '/json');
  assert.deepEqual([json.status, json.json()], [200, { message: 'hello' }]);
  const echo = await request(app.port, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada","age":36}' });
  assert.deepEqual([echo.status, echo.json()], [200, { name: 'Ada', age: 36 }]);
});

test("Bun's request URL read as the path and query: absolute, or the path alone when Bun could not put the Host in a URL", () => {
  assert.equal(pathOf('http://x/public/admin?q=1'), '/public/admin?q=1');
  assert.equal(pathOf('http://x:abc/a'), '/a');
  assert.equal(pathOf('http://[::1]:8000/'), '/');
  assert.equal(pathOf('http://x'), '/');
  // Bun 1.4.5 gives these for `Host: x/`, `Host: a b`, or no Host (HTTP/1.0): the path as sent.
  assert.equal(pathOf('/public/admin?q=1'), '/public/admin?q=1');
  assert.equal(pathOf('/'), '/');
});

test('on Bun, a Host header that is no host (x/, a b, h?, none) does not move the request to another route', ON_BUN_ONLY, async () => {
  for (const withMiddleware of [false, true]) {
    const app = new App({ logger: false });
    // With middleware every path goes through fetch(), as a path Bun's router does not take does.
    if (withMiddleware) app.use(async (_req, _res, next) => next());
    app.get('/admin', () => ({ admin: true }));
    app.get('/public/x', () => ({ public: true }));
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      for (const host of ['Host: x/\r\n', 'Host: a b\r\n', 'Host: h?\r\n', 'Host: x/admin\r\n', '']) {
        const version = host === '' ? '1.0' : '1.1';
        const connection = await RawConnection.open(port);
        connection.write(`GET /public/admin HTTP/${version}\r\n${host}Connection: close\r\n\r\n`);
        const response = await connection.response();
        // It was routed as /admin: 200 {"admin":true}.
        assert.equal(response?.status, 404, `${JSON.stringify(host)}, middleware ${withMiddleware}: ${response?.body}`);
        assert.deepEqual(JSON.parse(response!.body), { detail: 'Not Found' });
        const served = await RawConnection.open(port);
        served.write(`GET /public/x HTTP/${version}\r\n${host}Connection: close\r\n\r\n`);
        assert.deepEqual(JSON.parse((await served.response())!.body), { public: true });
      }
    } finally {
      await app.close();
    }
  }
});
