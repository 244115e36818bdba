// The typed client's WebSocket sessions against a listening app (test/client/fixtures/chat-app.ts):
// real sockets on 127.0.0.1. On Node 20 the client opens them with the `ws` package, on Node 22+
// with the global WebSocket; the tests that read a refused handshake's status pass `ws`'s class.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket as WsWebSocket } from 'ws';
import { WebSocketDisconnect, WebSocketHandshakeError, createClient } from '../../src/index.js';
import type { WebSocketConstructor } from '../../src/client/index.js';
import { app } from './fixtures/chat-app.js';

const hasGlobalWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';

describe('api.ws() against a listening app', () => {
  let url = '';
  let api: ReturnType<typeof createClient<typeof app>>;

  before(async () => {
    ({ url } = await app.listen({ port: 0, host: '127.0.0.1', handleSignals: false }));
    api = createClient<typeof app>(url);
  });

  after(async () => {
    await app.close();
  });

  test('params and query reach the handler, encoded as HTTP calls encode them; a typed message echoes back', async () => {
    const chat = await api.ws('/chat/:room', { params: { room: 'lobby one/two' }, query: { user: 'ada lovelace', tag: ['a&b', 'c'] } });
    assert.equal(chat.isOpen, true);
    chat.send({ text: 'hello' });
    const reply = await chat.receive();
    assert.deepEqual(reply, { room: 'lobby one/two', user: 'ada lovelace', text: 'hello', limit: 10, tag: ['a&b', 'c'] });
    assert.equal(reply.text.toUpperCase(), 'HELLO');
    assert.deepEqual(await chat.close(), { code: 1000, reason: '' });
    assert.equal(chat.isOpen, false);
    assert.throws(() => chat.send({ text: 'late' }), WebSocketDisconnect);
  });

  test('for await reads every message until the server closes; the close code and reason are seen', async () => {
    const chat = await api.ws('/chat/:room', { params: { room: 'r' }, query: { user: 'ada', limit: 3 } });
    chat.send({ text: 'one' });
    chat.send({ text: 'two' });
    chat.send({ text: 'bye' });
    const texts: string[] = [];
    for await (const reply of chat) {
      assert.equal(reply.limit, 3);
      texts.push(reply.text);
    }
    assert.deepEqual(texts, ['one', 'two']);
    assert.deepEqual(await chat.closed, { code: 4000, reason: 'bye ada' });
    assert.deepEqual(chat.closeInfo, { code: 4000, reason: 'bye ada' });
    await assert.rejects(chat.receive(), (error: unknown) => error instanceof WebSocketDisconnect && error.code === 4000 && error.reason === 'bye ada');
  });

  test('a message the route refuses closes the socket with 1007', async () => {
    const chat = await api.ws('/chat/:room', { params: { room: 'r' }, query: { user: 'ada' } });
    chat.send({ text: '' }); // minLength 1
    const closed = await chat.closed;
    assert.equal(closed.code, 1007);
    assert.match(closed.reason, /^Invalid message: text:/);
  });

  test('a route value (endpoint.ws) and a Router route are served and typed', async () => {
    const lobby = await api.ws('/lobby');
    assert.deepEqual(await lobby.receive(), { hello: 'lobby' });
    assert.deepEqual(await lobby.closed, { code: 1000, reason: '' });

    const echo = await api.ws('/rooms/:room/echo', { params: { room: 'kitchen' } });
    echo.sendText('hi there');
    assert.equal(await echo.receive(), 'kitchen: hi there'); // not JSON: the text as it is
    await echo.close(4001, 'done');
    assert.deepEqual(await echo.closed, { code: 4001, reason: 'done' });
  });

  test('a dependency query part goes in the URL; a bad token refuses the handshake with 401', async () => {
    const ok = await api.ws('/private', { query: { token: 'ada-token' } });
    assert.deepEqual(await ok.receive(), { user: 'ada' });
    await ok.closed;

    const wsApi = createClient<typeof app>(url, { WebSocket: WsWebSocket as unknown as WebSocketConstructor });
    const refused = await wsApi.ws('/private', { query: { token: 'wrong' } }).then(() => assert.fail('the handshake must be refused'), (error: unknown) => error);
    assert.ok(refused instanceof WebSocketHandshakeError);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.detail, { detail: 'Invalid token' });
  });

  test("headers and cookies go with the handshake, the client's own headers too", async () => {
    const withHeaders = createClient<typeof app>(url, { headers: { 'x-client': 'tests' } });
    const keyed = await withHeaders.ws('/keyed', { headers: { 'x-room-key': 'k1' }, cookies: { seat: '4 B' } });
    assert.deepEqual(await keyed.receive(), { key: 'k1', seat: '4 B', client: 'tests' });
    await keyed.closed;
  });

  test('a handshake refused for a bad query (422) rejects with its status and detail, through ws', async () => {
    const wsApi = createClient<typeof app>(url, { WebSocket: WsWebSocket as unknown as WebSocketConstructor });
    const error = await wsApi.ws('/chat/:room', { params: { room: 'r' }, query: { user: 'ada', limit: 0 } }).then(() => assert.fail('the handshake must be refused'), (caught: unknown) => caught);
    assert.ok(error instanceof WebSocketHandshakeError);
    assert.equal(error.status, 422);
    const detail = error.detail as { detail: { loc: unknown[] }[] };
    assert.deepEqual(detail.detail[0]?.loc, ['query', 'limit']);
    assert.match(error.message, /^the server refused the WebSocket handshake for WS \/chat\/:room with 422: /);
  });

  test('a refused handshake rejects with the default WebSocket too (its status, when that WebSocket tells it)', async () => {
    const error = await api.ws('/chat/:room', { params: { room: 'r' }, query: { user: 'ada', limit: 0 } }).then(() => assert.fail('the handshake must be refused'), (caught: unknown) => caught);
    assert.ok(error instanceof WebSocketHandshakeError, String(error));
    // Node 20 has no global WebSocket: the client uses ws, which tells the status; Node 22+'s global one does not.
    assert.equal(error.status, hasGlobalWebSocket ? undefined : 422);
    assert.match(error.message, /WS \/chat\/:room/);
  });

  test('a server that never answers the handshake: rejects after openTimeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const silentApi = createClient<typeof app>(`http://127.0.0.1:${port}`);
      await assert.rejects(silentApi.ws('/lobby', { openTimeout: 50 }), {
        name: 'WebSocketHandshakeError',
        message: 'the WebSocket handshake for WS /lobby did not finish within 50 ms (openTimeout).',
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('https becomes wss; a missing parameter throws before any connection', async () => {
    const urls: string[] = [];
    class Recording extends WsWebSocket {
      constructor(address: string, ...rest: never[]) {
        urls.push(address);
        super(address, ...rest);
      }
    }
    // Port 1 on loopback refuses the connection: the call rejects, after building its URL.
    const secure = createClient<typeof app>('https://127.0.0.1:1/', { WebSocket: Recording as unknown as WebSocketConstructor });
    await assert.rejects(secure.ws('/lobby'), WebSocketHandshakeError);
    assert.deepEqual(urls, ['wss://127.0.0.1:1/lobby']);
    await assert.rejects(api.ws('/rooms/:room/echo', { params: {} as { room: string } }), /the path \/rooms\/:room\/echo needs a value for the parameter "room"/);
  });
});
