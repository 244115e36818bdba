// requestId(): a valid incoming X-Request-ID is kept, a missing or unsafe one replaced by a new id,
// the id is echoed in the response, readable by handlers, and on the app's log line for a failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopwiseError, requestId, requestIdOf } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const { logger, lines } = capturedLogger();
const app = quietApp({ logger });
app.use(requestId());
app.get('/whoami', ({ request, headers }) => ({ fromRequest: requestIdOf(request), fromHeader: headers['x-request-id'] }));
app.get('/boom', () => {
  throw new Error('database is down');
});

let counter = 0;
const custom = quietApp();
custom.use(requestId({ header: 'X-Correlation-ID', generate: () => `req-${++counter}`, trustIncoming: false }));
custom.get('/', ({ request }) => ({ id: requestIdOf(request) }));

let port = 0;
let customPort = 0;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  const a = await serveApp(app);
  const b = await serveApp(custom);
  port = a.port;
  customPort = b.port;
  closers.push(a.close, b.close);
});
after(() => Promise.all(closers.map((close) => close())));

test('a valid incoming X-Request-ID is kept, echoed, and seen by the handler', async () => {
  for (const id of ['abc-123', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'trace:01HZX/9+=@~_.']) {
    const res = await request(port, '/whoami', { headers: { 'x-request-id': id } });
    assert.equal(res.headers['x-request-id'], id);
    assert.deepEqual(JSON.parse(res.text), { fromRequest: id, fromHeader: id });
  }
});

test('without one, a UUID is generated, different per request', async () => {
  const a = await request(port, '/whoami');
  const b = await request(port, '/whoami');
  const idA = String(a.headers['x-request-id']);
  assert.match(idA, UUID);
  assert.match(String(b.headers['x-request-id']), UUID);
  assert.notEqual(idA, b.headers['x-request-id']);
  assert.deepEqual(JSON.parse(a.text), { fromRequest: idA, fromHeader: idA });
});

test('an unsafe or oversized incoming id is replaced by a new one', async () => {
  for (const bad of ['x'.repeat(129), 'has space', 'quote"d', '<script>', 'a,b', 'ünïcode']) {
    const res = await request(port, '/whoami', { headers: { 'x-request-id': bad } });
    const id = String(res.headers['x-request-id']);
    assert.match(id, UUID, `${JSON.stringify(bad)} replaced`);
    assert.deepEqual(JSON.parse(res.text), { fromRequest: id, fromHeader: id });
  }
});

test("the app's error log line for a failing request carries its id (reqId)", async () => {
  const res = await request(port, '/boom', { headers: { 'x-request-id': 'trace-boom-42' } });
  assert.equal(res.status, 500);
  assert.equal(res.headers['x-request-id'], 'trace-boom-42', 'the error response carries the id too');
  assert.deepEqual(JSON.parse(res.text), { detail: 'Internal Server Error' });
  const deadline = Date.now() + 2_000;
  let line: Record<string, any> | undefined;
  while ((line = lines.find((entry) => entry.err?.message === 'database is down')) === undefined && Date.now() < deadline) await sleep(5);
  assert.ok(line, 'the error was logged');
  assert.equal(line.reqId, 'trace-boom-42');
  assert.equal(line.route, 'GET /boom');
  assert.equal(line.level, 50);
});

test('a custom header and generator; trustIncoming: false ignores what the client sent', async () => {
  const res = await request(customPort, '/', { headers: { 'x-correlation-id': 'client-chosen' } });
  assert.match(String(res.headers['x-correlation-id']), /^req-\d+$/);
  assert.deepEqual(JSON.parse(res.text), { id: res.headers['x-correlation-id'] });
  assert.equal(res.headers['x-request-id'], undefined);
});

test('an invalid header name is refused when the middleware is made', () => {
  assert.throws(() => requestId({ header: 'x request id' }), LoopwiseError);
});
