// Errors on a worker thread are answered as inline: HTTPException with its status, detail and
// headers; anything else 500 with the stack in the (worker's) log only; custom exception handlers
// registered by the app module apply there too.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectResponse } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const INTERNAL = '{"detail":"Internal Server Error"}';

// The fixture (and each worker importing it) logs to this file: set before the module loads.
const dir = mkdtempSync(join(tmpdir(), 'loopwise-offload-errors-'));
const logFile = join(dir, 'log.ndjson');
writeFileSync(logFile, '');
process.env.LW_TEST_OFFLOAD_LOG = logFile;
const { app } = await import('./fixtures/errors-app.js');

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
  rmSync(dir, { recursive: true, force: true });
});

interface LogLine {
  level: number;
  threadId: number;
  msg: string;
  route?: string;
  err?: { type: string; message: string; stack: string; code?: string };
}

/** The log lines written (by any thread) while `run` ran. */
async function logged<T>(run: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const before = readFileSync(logFile, 'utf8').length;
  const result = await run();
  const text = readFileSync(logFile, 'utf8').slice(before);
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
  return { result, lines };
}

/** Status, headers (without the per-response ones) and body: what must match inline and offloaded. */
function shape(res: InjectResponse): { status: number; headers: Record<string, unknown>; body: string } {
  const { date: _date, connection: _connection, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

async function get(url: string): Promise<InjectResponse> {
  return withTimeout(app.inject(url), TIMEOUT, `GET ${url}`);
}

test('an HTTPException raised on a worker gets the same response as inline: status, detail, headers', async () => {
  for (const name of ['unauthorized', 'object-detail', 'forbidden']) {
    const offloaded = await get(`/offloaded/${name}`);
    const inline = await get(`/inline/${name}`);
    assert.deepEqual(shape(offloaded), shape(inline), name);
  }
  const res = await get('/offloaded/unauthorized');
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(res.headers['x-error-code'], 'auth-1');
  assert.deepEqual(res.json(), { detail: 'Not authenticated' });
  assert.deepEqual((await get('/offloaded/object-detail')).json(), { detail: { code: 'duplicate', fields: ['email'], retry: false } });
  assert.deepEqual((await get('/offloaded/forbidden')).json(), { detail: 'Forbidden' });
});

test('an unhandled error on a worker is 500 {"detail":"Internal Server Error"}; message and stack go to the log only', async () => {
  for (const [name, type] of [
    ['boom', 'Error'],
    ['async-boom', 'TypeError'],
  ] as const) {
    const { result: res, lines } = await logged(() => get(`/offloaded/${name}`));
    const inline = await get(`/inline/${name}`);
    assert.deepEqual(shape(res), shape(inline), name);
    assert.equal(res.statusCode, 500);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.body, INTERNAL);
    assert.doesNotMatch(res.body, /hunter2|at /);

    const errors = lines.filter((line) => line.level === 50);
    assert.equal(errors.length, 1, JSON.stringify(lines));
    const [line] = errors;
    assert.equal(line!.msg, `Unhandled error in GET /offloaded/${name}`);
    assert.equal(line!.route, `GET /offloaded/${name}`);
    assert.notEqual(line!.threadId, 0, 'logged by the worker that ran the handler');
    assert.equal(line!.err!.type, type);
    assert.equal(line!.err!.message, 'database password is hunter2');
    assert.match(line!.err!.stack, /errors-app\.ts/);
  }
});

test('exception handlers registered in the app module answer errors raised on the worker, there', async () => {
  const teapot = await get('/offloaded/teapot');
  assert.equal(teapot.statusCode, 418);
  assert.equal(teapot.headers['x-handler'], 'teapot');
  const body = teapot.json();
  assert.equal(body.teapot, 'coffee');
  assert.notEqual(body.handledOn, 0, 'the class handler ran on the worker');
  assert.equal((await get('/inline/teapot')).json().handledOn, 0);

  const conflict = await get('/offloaded/conflict');
  assert.equal(conflict.statusCode, 409);
  assert.equal(conflict.json().conflict, 'taken');
  assert.notEqual(conflict.json().handledOn, 0, 'the status handler ran on the worker');
});

test('a value the worker cannot serialize is a 500, logged as LW_ERR_RESPONSE_SERIALIZATION naming the route', async () => {
  for (const name of ['bigint', 'circular', 'wrong-shape']) {
    const route = `GET /offloaded/${name}`;
    const { result: res, lines } = await logged(() => get(`/offloaded/${name}`));
    assert.equal(res.statusCode, 500, name);
    assert.equal(res.body, INTERNAL, name);
    const errors = lines.filter((line) => line.level === 50);
    assert.equal(errors.length, 1, `${name}: ${JSON.stringify(lines)}`);
    const [line] = errors;
    assert.equal(line!.route, route);
    assert.notEqual(line!.threadId, 0);
    assert.equal(line!.err!.code, 'LW_ERR_RESPONSE_SERIALIZATION');
    assert.ok(
      line!.err!.message.startsWith(`LW_ERR_RESPONSE_SERIALIZATION: the value returned by ${route} does not fit its response schema for status 200`),
      line!.err!.message,
    );
  }
});

test('a stream or event stream returned by an undeclared offloaded route is a 500, and the log names the route and the way out', async () => {
  for (const name of ['stream', 'sse']) {
    const route = `GET /offloaded/${name}`;
    const { result: res, lines } = await logged(() => get(`/offloaded/${name}`));
    assert.equal(res.statusCode, 500, name);
    assert.equal(res.body, INTERNAL, name);
    const errors = lines.filter((line) => line.level === 50);
    assert.equal(errors.length, 1, `${name}: ${JSON.stringify(lines)}`);
    assert.equal(errors[0]!.route, route);
    assert.equal(errors[0]!.msg, `Unhandled error in ${route}`);
    assert.equal(
      errors[0]!.err!.message,
      'LW_ERR_OFFLOAD_RESULT: an offloaded route returned a stream (stream(), sse() or file()), which cannot come back from a worker thread: the client got 500. ' +
        "Serve it from an inline route (offload: false on the route) and run the heavy work with task(), see docs/streaming.md; declare responseClass: 'stream' | 'sse' | 'file' on the route to have this refused at startup.",
    );
  }
});

test('after all these errors the worker still serves', async () => {
  const res = await get('/offloaded/unauthorized');
  assert.equal(res.statusCode, 401);
});
