// The response hold behind `await next()` (src/middleware/response-hold.ts): what a held head keeps
// from Node's own writing (framing, checks of status and headers), and how it meets other response
// wrappers (compression), mounted apps and HEAD requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, compression, HttpResponse, stream } from '../../src/index.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { waitFor } from '../support/wait-for.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

async function served(app: App, run: (port: number) => Promise<void>): Promise<void> {
  const listening = await serveApp(app);
  try {
    await run(listening.port);
  } finally {
    await listening.close();
  }
}

/** The outer middleware of every app here: a header after next(). */
function stamp(app: App, name = 'x-after'): void {
  app.use(async (_req, res, next) => {
    await next();
    res.setHeader(name, 'yes');
  });
}

test('res.end(body) without writeHead, held: Node still frames it with Content-Length', async () => {
  const app = quietApp();
  stamp(app);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url !== '/plain') return next();
    res.statusCode = 202;
    res.setHeader('content-type', 'text/plain');
    res.end('answered by res.end');
  });
  await served(app, async (port) => {
    const res = await request(port, '/plain');
    assert.equal(res.status, 202);
    assert.equal(res.text, 'answered by res.end');
    assert.equal(res.headers['content-length'], String('answered by res.end'.length));
    assert.equal(res.headers['transfer-encoding'], undefined);
    assert.equal(res.headers['x-after'], 'yes');
  });
});

test('a header Node refuses, in a held head: a 500 at once, and none of the refused headers leak', async () => {
  const app = quietApp();
  stamp(app);
  app.get('/bad-header', () => new HttpResponse('x', { status: 200, headers: { 'x-good': 'kept?', 'x-bad': 'line\nbreak' } }));
  app.get('/bad-status', () => new HttpResponse('x', { status: 1000 as never }));
  await served(app, async (port) => {
    const res = await request(port, '/bad-header');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
    assert.equal(res.headers['x-good'], undefined);
    assert.equal(res.headers['x-after'], 'yes');
    assert.equal((await request(port, '/bad-status')).status, 500);
  });
});

test('a status a middleware sets after next() that Node refuses: a 500, not a crash', async () => {
  const app = quietApp();
  app.use(async (_req, res, next) => {
    await next();
    res.statusCode = 1000;
  });
  app.get('/', () => ({ ok: true }));
  await served(app, async (port) => {
    const res = await request(port, '/');
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
  });
});

test('a reason phrase with CR/LF or a 1xx status a middleware sets after next(): a 500, on a connection that serves on', async () => {
  const app = quietApp();
  app.use(async (req, res, next) => {
    await next();
    const url = new URL(req.url!, 'http://x');
    const reason = url.searchParams.get('reason');
    const status = url.searchParams.get('status');
    if (reason !== null) res.statusMessage = reason;
    if (status !== null) res.statusCode = Number(status);
  });
  app.get('/', () => ({ ok: true }));
  app.get('/stream', () => stream((async function* () { yield 'a'; })()));
  await served(app, async (port) => {
    for (const path of ['/?reason=OK%0D%0ASet-Cookie:%20evil=1', '/?reason=%E2%82%AC', '/?status=101', '/?status=103', '/stream?status=101']) {
      // No answer at all (the reason), or a 1xx sent as the final answer, which the client waited past.
      const conn = await RawConnection.open(port);
      try {
        conn.write(rawGet(path, 'Connection: keep-alive\r\n'));
        const res = await conn.response(3_000);
        assert.equal(res?.status, 500, `${path}: ${res?.raw}`);
        assert.deepEqual(JSON.parse(res!.body), { detail: 'Internal Server Error' });
        assert.ok(!res!.raw.includes('evil'), res!.raw);
        // The same connection takes the next request.
        conn.write(rawGet('/'));
        assert.equal((await conn.response(3_000))?.status, 200);
      } finally {
        conn.destroy();
      }
    }
    assert.equal((await request(port, '/?reason=Fine')).status, 200);
  });
});

test('with compression(): the body is compressed and the header set after next() is there', async () => {
  const app = quietApp();
  stamp(app);
  app.use(compression({ threshold: 0 }));
  app.get('/items', () => Array.from({ length: 200 }, (_, id) => ({ id, name: `item ${id}` })));
  await served(app, async (port) => {
    const res = await request(port, '/items', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['x-after'], 'yes');
    assert.equal(JSON.parse(gunzipSync(res.body).toString('utf8')).length, 200);
  });
});

