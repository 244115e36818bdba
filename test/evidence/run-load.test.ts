// runLoad against a plain node:http server that counts what it receives: the load runner's counts
// must be exact, since every figure in the evidence is divided by them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad, type LoadProgress } from '../../src/evidence/run-load.js';

let server: Server;
let base: string;
const received = new Map<string, number>();

before(async () => {
  server = createServer((req, res) => {
    received.set(req.url!, (received.get(req.url!) ?? 0) + 1);
    const status = req.url === '/fail' ? 500 : 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"detail":"Internal Server Error"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const target = (path: string) => ({ url: base + path, route: `GET ${path}`, pattern: 'async' as const });

test('amount N: exactly N responses counted, and the server received exactly N', async () => {
  const result = await runLoad(target('/count'), { concurrency: 4, amount: 257 });
  assert.equal(result.requests, 257);
  assert.equal(received.get('/count'), 257);
  assert.equal(result.errors, 0);
  assert.equal(result.timeouts, 0);
  assert.equal(result.concurrency, 4);
  assert.equal(result.route, 'GET /count');
  assert.equal(result.url, `${base}/count`);
  const { p50, p95, p99, max } = result.latencyMs;
  assert.ok(p50 >= 0 && p50 <= p95 && p95 <= p99 && p99 <= max, JSON.stringify(result.latencyMs));
  assert.ok(result.requestsPerSecond > 0);
});

test('duration mode runs about that long and counts every response the server sent', async () => {
  const ticks: LoadProgress[] = [];
  const result = await runLoad(target('/timed'), { concurrency: 2, duration: 1.5, onProgress: (p) => ticks.push(p) });
  assert.ok(result.durationSeconds >= 1.45 && result.durationSeconds < 1.8, `ran ${result.durationSeconds} s`);
  assert.ok(result.requests > 0);
  // A request in flight when the run stops may reach the server without its response being read.
  const served = received.get('/timed')!;
  assert.ok(served >= result.requests && served <= result.requests + 2, `server ${served}, client ${result.requests}`);
  assert.ok(ticks.length >= 1 && ticks.every((t) => t.route === 'GET /timed'), JSON.stringify(ticks));
  const rate = result.requests / result.durationSeconds;
  assert.ok(Math.abs(result.requestsPerSecond - rate) <= rate * 0.01, `${result.requestsPerSecond} req/s for ${result.requests} in ${result.durationSeconds} s`);
});

test('a 500 route: every response is an error, and still counted as a request', async () => {
  const result = await runLoad(target('/fail'), { concurrency: 3, amount: 30 });
  assert.equal(result.requests, 30);
  assert.equal(result.errors, 30);
  assert.deepEqual(result.statuses, { 500: 30 });
  assert.equal(result.socketErrors, 0);
  assert.equal(result.timeouts, 0);
  assert.equal(received.get('/fail'), 30);
});

test('socket errors count as errors: nothing listens on the port', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const result = await runLoad({ url: `http://127.0.0.1:${port}/`, route: 'GET /', pattern: 'async' }, { concurrency: 1, duration: 0.5 });
  assert.equal(result.requests, 0);
  assert.ok(result.errors > 0, JSON.stringify(result));
  // Refused connections are socket errors, not timeouts, and no status was seen.
  assert.equal(result.socketErrors, result.errors, JSON.stringify(result));
  assert.equal(result.timeouts, 0);
  assert.deepEqual(result.statuses, {});
});

test('a server that never answers: timeouts, apart from socket errors and from errors', async () => {
  const silent = createServer(() => {
    // Reads the request, never answers.
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hang`;
    const result = await runLoad({ url, route: 'GET /hang', pattern: 'async' }, { concurrency: 2, duration: 2.5, timeout: 1 });
    assert.equal(result.requests, 0);
    assert.ok(result.timeouts >= 2, JSON.stringify(result));
    assert.equal(result.socketErrors, 0, JSON.stringify(result));
    assert.equal(result.errors, 0, 'timeouts are counted apart from errors');
    assert.deepEqual(result.statuses, {});
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('statuses: every answer counted under its code, summing to requests', async () => {
  let n = 0;
  const mixed = createServer((_req, res) => {
    const status = [200, 401, 503][n++ % 3]!;
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => mixed.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(mixed.address() as AddressInfo).port}/`;
    const result = await runLoad({ url, route: 'GET /', pattern: 'async' }, { concurrency: 1, amount: 30 });
    assert.deepEqual(result.statuses, { 200: 10, 401: 10, 503: 10 });
    assert.equal(result.errors, 20, 'the non-2xx answers');
  } finally {
    await new Promise<void>((resolve) => mixed.close(() => resolve()));
  }
});

test('POST with a body and headers reaches the server as sent', async () => {
  const seen: string[] = [];
  const echo = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push(`${req.method} ${req.headers['content-type']} ${body}`);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/items`;
    const result = await runLoad({ url, route: 'POST /items', pattern: 'async', body: '{"name":"a"}', headers: { 'content-type': 'application/json' } }, { concurrency: 2, amount: 4 });
    assert.equal(result.requests, 4);
    assert.deepEqual(seen, Array(4).fill('POST application/json {"name":"a"}'));
  } finally {
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
});

test('invalid options are refused before any load', () => {
  assert.throws(() => runLoad(target('/x'), { concurrency: 0, amount: 1 }), /concurrency must be a whole number ≥ 1/);
  assert.throws(() => runLoad(target('/x'), { concurrency: 1, amount: 1.5 }), /amount must be a whole number ≥ 1/);
});
