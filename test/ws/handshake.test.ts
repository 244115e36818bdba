// The handshake: path matched by find-my-way, path/query/header parts validated as an HTTP
// route's (422), dependencies resolved once at connect (an HTTPException refuses the upgrade with
// its status and headers, a WebSocketException accepts and closes with its code), generator
// cleanups after the socket closes; unknown paths 404; an Upgrade that is not WebSocket is served as HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { App, HTTPException, WebSocketException, dependency, httpBearer, t } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';
import { connect, refusal } from '../support/ws-client.js';

const events: string[] = [];
const bearer = httpBearer();
const currentUser = dependency({ deps: { token: bearer } }, ({ deps }) => {
  if (deps.token.credentials === 'ada-token') return { name: 'ada', admin: false };
  if (deps.token.credentials === 'root-token') return { name: 'root', admin: true };
  throw new HTTPException(401, 'Invalid token', { 'www-authenticate': 'Bearer' });
});
const admin = dependency({ deps: { user: currentUser } }, ({ deps }) => {
  if (!deps.user.admin) throw new HTTPException(403, 'Not enough permissions');
  return deps.user;
});
const session = dependency(async function* session({ reply }) {
  events.push('session open');
  reply.cookie('seen', 'yes');
  try {
    yield { id: 42 };
  } finally {
    events.push('session closed');
  }
});
const roomOpen = dependency({ query: t.Object({ room: t.Optional(t.String()) }) }, ({ query }) => {
  if (query.room === 'closed') throw new WebSocketException(4003, 'room is closed');
  return true;
});

const app = new App({ logger: false });
app.ws(
  '/rooms/:room/:seat',
  { params: t.Object({ room: t.String({ minLength: 2 }), seat: t.Integer({ minimum: 1 }) }), query: t.Object({ nick: t.String({ default: 'anon' }) }) },
  async (socket, { params, query }) => {
    await socket.send({ room: params.room, seat: params.seat, nick: query.nick, seatIsNumber: typeof params.seat === 'number' });
  },
);
app.ws('/untyped/:a/*', async (socket, { params }) => {
  await socket.send(params);
});
app.ws('/me', { deps: { user: currentUser } }, async (socket, { deps }) => {
  await socket.send({ hello: deps.user.name });
  for await (const message of socket) await socket.send({ from: deps.user.name, message });
});
app.ws('/admin', { deps: { admin } }, async (socket, { deps }) => {
  await socket.send({ admin: deps.admin.name });
});
app.ws('/session', { deps: { session }, dependencies: [roomOpen] }, async (socket, { deps }) => {
  events.push(`handler ${deps.session.id}`);
  for await (const _ of socket);
  events.push('handler done');
});
app.get('/plain', () => ({ plain: true }));

let base = '';
let port = 0;
before(async () => {
  ({ port } = await app.listen({ port: 0, handleSignals: false }));
  base = `ws://127.0.0.1:${port}`;
});
after(() => app.close());

