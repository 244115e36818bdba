// Cause 13 (a middleware that changes the response after `await next()`): Starlette's
// `response = await call_next(request)` hands the middleware the response before it is sent; the
// middleware sets headers (or the status) on it and returns it. loopwise's `await next()` resolves at
// the same moment: the route's answer is ready and held until the middleware returns.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, json, stream } from '../../src/index.js';
import { request, serveApp, type Listening } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';
import { withTimeout } from '../support/with-timeout.js';

// docs_src/middleware/tutorial001.py (and tutorial002.py, which adds GET / → {"hello": "world"}):
//   @app.middleware("http")
//   async def add_process_time_header(request, call_next):
//       start_time = time.perf_counter(); response = await call_next(request)
//       response.headers["X-Process-Time"] = str(time.perf_counter() - start_time); return response
const app = new App({ logger: false }); // with /openapi.json, as FastAPI's test requests it
app.use(async (_req, res, next) => {
  const start = performance.now();
  await next();
  res.setHeader('X-Process-Time', String((performance.now() - start) / 1000));
});
app.get('/', () => ({ hello: 'world' }));

let server: Listening;
before(async () => (server = await serveApp(app)));
after(() => server.close());

// FastAPI tests/test_tutorial/test_middleware/test_tutorial001.py, test_response_headers:
//   GET /openapi.json → 200, "X-Process-Time" in response.headers.
test('tutorial001: the header set after next() is on the /openapi.json response', async () => {
  const res = await request(server.port, '/openapi.json');
  assert.equal(res.status, 200);
  assert.ok(res.headers['x-process-time'] !== undefined);
  assert.equal(res.json().openapi, '3.1.0');
});

// FastAPI tests/test_tutorial/test_middleware/test_tutorial002.py, test_add_process_time_header_middleware:
//   GET / → 200 {"hello": "world"}, "X-Process-Time" in response.headers, len(...) > 0.
test('tutorial002: a route\'s response gets the header set after next()', async () => {
  const res = await request(server.port, '/');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { hello: 'world' });
  assert.ok(String(res.headers['x-process-time']).length > 0);
  assert.ok(Number(res.headers['x-process-time']) >= 0);
});

/** One app per case below; closed after each. */
async function served(build: (app: App) => void, run: (port: number) => Promise<void>): Promise<void> {
  const one = quietApp();
  build(one);
  const listening = await serveApp(one);
  try {
    await run(listening.port);
  } finally {
    await listening.close();
  }
}

// Starlette's call_next returns a Response whose status_code the middleware may change before
// returning it (starlette/middleware/base.py: the response is sent after dispatch returns).
test('the status can be changed after next(), and a 404 or a 422 gets the header too', async () => {
  await served(
    (one) => {
      one.use(async (req, res, next) => {
        await next();
        res.setHeader('x-after', res.statusCode);
        if (req.url === '/created') res.statusCode = 201;
      });
      one.get('/created', () => ({ ok: true }));
    },
    async (port) => {
      const created = await request(port, '/created');
      assert.equal(created.status, 201);
      assert.equal(created.headers['x-after'], '200');
      assert.deepEqual(created.json(), { ok: true });
      const missing = await request(port, '/nowhere');
      assert.equal(missing.status, 404);
      assert.equal(missing.headers['x-after'], '404');
    },
  );
});

// Starlette: a streamed body (StreamingResponse, FileResponse) starts after dispatch returned the
// response, so its headers may still be changed after call_next; none can after the first byte.
test('a streamed response: headers set after next() go out before its first byte', async () => {
  await served(
    (one) => {
      one.use(async (_req, res, next) => {
        await next();
        await sleep(5); // an await of its own after next(): the response still waits for it
        res.setHeader('x-after', 'yes');
      });
      one.get('/events', () =>
        stream(
          (async function* () {
            yield 'one\n';
            yield 'two\n';
          })(),
          { headers: { 'content-type': 'text/plain; charset=utf-8' } },
        ),
      );
    },
    async (port) => {
      const res = await request(port, '/events');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-after'], 'yes');
      assert.equal(res.text, 'one\ntwo\n');
    },
  );
});

