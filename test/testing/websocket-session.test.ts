// client.websocket(): a session on a real socket, the app served on 127.0.0.1 on a free port;
// send/receive in text, JSON and bytes, the client's headers and cookies in the handshake, a
// refused handshake as WebSocketRefused, the app's close code and reason, bounded waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, WebSocketDisconnect, WebSocketException, WebSocketRefused, dependency, t } from '../../src/index.js';

function chatApp(): App {
  const app = new App({ logger: false });
  const user = dependency({ cookies: t.Object({ session: t.Optional(t.String()) }), headers: t.Object({ 'x-team': t.Optional(t.String()) }) }, ({ cookies, headers }) => {
    if (cookies.session === undefined) throw new HTTPException(401, 'Not signed in');
    return { name: cookies.session, team: headers['x-team'] ?? null };
  });
  app.ws('/chat/:room', { deps: { user }, message: t.Object({ text: t.String() }) }, async (socket, { params, deps }) => {
    await socket.send({ room: params.room, ...deps.user });
    for await (const message of socket) {
      if (message.text === 'bye') throw new WebSocketException(4000, 'see you');
      await socket.send({ from: deps.user.name, text: message.text });
    }
  });
  app.ws('/raw', {}, async (socket) => {
    for await (const message of socket) await (typeof message === 'string' ? socket.sendText(message.toUpperCase()) : socket.sendBytes(Buffer.from([...message].reverse())));
  });
  app.ws('/silent', {}, async (socket) => {
    for await (const _ of socket);
  });
  app.post('/login', ({ reply }) => {
    reply.cookie('session', 'ada');
    return { ok: true };
  });
  return app;
}

test('a session sends and receives JSON; the jar’s cookies and the client’s headers reach the handshake', async () => {
  const client = chatApp().testClient({ headers: { 'x-team': 'blue' } });
  try {
    await client.post('/login');
    const ws = await client.websocket('/chat/lobby');
    assert.deepEqual(await ws.receiveJson(), { room: 'lobby', name: 'ada', team: 'blue' });
    await ws.sendJson({ text: 'hello' });
    assert.deepEqual(await ws.receiveJson(), { from: 'ada', text: 'hello' });
    assert.deepEqual(await ws.close(), { code: 1000, reason: '' });
    assert.deepEqual(ws.closed, { code: 1000, reason: '' });
  } finally {
    await client.close();
  }
});

test('text and binary frames: receive() gives a string or a Buffer, receiveText() and receiveBytes() insist on one', async () => {
  const client = chatApp().testClient();
  try {
    const ws = await client.websocket('/raw');
    await ws.send('shout');
    assert.equal(await ws.receive(), 'SHOUT');
    await ws.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(await ws.receiveBytes(), Buffer.from([3, 2, 1]));
    await ws.send('text');
    await assert.rejects(ws.receiveBytes(), { name: 'TypeError', message: '/raw sent a text message where a binary one was expected: "TEXT"' });
    await ws.send(Buffer.from([9]));
    await assert.rejects(ws.receiveText(), { name: 'TypeError', message: '/raw sent a binary message (1 bytes) where a text one was expected' });
  } finally {
    await client.close();
  }
});

