// Broken percent-encoding in a query string or form body is a 400 wherever it is read: a query
// schema, a handler reading `query`, a dependency, a WebSocket handshake, a form body. And an
// error answer that cannot be serialized becomes a logged 500, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, t } from '../../src/index.js';
import { refusal } from '../support/ws-client.js';
import { withTimeout } from '../support/with-timeout.js';

const QUERY = { detail: 'Bad Request: the query string is not valid percent-encoding' };

test('a query string with %ZZ or %FF is 400 for a query schema, a handler, and a dependency', async () => {
  const app = new App({ logger: false });
  app.get('/schema', { query: t.Object({ q: t.String() }) }, ({ query }) => query);
  app.get('/handler', ({ query }) => query);
  const q = dependency(({ query }) => (query as { q?: string }).q);
  app.get('/dependency', { deps: { q } }, ({ deps }) => ({ q: deps.q }));
  for (const path of ['/schema', '/handler', '/dependency']) {
    for (const raw of ['q=%ZZ', 'q=%FF', 'q=ok&r=%E0%A4%A']) {
      const res = await app.inject(`${path}?${raw}`);
      assert.equal(res.statusCode, 400, `${path}?${raw}`);
      assert.deepEqual(res.json(), QUERY);
    }
  }
});

test('well-formed percent-encoding in a query is decoded as before', async () => {
  const app = new App({ logger: false });
  app.get('/handler', ({ query }) => query);
  const res = await app.inject('/handler?q=a%20b&check=%E2%9C%93&plus=a+b&pct=100%25');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { q: 'a b', check: '✓', plus: 'a b', pct: '100%' });
});

test('a form body with broken percent-encoding is 400; a good one is decoded', async () => {
  const app = new App({ logger: false });
  app.post('/form', { body: t.Object({ a: t.String() }), consumes: ['application/x-www-form-urlencoded'] }, ({ body }) => body);
  const form = (payload: string) => app.inject({ method: 'POST', url: '/form', body: payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const bad = await form('a=%G1');
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), { detail: 'Bad Request: the form body is not valid percent-encoding' });
  const good = await form('a=caf%C3%A9');
  assert.equal(good.statusCode, 200);
  assert.deepEqual(good.json(), { a: 'café' });
});

test('a WebSocket handshake with a broken query string is refused with 400, and the server keeps serving', async (t) => {
  const app = new App({ logger: false });
  app.ws('/live', async (socket) => {
    await socket.send('hello');
    await socket.close();
  });
  app.get('/ping', () => ({ pong: true }));
  t.after(() => app.close());
  const { url } = await app.listen({ port: 0, handleSignals: false });
  const refused = await refusal(`${url.replace('http', 'ws')}/live?q=%ZZ`);
  assert.equal(refused.status, 400);
  assert.deepEqual(JSON.parse(refused.body), QUERY);
  const ping = await withTimeout(fetch(`${url}/ping`), 5_000, 'GET /ping');
  assert.equal(ping.status, 200);
});

test('an error whose detail JSON cannot carry (circular) is a logged 500, not a crash', async () => {
  const lines: string[] = [];
  const { pino } = await import('pino');
  const app = new App({ logger: pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }) });
  app.get('/circular', () => {
    const detail: Record<string, unknown> = {};
    detail.self = detail;
    throw new HTTPException(400, detail);
  });
  app.get('/ping', () => ({ pong: true }));
  const res = await app.inject('/circular');
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
  assert.equal(lines.length, 1);
  assert.match(JSON.parse(lines[0]!).err.message, /circular|cyclic/i, "JSON.stringify's own error (V8 says circular, JavaScriptCore cyclic)");
  assert.equal((await app.inject('/ping')).statusCode, 200);
});
