// A fault of the server's own while a frame is handled (src/ws/typed-socket.ts): the connection's
// listeners run inside ws's socket handlers, where a throw used to end the process. Over a real
// socket with a decoder that throws (or overflows the stack): the fault is reported, the socket
// closes with 1011, and this process (which the throw would have ended) serves the next socket.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { WebSocketConnection, type MessageDecoder } from '../../src/ws/typed-socket.js';
import { connect } from '../support/ws-client.js';

const faults: unknown[] = [];
let decode: MessageDecoder<unknown> = (data) => ({ ok: true, value: data.toString() });
let server: Server;
let base = '';

before(async () => {
  const sockets = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const connection = new WebSocketConnection(ws, socket, {
        decode: (data, isBinary) => decode(data, isBinary),
        serialize: JSON.stringify,
        highWaterMark: 64 * 1024,
        maxQueued: 32,
        heartbeat: 0,
        onRefused: () => {},
        onError: () => {},
        onFault: (error) => faults.push(error),
      });
      void (async () => {
        for await (const message of connection) await connection.sendText(`echo ${String(message)}`);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function overflow(depth: number): number {
  return overflow(depth + 1) + 1;
}

test('a decoder that throws: close 1011, the fault reported, the next socket served', async () => {
  decode = () => {
    throw new Error('decoder bug');
  };
  const client = await connect(base);
  client.ws.send('hello');
  assert.deepEqual(await client.closed(), { code: 1011, reason: 'Internal Server Error' });
  assert.equal(faults.length, 1);
  assert.equal((faults[0] as Error).message, 'decoder bug');

  decode = (data) => ({ ok: true, value: data.toString() });
  const next = await connect(base);
  next.ws.send('again');
  assert.equal(await next.next(), 'echo again');
  next.ws.close();
});

test('a decoder that overflows the stack: close 1011, the next socket served', async () => {
  faults.length = 0;
  decode = () => ({ ok: true, value: overflow(0) });
  const client = await connect(base);
  client.ws.send('deep');
  assert.equal((await client.closed()).code, 1011);
  assert.ok(faults[0] instanceof RangeError, String(faults[0]));

  decode = (data) => ({ ok: true, value: data.toString() });
  const next = await connect(base);
  next.ws.send('still here');
  assert.equal(await next.next(), 'echo still here');
  next.ws.close();
});