// Starlette (starlette/middleware/base.py, BaseHTTPMiddleware): an exception raised in dispatch after
// call_next reaches the error handling, and the client gets the error's answer, not the route's.
// (FastAPI's 500 is plain text "Internal Server Error"; loopwise's is its JSON 500, a difference of cause 12.)
test('an error after next() replaces the route\'s answer with the error answer', async () => {
  await served(
    (one) => {
      one.use(async (req, res, next) => {
        await next();
        res.setHeader('x-after', 'set before failing');
        if (req.url === '/teapot') throw new HTTPException(418, "I'm a teapot");
        if (req.url === '/boom') throw new Error('after next');
      });
      one.get('/teapot', ({ reply }) => {
        reply.header('x-route', 'gone with its answer');
        return { from: 'route' };
      });
      one.get('/boom', () => ({ from: 'route' }));
    },
    async (port) => {
      const teapot = await request(port, '/teapot');
      assert.equal(teapot.status, 418);
      assert.deepEqual(teapot.json(), { detail: "I'm a teapot" });
      assert.equal(teapot.headers['x-route'], undefined);
      const boom = await request(port, '/boom');
      assert.equal(boom.status, 500);
      assert.deepEqual(boom.json(), { detail: 'Internal Server Error' });
    },
  );
});

// Starlette: dispatch may return another Response than call_next's; that one is sent.
test('a middleware that returns an HttpResponse after next() sends it instead', async () => {
  await served(
    (one) => {
      one.use(async (_req, res, next) => {
        await next();
        if (res.statusCode === 404) return json({ detail: 'Nothing here, try /' }, { status: 404, headers: { 'x-replaced': '1' } });
        return undefined;
      });
      one.get('/', () => ({ ok: true }));
    },
    async (port) => {
      const res = await request(port, '/missing');
      assert.equal(res.status, 404);
      assert.deepEqual(res.json(), { detail: 'Nothing here, try /' });
      assert.equal(res.headers['x-replaced'], '1');
      assert.deepEqual((await request(port, '/')).json(), { ok: true });
    },
  );
});

// Safety: a streamed body behind a held head is read no further than the stream's own buffer (the
// writes wait for 'drain'), however long the middleware takes after next().
test('a streamed body waits while the head is held: bounded, not read to the end', async () => {
  let holding = false;
  let pulledWhileHeld = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await served(
    (one) => {
      one.use(async (_req, _res, next) => {
        await next();
        holding = true;
        await withTimeout(released, 5_000, 'the test releasing the hold');
        holding = false;
      });
      one.get('/big', () =>
        stream(
          (async function* () {
            for (let i = 0; i < 1_000; i++) {
              if (holding) pulledWhileHeld += 1;
              if (i === 100) release(); // well past any buffer: the hold ends only if reading stopped short of here
              yield 'x'.repeat(1024);
            }
          })(),
        ),
      );
    },
    async (port) => {
      const waiting = request(port, '/big', { timeout: 10_000 });
      // With no backpressure the generator would run to i = 100 on its own and end the hold; it must
      // stop at the stream's buffer instead, so the test ends the hold itself.
      await sleep(200);
      release();
      const res = await waiting;
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 1_000 * 1024);
      assert.ok(pulledWhileHeld <= 40, `chunks read while held: ${pulledWhileHeld}`);
    },
  );
});

// Safety: a client that leaves while its response is held costs nothing more: the held answer is
// dropped, and the server goes on serving.
test('a client that goes away while the response is held: nothing is written, the server serves on', async () => {
  let afterNext!: () => void;
  const ranAfterNext = new Promise<void>((resolve) => (afterNext = resolve));
  await served(
    (one) => {
      one.use(async (req, res, next) => {
        await next();
        if (req.url === '/slow') {
          await new Promise((resolve) => req.socket.once('close', resolve));
          res.setHeader('x-late', 'yes');
          afterNext();
        }
      });
      one.get('/slow', () => ({ ok: true }));
      one.get('/fast', () => ({ ok: true }));
    },
    async (port) => {
      await assert.rejects(request(port, '/slow', { timeout: 300 }));
      await withTimeout(ranAfterNext, 5_000, 'the middleware after the client left');
      const res = await request(port, '/fast');
      assert.deepEqual(res.json(), { ok: true });
    },
  );
});
