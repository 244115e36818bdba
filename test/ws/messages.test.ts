// Typed JSON messages: each text frame parsed and validated by the route's `message` schema, in
// order; the first that fails closes the socket with 1007 (invalid payload data) and a short
// reason, a binary frame where JSON is expected with 1003, one over maxPayload with 1009 (by ws);
// and what app.ws() infers for the handler's arguments.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { App, CloseCode, dependency, t, type WebSocketConnection } from '../../src/index.js';
import { connect } from '../support/ws-client.js';

// Compile-time checks (`npm test` runs tsc first, so a wrong inference fails the suite).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

const app = new App({ logger: false });
const Chat = t.Object({ text: t.String({ minLength: 1 }), n: t.Optional(t.Integer({ default: 0 })) });

app.ws('/echo', { message: Chat, send: t.Object({ echo: t.String(), n: t.Integer() }) }, async (socket) => {
  for await (const message of socket) {
    await socket.send({ echo: message.text, n: message.n ?? -1, secret: 'dropped by the send schema' } as never);
  }
});
app.ws('/text', { message: 'text' }, async (socket) => {
  for await (const message of socket) await socket.sendText(message.toUpperCase());
});
app.ws('/binary', { message: 'binary' }, async (socket) => {
  for await (const message of socket) await socket.sendBytes(Buffer.from([...message].reverse()));
});
app.ws('/raw', async (socket) => {
  for await (const message of socket) await socket.sendText(typeof message === 'string' ? `text:${message}` : `binary:${message.length}`);
});
app.ws('/small', { message: Chat, maxPayload: 64 }, async (socket) => {
  for await (const message of socket) await socket.send({ ok: message.text });
});
app.ws('/receive', { message: Chat }, async (socket) => {
  const first = await socket.receive();
  const second = await socket.receive();
  await socket.send({ both: [first.text, second.text] });
});

let base = '';
before(async () => {
  const { port } = await app.listen({ port: 0, handleSignals: false });
  base = `ws://127.0.0.1:${port}`;
});
after(() => app.close());

describe('typed JSON messages', () => {
  test('an echo: messages arrive parsed, validated (defaults applied), and go out through the send schema', async () => {
    const client = await connect(`${base}/echo`);
    client.sendJson({ text: 'hello' });
    assert.deepEqual(await client.json(), { echo: 'hello', n: 0 });
    client.sendJson({ text: 'again', n: 7 });
    assert.deepEqual(await client.json(), { echo: 'again', n: 7 });
    client.ws.close(1000);
    assert.equal((await client.closed()).code, 1000);
  });

  test('a schema violation closes with 1007 and a reason naming the field', async () => {
    const client = await connect(`${base}/echo`);
    client.sendJson({ text: 5 });
    assert.deepEqual(await client.closed(), { code: 1007, reason: 'Invalid message: text: Input should be a valid string' });
    assert.equal(CloseCode.INVALID_PAYLOAD, 1007);
  });

  test('a missing field, and several problems at once: 1007, the first named and the rest counted', async () => {
    const missing = await connect(`${base}/echo`);
    missing.sendJson({});
    assert.deepEqual(await missing.closed(), { code: 1007, reason: 'Invalid message: text: Field required' });

    const several = await connect(`${base}/echo`);
    several.sendJson({ text: '', n: 'x' });
    const { code, reason } = await several.closed();
    assert.equal(code, 1007);
    assert.match(reason, /^Invalid message: (text|n): .+ \(\+1 more\)$/);
  });

  test('invalid JSON closes with 1007 "JSON decode error"', async () => {
    const client = await connect(`${base}/echo`);
    client.ws.send('{"text": ');
    assert.deepEqual(await client.closed(), { code: 1007, reason: 'Invalid message: JSON decode error' });
  });

  test('a __proto__ key closes with 1007 (prototype poisoning)', async () => {
    const client = await connect(`${base}/echo`);
    client.ws.send('{"text":"x","__proto__":{"admin":true}}');
    assert.deepEqual(await client.closed(), { code: 1007, reason: 'Invalid message: forbidden __proto__ or constructor.prototype key' });
  });

  test('messages before a bad one are all answered, in order; nothing after it is read', async () => {
    const client = await connect(`${base}/echo`);
    // One write: all three frames reach the server in the same tick.
    client.ws.send(JSON.stringify({ text: 'a' }));
    client.ws.send(JSON.stringify({ text: 'b' }));
    client.ws.send('not json');
    client.ws.send(JSON.stringify({ text: 'never' }));
    const { code } = await client.closed();
    assert.equal(code, 1007);
    assert.deepEqual(client.messages.map((m) => JSON.parse(m.toString())), [{ echo: 'a', n: 0 }, { echo: 'b', n: 0 }]);
  });

  test('a binary frame where JSON is expected closes with 1003', async () => {
    const client = await connect(`${base}/echo`);
    client.ws.send(Buffer.from('{"text":"x"}'));
    assert.deepEqual(await client.closed(), { code: 1003, reason: 'Binary messages are not accepted: send JSON text' });
  });

  test('a message over maxPayload closes with 1009', async () => {
    const client = await connect(`${base}/small`);
    client.sendJson({ text: 'fits' });
    assert.deepEqual(await client.json(), { ok: 'fits' });
    client.sendJson({ text: 'x'.repeat(100) });
    assert.equal((await client.closed()).code, 1009);
  });

  test('the default maxPayload is 1 MiB', async () => {
    const ok = await connect(`${base}/raw`);
    ok.ws.send(Buffer.alloc(1024 * 1024));
    assert.equal(await ok.next(), `binary:${1024 * 1024}`);
    ok.ws.send(Buffer.alloc(1024 * 1024 + 1));
    assert.equal((await ok.closed()).code, 1009);
  });

  test("'text' takes strings and refuses binary with 1003; 'binary' the other way round", async () => {
    const text = await connect(`${base}/text`);
    text.ws.send('shout');
    assert.equal(await text.next(), 'SHOUT');
    text.ws.send(Buffer.from([1]));
    assert.deepEqual(await text.closed(), { code: 1003, reason: 'Binary messages are not accepted: send text' });

    const binary = await connect(`${base}/binary`);
    binary.ws.send(Buffer.from([1, 2, 3]));
    assert.deepEqual([...((await binary.next()) as Buffer)], [3, 2, 1]);
    binary.ws.send('text');
    assert.deepEqual(await binary.closed(), { code: 1003, reason: 'Text messages are not accepted: send binary' });
  });

  test('without a message option, text arrives as strings and binary as Buffers', async () => {
    const client = await connect(`${base}/raw`);
    client.ws.send('hi');
    client.ws.send(Buffer.from([1, 2]));
    assert.equal(await client.next(), 'text:hi');
    assert.equal(await client.next(), 'binary:2');
    client.ws.close();
  });

  test('receive() takes one message at a time; returning from the handler closes with 1000', async () => {
    const client = await connect(`${base}/receive`);
    client.sendJson({ text: 'one' });
    client.sendJson({ text: 'two' });
    assert.deepEqual(await client.json(), { both: ['one', 'two'] });
    assert.equal((await client.closed()).code, 1000);
  });
});