test('with compression() inside, whose output is still coming when code after next() runs: a Content-Length set there is dropped, and a refused head or a throw there closes the connection, logged; the server serves on', async () => {
  const logged: string[] = [];
  const app = new App({ logger: { level: 'error', hooks: { logMethod: (args, method) => { logged.push(String(args.at(-1))); method.apply(undefined as never, args); } } }, openapi: false });
  app.use(async (req, res, next) => {
    await next();
    if (req.url === '/cl') res.setHeader('content-length', '1');
    if (req.url === '/reason') res.statusMessage = 'OK\r\nX-Injected: 1';
    if (req.url === '/throw') res.setHeader('x-after', '€'); // Node refuses it: a throw after next()
  });
  app.use(compression({ threshold: 0 }));
  for (const path of ['/cl', '/reason', '/throw', '/ok']) app.get(path, () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    const conn = await RawConnection.open(port);
    try {
      conn.write(rawGet('/cl', 'Accept-Encoding: gzip\r\n'));
      const framed = await conn.response(3_000);
      assert.equal(framed?.status, 200);
      assert.equal(framed!.headers['content-length'], undefined, framed!.raw);
      // Read as raw bytes by the helper: the gzip body is checked by the answer after it parsing clean.
      conn.write(rawGet('/ok'));
      const next = await conn.response(3_000);
      assert.equal(next?.status, 200, 'the next answer on the connection starts clean');
      assert.equal(next!.body, '{"ok":true}');
    } finally {
      conn.destroy();
    }
    for (const path of ['/reason', '/throw']) {
      const cut = await RawConnection.open(port);
      try {
        cut.write(rawGet(path, 'Accept-Encoding: gzip\r\n'));
        assert.equal(await cut.closedWithin(3_000), true, `${path}: closed`);
        assert.doesNotMatch(cut.pending, /X-Injected/i, path);
      } finally {
        cut.destroy();
      }
    }
    await waitFor(() => logged.filter((line) => line === 'Error after the response to middleware had started; closing the connection').length === 2, 'both logged', 3_000);
    assert.equal((await request(port, '/ok', { headers: { 'accept-encoding': 'gzip' } })).status, 200);
  } finally {
    await app.close();
  }
});

test('a mounted app with middleware of its own, inside one with middleware: both set their headers after next()', async () => {
  const inner = quietApp();
  stamp(inner, 'x-inner');
  inner.get('/ping', () => ({ pong: true }));
  const outer = quietApp();
  stamp(outer, 'x-outer');
  outer.mount('/sub', inner);
  await served(outer, async (port) => {
    const res = await request(port, '/sub/ping');
    assert.deepEqual(res.json(), { pong: true });
    assert.equal(res.headers['x-inner'], 'yes');
    assert.equal(res.headers['x-outer'], 'yes');
  });
});

test('HEAD: the held head goes out without a body', async () => {
  const app = quietApp();
  stamp(app);
  app.get('/', () => ({ ok: true }));
  await served(app, async (port) => {
    const res = await request(port, '/', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(res.headers['x-after'], 'yes');
  });
});

test('a Connect-style chain whose route answers later writes at once (nothing waits)', async () => {
  const app = quietApp();
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader('x-before', 'yes');
    next();
  });
  app.get('/', async () => ({ ok: true }));
  await served(app, async (port) => {
    const res = await request(port, '/');
    assert.deepEqual(res.json(), { ok: true });
    assert.equal(res.headers['x-before'], 'yes');
  });
});

test('a Content-Length a middleware sets is never wrong on the wire: a held body says its real length, a stream is held to it', async () => {
  const app = new App({ logger: false, openapi: false });
  app.use(async (req, res, next) => {
    if (req.url === '/stream') res.setHeader('content-length', '3');
    await next();
    if (req.url === '/json') res.setHeader('content-length', '3'); // after the body is made: wrong
  });
  app.get('/json', () => ({ ok: true }));
  app.get('/stream', () => stream((async function* () { yield 'abcdef'; yield 'ghi'; })()));
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    const conn = await RawConnection.open(port);
    try {
      conn.write(rawGet('/json'));
      const json = await conn.response(3_000);
      assert.equal(json?.headers['content-length'], '11');
      assert.equal(json?.body, '{"ok":true}');
      conn.write(rawGet('/ok'));
      assert.equal((await conn.response(3_000))?.status, 200, 'the next answer on the connection starts clean');
    } finally {
      conn.destroy();
    }
    // The stream is longer than the 3 bytes the middleware declared: on Node cut, never more than
    // the 3 bytes; Bun frames a streamed body itself, with the length it really has.
    const streamed = await RawConnection.open(port);
    try {
      streamed.write(rawGet('/stream'));
      const whole = (): boolean =>
        (/\r\ncontent-length: 9\r\n/i.test(streamed.pending) && streamed.pending.endsWith('\r\n\r\nabcdefghi')) || /\r\n0\r\n\r\n$/.test(streamed.pending);
      await waitFor(() => streamed.closed || whole(), 'the cut, or a body framed as it is', 3_000);
      if (!whole()) {
        const body = streamed.pending.slice(streamed.pending.indexOf('\r\n\r\n') + 4);
        assert.ok(body.length <= 3, `at most the declared 3 bytes: ${JSON.stringify(body)}`);
      }
    } finally {
      streamed.destroy();
    }
    assert.equal((await request(port, '/ok')).status, 200);
  } finally {
    await app.close();
  }
});

test("a middleware's writeHead() after next() that never ends its answer: a 500, not a request left waiting", async () => {
  const app = new App({ logger: false, openapi: false });
  app.use(async (req, res, next) => {
    await next();
    if (req.url === '/replaced') res.writeHead(200, { 'x-replaced': 'yes' });
    if (req.url === '/replaced-and-ended') res.writeHead(202, { 'x-replaced': 'yes' }).end('mine');
  });
  app.get('/replaced', () => ({ ok: true }));
  app.get('/replaced-and-ended', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    const abandoned = await request(port, '/replaced', { timeout: 3_000 });
    assert.equal(abandoned.status, 500);
    assert.deepEqual(JSON.parse(abandoned.text), { detail: 'Internal Server Error' });
    assert.equal(abandoned.headers['x-replaced'], undefined, 'the abandoned head is not sent with the 500');
    const ended = await request(port, '/replaced-and-ended');
    assert.deepEqual([ended.status, ended.text, ended.headers['x-replaced']], [202, 'mine', 'yes'], 'a replacement that ends is sent');
  } finally {
    await app.close();
  }
});