test('a handshake the app refuses rejects with WebSocketRefused: its status, headers and body', async () => {
  const client = chatApp().testClient();
  try {
    const refused = await client.websocket('/chat/lobby').then(
      () => assert.fail('the handshake was accepted'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof WebSocketRefused);
    assert.equal(refused.message, 'the app refused the WebSocket handshake for /chat/lobby with 401: {"detail":"Not signed in"}');
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(refused.json(), { detail: 'Not signed in' });
    await assert.rejects(client.websocket('/nowhere'), { name: 'WebSocketRefused', status: 404 });
  } finally {
    await client.close();
  }
});

test('the app’s close code and reason: receive() rejects with WebSocketDisconnect once every message is read', async () => {
  const client = chatApp().testClient({ cookies: { session: 'bob' } });
  try {
    const ws = await client.websocket('/chat/general');
    await ws.sendJson({ text: 'one' });
    await ws.sendJson({ text: 'bye' });
    assert.deepEqual(await ws.waitClosed(), { code: 4000, reason: 'see you' });
    // What came before the close is still there to read.
    assert.equal((await ws.receiveJson()).room, 'general');
    assert.deepEqual(await ws.receiveJson(), { from: 'bob', text: 'one' });
    const disconnect = await ws.receive().then(() => assert.fail('a message after the close'), (error: unknown) => error);
    assert.ok(disconnect instanceof WebSocketDisconnect);
    assert.deepEqual([disconnect.code, disconnect.reason], [4000, 'see you']);
    await assert.rejects(ws.sendJson({ text: 'late' }), { name: 'WebSocketDisconnect', code: 4000 });
    assert.deepEqual(await ws.close(), { code: 4000, reason: 'see you' }); // already closed: how it closed
  } finally {
    await client.close();
  }
});

test('a message the route’s schema refuses: the app closes with 1007, observable on the session', async () => {
  const client = chatApp().testClient({ cookies: { session: 'bob' } });
  try {
    const ws = await client.websocket('/chat/general');
    await ws.receiveJson();
    await ws.sendJson({ text: 5 });
    assert.deepEqual(await ws.waitClosed(), { code: 1007, reason: 'Invalid message: text: Input should be a valid string' });
  } finally {
    await client.close();
  }
});

test('every wait is bounded: receive() on a silent socket fails with a message instead of hanging', async () => {
  const client = chatApp().testClient({ timeout: 200 });
  try {
    const ws = await client.websocket('/silent');
    await assert.rejects(ws.receive(), { message: 'no message on /silent within 200 ms' });
    await assert.rejects(ws.receive(50), { message: 'no message on /silent within 50 ms' });
    await assert.rejects(ws.waitClosed(50), { message: '/silent was not closed within 50 ms' });
  } finally {
    await client.close();
  }
});

test('the query and subprotocols options; the app is served once for the client’s life, on 127.0.0.1', async () => {
  const app = new App({ logger: false });
  app.ws('/echo', { query: t.Object({ tag: t.Array(t.String()) }) }, async (socket, { query }) => {
    await socket.send({ tag: query.tag, protocol: socket.raw.protocol });
  });
  const client = app.testClient();
  try {
    const first = await client.websocket('/echo', { query: { tag: ['a', 'b'] }, subprotocols: ['chat.v2', 'chat.v1'] });
    assert.deepEqual(await first.receiveJson(), { tag: ['a', 'b'], protocol: 'chat.v2' });
    assert.equal(first.protocol, 'chat.v2');
    const port = (app.server!.address() as { port: number; address: string });
    assert.equal(port.address, '127.0.0.1');
    const second = await client.websocket('/echo?tag=c');
    assert.deepEqual(await second.receiveJson(), { tag: ['c'], protocol: '' });
    assert.equal((app.server!.address() as { port: number }).port, port.port);
  } finally {
    await client.close();
  }
  assert.equal(app.server, null); // close() closed the server it opened
});

test('an app that listens already is reached on its own port', async () => {
  const app = new App({ logger: false });
  app.ws('/ping', {}, async (socket) => socket.sendText('pong'));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  const client = app.testClient();
  try {
    const ws = await client.websocket('/ping');
    assert.equal(await ws.receive(), 'pong');
    assert.equal((app.server!.address() as { port: number }).port, port);
  } finally {
    await client.close();
  }
});

test('close() cuts the sessions still open and closes the app: its lifespan’s teardown runs', async () => {
  const events: string[] = [];
  const app = new App({
    logger: false,
    lifespan: function* () {
      events.push('setup');
      yield;
      events.push('teardown');
    },
  });
  app.ws('/hold', {}, async (socket) => {
    for await (const _ of socket);
  });
  const client = app.testClient();
  const ws = await client.websocket('/hold');
  assert.deepEqual(events, ['setup']);
  const [closed] = await client.close();
  assert.equal(closed!.code, 1006); // cut, not closed
  assert.deepEqual(ws.closed, closed);
  assert.deepEqual(events, ['setup', 'teardown']);
});
