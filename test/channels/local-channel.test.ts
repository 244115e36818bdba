// app.channel() without pubsub: one process, its main thread and its offload worker threads,
// through BroadcastChannel. Each subscriber gets each message once, in order; a subscriber's
// buffer is bounded; a bad message is refused; a client that leaves unsubscribes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { App, LoopwiseError, t } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { request } from '../support/http.js';
import { waitFor } from '../support/wait-for.js';
import { withTimeout } from '../support/with-timeout.js';
import { readSse } from './fixtures/sse-reader.js';

process.env.LW_TEST_QUIET = '1';
delete process.env.LW_TEST_PUBSUB_URL;
const { app, news } = await import('./fixtures/news-app.js');

let port = 0;
before(async () => {
  ({ port } = await withTimeout(app.listen({ port: 0, handleSignals: false }), 15_000, 'listen()'));
});
after(() => withTimeout(app.close(), 15_000, 'close()'));

const numbered = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ n: from + i }));

test('a publish from an offloaded handler reaches every main-thread subscriber once, in order', async () => {
  const [a, b] = await Promise.all([readSse(port, '/news'), readSse(port, '/news')]);
  try {
    const published = await request(port, '/publish?from=0&count=20', { method: 'POST', timeout: 15_000 });
    assert.equal(published.status, 200, published.text);
    assert.notEqual(published.json().threadId, threadId, 'published from a worker thread');
    // A marker from the main thread after the batch: by the time it arrives, a second copy of any
    // batch message would have arrived too (one BroadcastChannel per thread, delivered in order).
    await news.publish({ n: 999 });
    for (const reader of [a, b]) {
      await reader.waitFor(21);
      await sleep(200); // room for a duplicate to show (none may)
      assert.deepEqual(reader.events, [...numbered(0, 20), { n: 999 }]);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('a main-thread publish reaches a subscriber in a worker thread', async () => {
  const answer = request(port, '/first-in-worker', { timeout: 15_000 });
  // The worker subscribes when the request gets there; publish until it has heard one (bounded by its 5 s `until`).
  let done = false;
  void answer.finally(() => (done = true));
  for (let n = 0; !done && n < 200; n++) {
    await news.publish({ n: 5000 + n });
    await sleep(50);
  }
  const { status, json } = await answer;
  assert.equal(status, 200);
  const body = json();
  assert.notEqual(body.threadId, threadId);
  assert.ok(body.message !== null && body.message.n >= 5000, JSON.stringify(body));
});

test('an SSE client that leaves unsubscribes: the subscriber count goes back down', async () => {
  assert.equal((await request(port, '/subscribers')).json().count, 0);
  const readers = await Promise.all([readSse(port, '/news'), readSse(port, '/news'), readSse(port, '/news')]);
  assert.equal((await request(port, '/subscribers')).json().count, 3);
  for (const reader of readers) reader.close();
  await waitFor(() => news.subscribers === 0, 'every subscription ended after its client left');
  // A publish after they left goes nowhere and breaks nothing.
  await news.publish({ n: 1 });
  assert.equal(news.subscribers, 0);
});

test('a message that does not match the schema is refused, and nothing is sent', async () => {
  const sub = news.subscribe();
  try {
    await assert.rejects(news.publish({ n: 'one' } as never), (error: LoopwiseError) => {
      assert.equal(error.code, 'LW_ERR_CHANNEL_MESSAGE');
      assert.equal(error.message, 'LW_ERR_CHANNEL_MESSAGE: channel "news": not published: Invalid message: n: Input should be a valid integer, unable to parse string as an integer');
      return true;
    });
    await news.publish({ n: 2 });
    assert.deepEqual(await sub.next(), { value: { n: 2 }, done: false });
  } finally {
    await sub.return();
  }
});

test('a message that cannot cross threads (a function) is refused with the same code', async () => {
  const plain = app.channel('plain');
  await assert.rejects(plain.publish({ run: () => 1 }), { code: 'LW_ERR_CHANNEL_MESSAGE' });
});

test("a slow subscriber's buffer is bounded: the oldest messages are dropped, with one warning", async () => {
  const { logger, lines } = capturedLogger();
  const small = new App({ logger, module: import.meta.url }).channel('bounded', { buffer: 3 });
  const slow = small.subscribe();
  const fast = small.subscribe({ buffer: 100 });
  for (let n = 0; n < 10; n++) await small.publish(n);
  assert.equal(slow.pending, 3);
  assert.equal(slow.dropped, 7);
  const got: unknown[] = [];
  for (let i = 0; i < 3; i++) got.push((await slow.next()).value);
  assert.deepEqual(got, [7, 8, 9]);
  assert.equal(fast.pending, 10);
  assert.equal(fast.dropped, 0);
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
  assert.deepEqual(warnings, ['channel "bounded": a subscriber is too slow; its buffer of 3 messages is full, so the oldest are dropped (subscribe({ buffer }) to keep more)']);
  await slow.return();
  await fast.return();
  assert.equal(small.subscribers, 0);
});

test('the default buffer is 1000 messages', async () => {
  const channel = new App({ logger: false, module: import.meta.url }).channel('default-buffer');
  const sub = channel.subscribe();
  for (let n = 0; n < 1500; n++) await channel.publish(n);
  assert.equal(sub.pending, 1000);
  assert.equal(sub.dropped, 500);
  assert.equal((await sub.next()).value, 500);
  await sub.return();
});

test('return() ends a loop that waits, and signal / until end a subscription', async () => {
  const channel = new App({ logger: false, module: import.meta.url }).channel('endings');
  const waiting = channel.subscribe();
  const read = waiting.next();
  await waiting.return();
  assert.deepEqual(await read, { value: undefined, done: true });

  const controller = new AbortController();
  const bySignal = channel.subscribe({ signal: controller.signal });
  let release!: () => void;
  const byPromise = channel.subscribe({ until: new Promise<void>((resolve) => (release = resolve)) });
  assert.equal(channel.subscribers, 2);
  controller.abort();
  release();
  await waitFor(() => channel.subscribers === 0, 'both ended');
  assert.deepEqual(await bySignal.next(), { value: undefined, done: true });
  assert.deepEqual(await byPromise.next(), { value: undefined, done: true });
});

test('bad names and buffers are refused at once', () => {
  const local = new App({ logger: false, module: import.meta.url });
  assert.throws(() => local.channel(''), { code: 'LW_ERR_INVALID_OPTION' });
  assert.throws(() => local.channel('a b'), { code: 'LW_ERR_INVALID_OPTION' });
  assert.throws(() => local.channel('x', { buffer: 0 }), { code: 'LW_ERR_INVALID_OPTION', message: 'LW_ERR_INVALID_OPTION: app.channel("x") buffer must be a whole number of messages, 1 or more, not 0.' });
  assert.throws(() => local.channel('x').subscribe({ buffer: 1.5 }), { code: 'LW_ERR_INVALID_OPTION' });
  assert.throws(() => new App({ logger: false, module: import.meta.url, pubsub: 'redis://x' as never }), { code: 'LW_ERR_INVALID_OPTION' });
});

test('the message type comes from the schema', () => {
  const typed = new App({ logger: false, module: import.meta.url }).channel('typed', { schema: t.Object({ id: t.String() }) });
  // @ts-expect-error id must be a string
  void typed.publish({ id: 1 }).catch(() => undefined);
  const sub = typed.subscribe();
  void (async () => {
    for await (const message of sub) {
      const id: string = message.id;
      void id;
    }
  })();
  void sub.return();
});
