// WebSocket routes as routes of the route table: `Router.ws()` routes get their router's prefix,
// dependencies and tags when included, as its HTTP routes do; registration and duplicate checks are
// the HTTP ones; a handshake the loop guard sheds gets the same 503 as an HTTP request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, dependency, t } from '../../src/index.js';
import { connect, refusal } from '../support/ws-client.js';

function hasCode(code: string): (error: unknown) => boolean {
  return (error) => (error as { code?: string }).code === code;
}

describe('Router.ws()', () => {
  const ran: string[] = [];
  const appCheck = dependency(() => void ran.push('app'));
  const includeCheck = dependency(() => void ran.push('include'));
  const routerCheck = dependency(() => void ran.push('router'));
  const room = dependency({ query: t.Object({ room: t.String() }) }, ({ query }) => query.room);

  const chat = new Router({ prefix: '/chat', tags: ['chat'], dependencies: [routerCheck] });
  chat.ws('/:nick', { params: t.Object({ nick: t.String({ minLength: 2 }) }), deps: { room }, tags: ['live'] }, async (socket, { params, deps }) => {
    await socket.send({ nick: params.nick, room: deps.room, ran: [...ran] });
  });
  chat.get('/history', () => ({ messages: [] }));

  const app = new App({ logger: false, dependencies: [appCheck] });
  app.include(chat, { prefix: '/v1', tags: ['v1'], dependencies: [includeCheck] });
  let base = '';
  before(async () => {
    const { port } = await app.listen({ port: 0, handleSignals: false });
    base = `ws://127.0.0.1:${port}`;
  });
  after(() => app.close());

  test("serves the route under the router's and the include's prefixes, with every level's dependencies, outer ones first (the include's outside the router's)", async () => {
    ran.length = 0;
    const client = await connect(`${base}/v1/chat/ada?room=lobby`);
    assert.deepEqual(await client.json(), { nick: 'ada', room: 'lobby', ran: ['app', 'include', 'router'] });
    assert.equal((await client.closed()).code, 1000);
    // Not at the path it was declared with, as an HTTP route of the router is not either.
    assert.equal((await refusal(`${base}/ada?room=lobby`)).status, 404);
  });

  test("validates the handshake's parts, its dependencies' included, with the HTTP 422", async () => {
    const refused = await refusal(`${base}/v1/chat/a`);
    assert.equal(refused.status, 422);
    const locations = JSON.parse(refused.body).detail.map((issue: { loc: unknown[] }) => issue.loc);
    assert.deepEqual(locations, [['path', 'nick'], ['query', 'room']]);
  });

  test("carries the router's and the include's tags, with its own, as an HTTP route does", () => {
    const [ws] = app.servedRoutes().websockets;
    const http = app.servedRoutes().routes.find((route) => route.path === '/v1/chat/history')!;
    assert.equal(ws!.path, '/v1/chat/:nick');
    assert.deepEqual(ws!.options.tags, ['v1', 'chat', 'live']);
    assert.deepEqual(http.options.tags, ['v1', 'chat']);
  });

  test('cannot be added once the app has started', () => {
    assert.throws(() => chat.ws('/late', () => undefined), hasCode('LW_ERR_ROUTES_FROZEN'));
  });
});

describe('registration checks, as for HTTP routes', () => {
  test('a path without "/", a missing handler and a non-dependency are refused when declared', () => {
    const router = new Router();
    assert.throws(() => router.ws('chat' as '/chat', () => undefined), /LW_ERR_INVALID_ROUTE: the path of WS chat must start with "\/"/);
    assert.throws(() => router.ws('/chat', {} as never), /LW_ERR_INVALID_ROUTE: WS \/chat needs a handler function as its last argument/);
    assert.throws(() => router.ws('/chat', { deps: { user: (() => 1) as never } }, () => undefined), /LW_ERR_INVALID_DEPENDENCY: deps\.user of WS \/chat is not a dependency/);
    assert.throws(() => router.ws('/chat', { maxPayload: -1 }, () => undefined), /LW_ERR_INVALID_ROUTE: maxPayload of WS \/chat must be a number of bytes > 0, not -1/);
  });

  test('two WebSocket routes that match the same handshakes, one from a router, stop listen() with LW_ERR_DUPLICATE_ROUTE', async () => {
    const app = new App({ logger: false });
    app.ws('/rooms/:room', () => undefined);
    const rooms = new Router({ prefix: '/rooms' });
    rooms.ws('/:id', () => undefined);
    app.include(rooms);
    await assert.rejects(app.listen({ port: 0, handleSignals: false }), /LW_ERR_DUPLICATE_ROUTE: WS \/rooms\/:id matches the same requests as WS \/rooms\/:room/);
    await app.close();
  });

  test('a WebSocket route and an HTTP GET may share a path: they are different kinds of route', async () => {
    const app = new App({ logger: false });
    app.ws('/feed', (socket) => socket.sendText('live'));
    app.get('/feed', () => ({ page: 1 }));
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      const client = await connect(`ws://127.0.0.1:${port}/feed`);
      assert.equal(await client.next(), 'live');
      assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/feed`)).json(), { page: 1 });
    } finally {
      await app.close();
    }
  });
});

describe('load shedding', () => {
  // No sample within the test: the shedding state set below stays as set.
  const app = new App({ logger: false, guard: { sampleInterval: 60_000 } });
  app.ws('/live', (socket) => socket.sendText('hi'));
  app.get('/page', () => ({ ok: true }));
  let port = 0;
  before(async () => {
    ({ port } = await app.listen({ port: 0, handleSignals: false }));
  });
  after(() => app.close());

  test('a handshake that arrives while the guard sheds gets the same 503 as an HTTP request', async () => {
    app.guard.shedding = true;
    try {
      const refused = await refusal(`ws://127.0.0.1:${port}/live`);
      const res = await fetch(`http://127.0.0.1:${port}/page`);
      const body = await res.text();
      assert.equal(refused.status, 503);
      assert.equal(res.status, 503);
      assert.equal(refused.headers['retry-after'], '60');
      assert.equal(res.headers.get('retry-after'), '60');
      assert.match(JSON.parse(refused.body).detail, /^Service Unavailable: the server is overloaded \(event-loop delay \d+ ms\), retry shortly$/);
      assert.deepEqual(Object.keys(JSON.parse(refused.body)), Object.keys(JSON.parse(body)));
    } finally {
      app.guard.shedding = false;
    }
    const client = await connect(`ws://127.0.0.1:${port}/live`);
    assert.equal(await client.next(), 'hi');
  });
});
