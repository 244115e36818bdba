// docs/testing.md's small app (a session cookie, an upload, a chat WebSocket), tested as the page
// shows it, and the check that keeps the page true: every ```ts block in it is in this file or in
// test/examples/todo-sqlite-client.test.ts, word for word.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { App, HTTPException, WebSocketRefused, dependency, t, upload } from '../../src/index.js';

const app = new App({ logger: false });

app.post('/login', {
  consumes: ['application/x-www-form-urlencoded'],
  body: t.Object({ username: t.String() }),
}, ({ body, reply }) => {
  reply.cookie('session', body.username, { httpOnly: true });
  return { ok: true };
});

app.post('/logout', {}, ({ reply }) => {
  reply.clearCookie('session');
  return { ok: true };
});

const user = dependency({ cookies: t.Object({ session: t.Optional(t.String()) }) }, ({ cookies }) => {
  if (cookies.session === undefined) throw new HTTPException(401, 'Not signed in');
  return cookies.session;
});

app.get('/me', { deps: { user } }, ({ deps }) => ({ username: deps.user }));

app.post('/photos', {
  consumes: ['multipart/form-data'],
  body: t.Object({ caption: t.String(), photo: upload() }),
}, async ({ body }) => ({ caption: body.caption, filename: body.photo.filename, size: body.photo.size }));

app.ws('/chat/:room', { deps: { user }, message: t.Object({ text: t.String() }) }, async (socket, { params, deps }) => {
  for await (const message of socket) {
    await socket.send({ room: params.room, from: deps.user, text: message.text });
  }
});

const client = app.testClient();
after(() => client.close());

test('the session cookie is kept across calls', async () => {
  await client.post('/login', { form: { username: 'ada' } });
  assert.equal(client.cookies.get('session'), 'ada');
  assert.deepEqual((await client.get('/me')).json(), { username: 'ada' });

  await client.post('/logout');
  assert.equal(client.cookies.get('session'), undefined);
  assert.equal((await client.get('/me')).statusCode, 401);
});

test('upload a file with a form field', async () => {
  const response = await client.post('/photos', {
    form: { caption: 'Holiday' },
    files: { photo: { name: 'beach.png', type: 'image/png', content: Buffer.from('not really a png') } },
  });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { caption: 'Holiday', filename: 'beach.png', size: 16 });
});

test('chat over a WebSocket', async () => {
  client.cookies.set('session', 'ada');
  const websocket = await client.websocket('/chat/lobby');
  await websocket.sendJson({ text: 'hello' });
  assert.deepEqual(await websocket.receiveJson(), { room: 'lobby', from: 'ada', text: 'hello' });
  await websocket.close();
});

test('a WebSocket handshake without a session is refused', async () => {
  client.cookies.clear();
  await assert.rejects(client.websocket('/chat/lobby'), (error: unknown) => {
    assert.ok(error instanceof WebSocketRefused);
    assert.equal(error.status, 401);
    assert.deepEqual(error.json(), { detail: 'Not signed in' });
    return true;
  });
});

test('a message that does not match the schema closes the socket with 1007', async () => {
  client.cookies.set('session', 'ada');
  const websocket = await client.websocket('/chat/lobby');
  await websocket.sendJson({ text: 42 });
  const closed = await websocket.waitClosed();
  assert.equal(closed.code, 1007);
});

test('every ts snippet of docs/testing.md runs in a test', () => {
  const page = readFileSync(new URL('../../docs/testing.md', import.meta.url), 'utf8');
  const sources = [new URL(import.meta.url), new URL('./stream.test.ts', import.meta.url), new URL('../examples/todo-sqlite-client.test.ts', import.meta.url)].map((url) => readFileSync(url, 'utf8')).join('\n');
  const snippets = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(snippets.length >= 10, `only ${snippets.length} ts snippets in docs/testing.md`);
  for (const snippet of snippets) assert.ok(sources.includes(snippet), `docs/testing.md shows code no test runs:\n${snippet}`);
});