const currentUser = dependency(() => ({ name: 'ada', id: 1 }));

describe('types', () => {
  test('handler arguments are typed from the path and the options, with no annotation', async () => {
    const app = new App({ logger: false });
    app.ws(
      '/chat/:room/:seat',
      {
        params: t.Object({ room: t.String(), seat: t.Integer() }),
        query: t.Object({ nick: t.Optional(t.String()) }),
        deps: { user: currentUser },
        message: t.Object({ text: t.String() }),
        send: t.Object({ echo: t.String(), by: t.String() }),
      },
      async (socket, { params, query, headers, deps }) => {
        expectType<typeof params, { room: string; seat: number }>(true);
        expectType<typeof query, { nick?: string }>(true);
        expectType<typeof headers, IncomingHttpHeaders>(true);
        expectType<typeof deps.user, { name: string; id: number }>(true);
        expectType<typeof socket, WebSocketConnection<{ text: string }, { echo: string; by: string }>>(true);
        for await (const message of socket) {
          expectType<typeof message, { text: string }>(true);
          // @ts-expect-error: `send` takes the send schema's type
          const wrong = () => socket.send({ echo: 1 });
          void wrong;
          await socket.send({ echo: message.text, by: deps.user.name });
        }
      },
    );
    app.ws('/files/:name/*', (socket, { params, deps }) => {
      expectType<typeof params, { name: string; '*': string }>(true);
      expectType<typeof deps, {}>(true);
      expectType<typeof socket, WebSocketConnection<string | Buffer, unknown>>(true);
    });
    app.ws('/text', { message: 'text' }, async (socket) => {
      expectType<Awaited<ReturnType<typeof socket.receive>>, string>(true);
    });
    app.ws('/binary', { message: 'binary' }, async (socket) => {
      expectType<Awaited<ReturnType<typeof socket.receive>>, Buffer>(true);
    });

    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      const client = await connect(`ws://127.0.0.1:${port}/chat/lobby/2`);
      client.sendJson({ text: 'hi' });
      assert.deepEqual(await client.json(), { echo: 'hi', by: 'ada' });
      client.ws.close();
    } finally {
      await app.close();
    }
  });
});
