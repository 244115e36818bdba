// app.use(): order, code after `await next()` running before the response is written (and able to
// change it), answering early,
// errors thrown in middleware, and Express-style middleware — over real sockets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { HTTPException, json, text } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

const events: string[] = [];
/** Settles when the "after" code of the outer middleware has run for a request to /slow-finish. */
let afterRan: (value: { finishedBefore: boolean; status: number }) => void;

const { logger, lines } = capturedLogger();
const app = quietApp({ logger });

app.use(async (req, res, next) => {
  events.push(`outer before ${req.url}`);
  res.setHeader('x-outer', '1');
  await next();
  events.push(`outer after ${req.url} ${res.statusCode}`);
  if (req.url === '/slow-finish') afterRan({ finishedBefore: res.writableFinished, status: res.statusCode });
});
app.use(async (req, _res, next) => {
  events.push(`inner before ${req.url}`);
  if (req.url === '/early') return json({ detail: 'answered by middleware' }, { status: 403, headers: { 'x-early': 'yes' } });
  if (req.url === '/http-exception') throw new HTTPException(418, "I'm a teapot", { 'x-teapot': '1' });
  if (req.url === '/error') throw new Error('secret database password in this message');
  if (req.url === '/next-error') return next(new Error('passed to next'));
  await next();
  events.push(`inner after ${req.url}`);
});
// Express/Connect style: no promise, calls next() and returns nothing.
app.use(function expressStyle(req: IncomingMessage & { user?: string }, res: ServerResponse, next: () => void) {
  req.user = 'ada';
  res.setHeader('x-express', 'ok');
  next();
});
// Express style that answers itself with res.end().
app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
  if (req.url === '/express-end') {
    res.statusCode = 202;
    res.setHeader('content-type', 'text/plain');
    res.end('ended by express middleware');
    return;
  }
  next();
});

app.get('/hello', ({ request }) => {
  events.push('handler /hello');
  return { user: (request as IncomingMessage & { user?: string }).user };
});
app.get('/slow-finish', async () => {
  await sleep(20);
  return text('x'.repeat(100));
});
app.get('/early', () => {
  events.push('handler /early');
  return {};
});

let port = 0;
let close: () => Promise<void>;
before(async () => ({ port, close } = await serveApp(app)));
after(() => close());

test('middlewares run in the order added, around the handler; the Express-style one sets req and headers', async () => {
  events.length = 0;
  const res = await request(port, '/hello');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), { user: 'ada' });
  assert.equal(res.headers['x-outer'], '1');
  assert.equal(res.headers['x-express'], 'ok');
  await waitFor(() => events.includes('outer after /hello 200'));
  assert.deepEqual(events, ['outer before /hello', 'inner before /hello', 'handler /hello', 'inner after /hello', 'outer after /hello 200']);
});

test('`await next()` resolves once the response is ready, before it is written; it goes out when the middleware returns', async () => {
  const alone = quietApp();
  let ran!: (value: { finished: boolean; status: number }) => void;
  const seen = new Promise<{ finished: boolean; status: number }>((resolve) => (ran = resolve));
  let sent!: () => void;
  const finished = new Promise<void>((resolve) => (sent = resolve));
  alone.use(async (_req, res, next) => {
    res.once('finish', sent); // the way to run code after the response has been sent
    await next();
    ran({ finished: res.writableFinished, status: res.statusCode });
    res.setHeader('x-after', 'set after next()');
  });
  alone.use(async (_req, _res, next) => next());
  alone.get('/slow-finish', async () => {
    await sleep(20);
    return text('x'.repeat(100));
  });
  const server = await serveApp(alone);
  try {
    const res = await request(server.port, '/slow-finish');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-after'], 'set after next()');
    assert.equal(res.text, 'x'.repeat(100));
    assert.deepEqual(await withTimeout(seen, 2_000, 'the after-code of the outer middleware'), { finished: false, status: 200 });
    await withTimeout(finished, 2_000, "the response's finish event");
  } finally {
    await server.close();
  }
});

test('`await next()` resolves before the response is written even with an Express-style middleware after it', async () => {
  const ran = new Promise<{ finishedBefore: boolean; status: number }>((resolve) => (afterRan = resolve));
  const res = await request(port, '/slow-finish');
  assert.equal(res.status, 200);
  const seen = await withTimeout(ran, 2_000, 'the after-code of the outer middleware');
  assert.deepEqual(seen, { finishedBefore: false, status: 200 });
});

test('a middleware answers early by returning an HttpResponse: the handler never runs', async () => {
  events.length = 0;
  const res = await request(port, '/early');
  assert.equal(res.status, 403);
  assert.deepEqual(JSON.parse(res.text), { detail: 'answered by middleware' });
  assert.equal(res.headers['x-early'], 'yes');
  assert.equal(res.headers['x-outer'], '1', 'headers set by earlier middleware are kept');
  await waitFor(() => events.includes('outer after /early 403'));
  assert.ok(!events.includes('handler /early'));
});

test('an Express-style middleware can answer with res.end()', async () => {
  const res = await request(port, '/express-end');
  assert.equal(res.status, 202);
  assert.equal(res.text, 'ended by express middleware');
});

test('an HTTPException thrown in a middleware is answered with its status, detail and headers', async () => {
  const res = await request(port, '/http-exception');
  assert.equal(res.status, 418);
  assert.deepEqual(JSON.parse(res.text), { detail: "I'm a teapot" });
  assert.equal(res.headers['x-teapot'], '1');
});

test('an Error thrown in a middleware is a 500 without its message or stack; the log has them', async () => {
  const res = await request(port, '/error');
  assert.equal(res.status, 500);
  assert.deepEqual(JSON.parse(res.text), { detail: 'Internal Server Error' });
  assert.doesNotMatch(res.text, /secret|at |\.ts/);
  const line = await waitFor(() => lines.find((entry) => entry.err?.message === 'secret database password in this message'));
  assert.equal(line.level, 50);
  assert.match(line.err.stack, /api\.test\.ts/);
});

test('an error passed to next(error), Connect-style, is answered as a thrown one', async () => {
  const res = await request(port, '/next-error');
  assert.equal(res.status, 500);
  assert.deepEqual(JSON.parse(res.text), { detail: 'Internal Server Error' });
});

async function waitFor<T>(probe: () => T, ms = 2_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(5);
  }
}

test('a middleware that settles without next() and without answering: a 500 (Starlette: "No response returned."), not a request left waiting', async () => {
  const app = quietApp();
  app.use(async (req, res, next) => {
    if (req.url === '/forgot') return; // neither next() nor an answer
    if (req.url === '/garbage') return 5;
    if (req.url === '/answered') {
      res.writeHead(204).end();
      return;
    }
    // Connect-style, next() called later: not a promise, so never judged before it calls it.
    await next();
  });
  app.use((_req, _res, next) => void setTimeout(() => void next(), 20));
  app.get('/forgot', () => ({ ok: true }));
  app.get('/garbage', () => ({ ok: true }));
  app.get('/answered', () => ({ ok: true }));
  app.get('/ok', () => ({ ok: true }));
  const { port: own } = await serveApp(app);
  try {
    for (const path of ['/forgot', '/garbage']) {
      const res = await request(own, path, { timeout: 3_000 });
      assert.equal(res.status, 500, path);
      assert.deepEqual(JSON.parse(res.text), { detail: 'Internal Server Error' });
    }
    assert.equal((await request(own, '/answered')).status, 204, 'an answer written on res is kept');
    assert.equal((await request(own, '/ok')).status, 200, 'a late next() from a Connect-style middleware still runs the route');
  } finally {
    await app.close();
  }
});
