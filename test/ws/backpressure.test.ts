// Backpressure both ways. Out: `await socket.send…()` waits while more than `highWaterMark` bytes
// are buffered for a peer that does not read, so a fast sender cannot fill memory; in: a handler
// that reads slower than its peer writes stops the socket's reading (the peer's TCP window fills).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, type WebSocketConnection } from '../../src/index.js';
import { connect } from '../support/ws-client.js';
import { skipOnBun } from '../support/runtime.js';

const CHUNK = 256 * 1024;
// 80 MiB: more than the kernel buffers between two local sockets can hold (Linux lets a receive
// buffer grow to tcp_rmem's max, 32 MiB here, and a send buffer to 4 MiB).
const TOTAL = 320;
const HIGH_WATER_MARK = 64 * 1024;

const flood = { sent: 0, maxBuffered: 0, done: false, socket: null as WebSocketConnection<string | Buffer, unknown> | null };
const slow = { release: null as (() => void) | null, socket: null as WebSocketConnection<string | Buffer, unknown> | null, read: [] as string[] };

const app = new App({ logger: false });
app.ws('/flood', { highWaterMark: HIGH_WATER_MARK }, async (socket) => {
  flood.socket = socket;
  const payload = Buffer.alloc(CHUNK, 7);
  for (let i = 0; i < TOTAL; i++) {
    await socket.sendBytes(payload);
    flood.sent++;
    flood.maxBuffered = Math.max(flood.maxBuffered, socket.bufferedAmount);
  }
  flood.done = true;
});
app.ws('/slow-reader', async (socket) => {
  slow.socket = socket;
  await new Promise<void>((resolve) => (slow.release = resolve));
  for await (const message of socket) {
    slow.read.push(message.toString().slice(0, 8));
    if (slow.read.length === 400) break;
  }
  await socket.sendText(`read ${slow.read.length}`);
});

let base = '';
before(async () => {
  const { port } = await app.listen({ port: 0, handleSignals: false });
  base = `ws://127.0.0.1:${port}`;
});
after(() => app.close());

/** Polls until `value()` has not changed for `quiet` ms (bounded by `ms`). */
async function settled(value: () => number, quiet: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let last = value();
  let since = Date.now();
  while (Date.now() < until) {
    await sleep(20);
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quiet) return now;
  }
  throw new Error(`still changing after ${ms} ms`);
}

test('send() waits for a paused reader: the server buffers at most highWaterMark + one message', skipOnBun("an app with WebSocket routes is served through Bun's node:http layer, whose sockets take every write at once (no backpressure reaches write() or 'drain')"), async () => {
  const client = await connect(`${base}/flood`);
  client.ws.pause(); // the client stops reading its socket: the kernel buffers fill, then the server's
  let received = 0;
  let wellFormed = true;
  client.ws.removeAllListeners('message'); // count, do not keep, 80 MiB
  client.ws.on('message', (data: Buffer, isBinary) => {
    received++;
    wellFormed &&= isBinary && data.length === CHUNK && data[0] === 7;
  });
  const stalledAt = await settled(() => flood.sent, 200, 5_000);
  assert.ok(stalledAt < TOTAL, `the handler is held in send() (sent ${stalledAt} of ${TOTAL})`);
  assert.ok(!flood.done);
  const buffered = flood.socket!.bufferedAmount;
  assert.ok(buffered <= HIGH_WATER_MARK + CHUNK, `buffered ${buffered} bytes, bound ${HIGH_WATER_MARK + CHUNK}`);
  assert.ok(flood.maxBuffered <= HIGH_WATER_MARK + CHUNK, `at most ${flood.maxBuffered} bytes were ever buffered`);

  client.ws.resume(); // reading again: every message arrives, and the handler finishes
  const closed = await client.closed(10_000);
  assert.equal(closed.code, 1000);
  assert.equal(received, TOTAL);
  assert.ok(wellFormed);
  assert.ok(flood.done);
});

test('a handler that does not read: the socket stops reading after 32 queued messages, and nothing is lost', async () => {
  const client = await connect(`${base}/slow-reader`);
  const filler = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 400; i++) client.ws.send(`${String(i).padStart(8, '0')}${filler}`);
  await settled(() => client.ws.bufferedAmount, 150, 5_000);
  assert.equal(slow.socket!.raw.isPaused, true, 'the server stopped reading');
  slow.release!();
  assert.equal(await client.next(10_000), 'read 400');
  assert.deepEqual(slow.read, Array.from({ length: 400 }, (_, i) => String(i).padStart(8, '0')));
  assert.equal((await client.closed()).code, 1000);
});