describe('path parameters and handshake validation', () => {
  test('path and query parts arrive validated and coerced', async () => {
    const client = await connect(`${base}/rooms/lobby/3?nick=bo`);
    assert.deepEqual(await client.json(), { room: 'lobby', seat: 3, nick: 'bo', seatIsNumber: true });
    assert.equal((await client.closed()).code, 1000);
  });

  test('undeclared path parameters are strings named by the path', async () => {
    const client = await connect(`${base}/untyped/x/rest/of/it`);
    assert.deepEqual(await client.json(), { a: 'x', '*': 'rest/of/it' });
  });

  test('an invalid path parameter refuses the handshake with 422 in FastAPI\'s shape', async () => {
    const refused = await refusal(`${base}/rooms/lobby/zero`);
    assert.equal(refused.status, 422);
    assert.equal(refused.headers['content-type'], 'application/json; charset=utf-8');
    const body = JSON.parse(refused.body);
    assert.deepEqual(body.detail.map((issue: { loc: unknown[] }) => issue.loc), [['path', 'seat']]);
    assert.equal(body.detail[0].type, 'int_parsing');
  });

  test('an unknown path is refused with 404', async () => {
    const refused = await refusal(`${base}/nowhere`);
    assert.equal(refused.status, 404);
    assert.deepEqual(JSON.parse(refused.body), { detail: 'Not Found' });
    // An HTTP route's path is not a WebSocket one either.
    assert.equal((await refusal(`${base}/plain`)).status, 404);
  });

  test('a malformed handshake is refused before any dependency runs', async () => {
    const raw = await rawRequest(port, 'GET /me HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(raw, /missing or invalid Sec-WebSocket-Key/);
    const version = await rawRequest(port, 'GET /me HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n');
    assert.match(version, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(version, /sec-websocket-version: 13/i);
  });

  test('an Upgrade that is not WebSocket (curl --http2 sends h2c) is served as an ordinary request', async () => {
    const res = await withTimeout(
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/plain', headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA' } }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      }),
      5_000,
      'GET /plain with Upgrade: h2c',
    );
    assert.deepEqual(res, { status: 200, body: '{"plain":true}' });
    // Node stops parsing at an Upgrade header, so a body cannot be read: 400, not a silent empty body.
    const withBody = await rawRequest(port, 'POST /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\n{}');
    assert.match(withBody, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});

describe('dependencies at connect', () => {
  test('a bearer-token dependency: no token refuses the upgrade with 401 and WWW-Authenticate', async () => {
    const refused = await refusal(`${base}/me`);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(JSON.parse(refused.body), { detail: 'Not authenticated' });
  });

  test('a wrong token → 401 from the user dependency; a non-admin → 403', async () => {
    const wrong = await refusal(`${base}/me`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(JSON.parse(wrong.body), { detail: 'Invalid token' });
    const forbidden = await refusal(`${base}/admin`, { headers: { authorization: 'Bearer ada-token' } });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(JSON.parse(forbidden.body), { detail: 'Not enough permissions' });
  });

  test('a valid token: the handler gets the resolved user, once, for the whole connection', async () => {
    const client = await connect(`${base}/me`, { headers: { authorization: 'Bearer ada-token' } });
    assert.deepEqual(await client.json(), { hello: 'ada' });
    client.ws.send('one');
    assert.deepEqual(await client.json(), { from: 'ada', message: 'one' });
    client.ws.close();
    assert.equal((await client.closed()).code, 1005);
  });

  test('generator cleanups run after the socket closes and the handler returned', async () => {
    events.length = 0;
    const client = await connect(`${base}/session`);
    assert.deepEqual(events, ['session open', 'handler 42']);
    client.ws.close(1000);
    await client.closed();
    await waitUntil(() => events.includes('session closed'), 2_000);
    assert.deepEqual(events, ['session open', 'handler 42', 'handler done', 'session closed']);
  });

  test('the 101 carries the Set-Cookie a dependency set with reply.cookie', async () => {
    events.length = 0;
    const headers = await withTimeout(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/session',
          headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.headers);
        });
        req.on('response', () => reject(new Error('not upgraded')));
        req.on('error', reject);
        req.end();
      }),
      5_000,
      'the 101',
    );
    assert.deepEqual(headers['set-cookie'], ['seen=yes; Path=/; SameSite=Lax']);
    await waitUntil(() => events.includes('session closed'), 2_000); // the dropped connection was cleaned up too
  });

  test('a WebSocketException from a dependency accepts, then closes with its code (browsers can read it); cleanups still run', async () => {
    events.length = 0;
    const client = await connect(`${base}/session?room=closed`);
    assert.deepEqual(await client.closed(), { code: 4003, reason: 'room is closed' });
    await waitUntil(() => events.includes('session closed'), 2_000);
    assert.ok(!events.some((event) => event.startsWith('handler')), 'the handler did not run');
  });
});

describe('the App\'s own dependencies', () => {
  test('they run for WebSocket routes too, beside the route\'s (concurrently, as on HTTP routes)', async () => {
    const order: string[] = [];
    const apiKey = dependency({ headers: t.Object({ 'x-key': t.String() }) }, ({ headers }) => {
      order.push('app');
      if (headers['x-key'] !== 'k') throw new HTTPException(403, 'Bad key');
    });
    const own = dependency(() => void order.push('route'));
    const guarded = new App({ logger: false, dependencies: [apiKey] });
    guarded.ws('/in', { dependencies: [own] }, (socket) => socket.sendText('in'));
    const { port: guardedPort } = await guarded.listen({ port: 0, handleSignals: false });
    try {
      const url = `ws://127.0.0.1:${guardedPort}/in`;
      const missing = await refusal(url);
      assert.equal(missing.status, 422);
      assert.deepEqual(JSON.parse(missing.body).detail[0].loc, ['header', 'x-key']);
      assert.equal((await refusal(url, { headers: { 'x-key': 'no' } })).status, 403);
      const client = await connect(url, { headers: { 'x-key': 'k' } });
      assert.equal(await client.next(), 'in');
      assert.deepEqual(order, ['app', 'route', 'app', 'route']); // the 403 attempt, then this one
    } finally {
      await guarded.close();
    }
  });
});

function rawRequest(port: number, text: string): Promise<string> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = tcpConnect(port, '127.0.0.1', () => socket.write(text));
      let out = '';
      socket.on('data', (chunk) => (out += chunk));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    }),
    5_000,
    'a raw request',
  );
}

async function waitUntil(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
