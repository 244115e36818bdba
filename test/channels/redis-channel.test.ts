// app.channel() with pubsub: redis(url), on a real redis-server: two `loopwise run` processes on
// two ports, an SSE client on each, and a publish from an OFFLOADED handler in one of them reaches
// both clients, in order, once. Redis going away: publish rejects with LW_ERR_PUBSUB_UNAVAILABLE,
// subscribers wait and resume when it is back, nothing crashes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { App, LoopwiseError, redis, t } from '../../src/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { clusterWarning } from '../../src/channels/app-channels.js';
import { freePort, killAll, startCli, waitUntilServing, type CliProcess } from '../support/cli-process.js';
import { request } from '../support/http.js';
import { redisMissing, startRedis, type RedisServer } from '../support/redis-server.js';
import { withTimeout } from '../support/with-timeout.js';
import { readSse } from './fixtures/sse-reader.js';

const APP = new URL('./fixtures/news-app.ts', import.meta.url).pathname;
const skip = redisMissing();
let server: RedisServer | null = null;
let probe: Redis | null = null;

before(async () => {
  if (skip !== false) return;
  server = await startRedis();
  probe = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  probe.on('error', () => undefined);
});

after(async () => {
  await killAll();
  probe?.disconnect();
  await server?.dispose();
});

/** How many connections Redis has subscribed to the "news" channel, polled until it is `count` (bounded). */
async function waitForSubscribers(count: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  let seen = -1;
  while (Date.now() < deadline) {
    try {
      const reply = (await probe!.pubsub('NUMSUB', 'loopwise:channel:news')) as [string, number];
      seen = Number(reply[1]);
      if (seen === count) return;
    } catch {
      // Redis restarting: ask again
    }
    await sleep(50);
  }
  throw new Error(`Redis had ${seen} subscribers of loopwise:channel:news after ${ms} ms, not ${count}`);
}

const numbered = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ n: from + i }));

test('two loopwise run processes: a publish from an offloaded handler reaches an SSE client on each, in order, once', { skip }, async () => {
  const ports = [await freePort(), await freePort()];
  // LW_TEST_QUIET: undefined, since bun test runs a folder's files in one process, where another file may have set it.
  const env = { LW_TEST_PUBSUB_URL: server!.url, LOG_LEVEL: 'warn', LW_TEST_QUIET: undefined };
  const clis: CliProcess[] = ports.map((port) => startCli(['run', APP, '--host', '127.0.0.1', '--port', String(port), '--no-access-log'], { env }));
  await Promise.all(ports.map((port, i) => waitUntilServing(port, clis[i]!)));
  const readers = await Promise.all(ports.map((port) => readSse(port, '/news')));
  try {
    // Each process's main thread has one subscriber connection (its offload thread subscribes to nothing).
    await waitForSubscribers(2);
    const published = await request(ports[0]!, '/publish?from=0&count=20', { method: 'POST', timeout: 20_000 });
    assert.equal(published.status, 200, published.text);
    for (const reader of readers) await reader.waitFor(20, 15_000);
    await sleep(300); // room for a duplicate to show (none may)
    for (const reader of readers) assert.deepEqual(reader.events, numbered(0, 20));
    // And the other way: a publish in the second process reaches the first.
    await request(ports[1]!, '/publish?from=100&count=3', { method: 'POST', timeout: 20_000 });
    for (const reader of readers) assert.deepEqual((await reader.waitFor(23, 15_000)).slice(20), numbered(100, 3));
    for (const cli of clis) assert.doesNotMatch(cli.stdout() + cli.stderr(), /"level":(40|50).*(pubsub|channel|Redis)/, 'no pubsub warning or error logged');
  } finally {
    for (const reader of readers) reader.close();
  }
  // The clients left: each process unsubscribed its connection from the channel.
  await waitForSubscribers(0);
  for (const cli of clis) cli.child.kill('SIGTERM');
  for (const cli of clis) assert.equal(await cli.exited(20_000), 0);
});

test('Redis away: publish rejects with LW_ERR_PUBSUB_UNAVAILABLE; subscribers wait and resume when it is back', { skip }, async () => {
  const app = new App({ logger: false, module: import.meta.url, pubsub: redis(server!.url) });
  const news = app.channel('news');
  const sub = news.subscribe();
  try {
    await waitForSubscribers(1);
    await news.publish({ n: 1 });
    assert.deepEqual((await withTimeout(sub.next(), 5_000, 'first message')).value, { n: 1 });

    await server!.stop();
    await sleep(200); // ioredis notices the closed socket
    await assert.rejects(news.publish({ n: 2 }), (error: LoopwiseError) => {
      assert.equal(error.code, 'LW_ERR_PUBSUB_UNAVAILABLE');
      assert.match(error.message, new RegExp(`^LW_ERR_PUBSUB_UNAVAILABLE: channel "news": the message was not published: Redis at redis://127\\.0\\.0\\.1:${server!.port} is unreachable \\(.+\\)\\. Nothing was sent; publish again once Redis is back \\(subscribers wait and resume by themselves\\)\\.$`));
      return true;
    });
    const waiting = sub.next(); // the subscriber waits through the outage

    await server!.start();
    await waitForSubscribers(1); // ioredis resubscribed by itself
    // The command connection reconnects too (its backoff is at most 2 s): publish until it is back, bounded.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await news.publish({ n: 3 });
        break;
      } catch (error) {
        assert.equal((error as LoopwiseError).code, 'LW_ERR_PUBSUB_UNAVAILABLE');
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
    assert.deepEqual((await withTimeout(waiting, 5_000, 'message after the outage')).value, { n: 3 });
  } finally {
    await sub.return();
    await app.close();
  }
});

test('an in-process channel in a `loopwise run --workers 2` process warns once per process, naming pubsub', { skip }, async () => {
  const port = await freePort();
  const cli = startCli(['run', APP, '--host', '127.0.0.1', '--port', String(port), '--workers', '2', '--no-access-log'], { env: { LW_TEST_PUBSUB_URL: '', LOG_LEVEL: 'info', LW_TEST_QUIET: undefined } });
  await waitUntilServing(port, cli);
  const text = clusterWarning('news');
  assert.equal(text, 'app.channel("news") is in-process only, but this is one of several "loopwise run --workers" processes: a message published here never reaches the subscribers of the other processes. Set pubsub: redis(url) on the App (docs/channels.md).');
  const deadline = Date.now() + 20_000;
  // Counted in the whole output, not per line: two worker processes write to one pipe.
  const count = () => cli.stdout().split(JSON.stringify(text).slice(1, -1)).length - 1;
  while (count() < 2 && Date.now() < deadline) await sleep(50);
  assert.equal(count(), 2, `one warning per worker process\n${cli.stdout()}`);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited(30_000), 0);
});

test('a single `loopwise run` process (no --workers) gives no such warning', { skip }, async () => {
  const port = await freePort();
  const cli = startCli(['run', APP, '--host', '127.0.0.1', '--port', String(port), '--no-access-log'], { env: { LW_TEST_PUBSUB_URL: '', LOG_LEVEL: 'info', LW_TEST_QUIET: undefined } });
  await waitUntilServing(port, cli);
  // The app's own log is on (its listening line is there), so the absence of the warning means something.
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(cli.stdout()) && Date.now() < deadline) await sleep(50);
  assert.match(cli.stdout(), /listening on/);
  assert.doesNotMatch(cli.stdout(), /in-process only/);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited(30_000), 0);
});

test('messages written to the Redis channel by something else: not JSON, too deep or off-schema are dropped, with one warning each kind; valid ones arrive', { skip }, async () => {
  const { logger, lines } = capturedLogger();
  const app = new App({ logger, pubsub: redis(server!.url) });
  const chat = app.channel('chat-foreign', { schema: t.Object({ from: t.String(), text: t.String() }) });
  const subscription = chat.subscribe();
  try {
    const first = subscription.next();
    // Wait until this process has subscribed in Redis, then write straight to the channel.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [, count] = (await probe!.pubsub('NUMSUB', 'loopwise:channel:chat-foreign')) as [string, number];
      if (count >= 1) break;
      await sleep(50);
    }
    for (const raw of ['garbage', 'garbage again', '['.repeat(5_000) + ']'.repeat(5_000), '{"from":42,"evil":true}', '{"from":"x","text":1}']) {
      await probe!.publish('loopwise:channel:chat-foreign', raw);
    }
    await chat.publish({ from: 'ann', text: 'hello' });
    const got = await withTimeout(first, 5_000, 'the valid message');
    assert.deepEqual(got.value, { from: 'ann', text: 'hello' });
    assert.equal(subscription.pending, 0, 'nothing else was delivered');
    const warnings = lines.filter((line) => line.level === 40).map((line) => String(line.msg));
    assert.equal(warnings.filter((msg) => msg.includes('was not JSON')).length, 1, warnings.join('\n'));
    assert.equal(warnings.filter((msg) => msg.includes("does not match the channel's schema")).length, 1, warnings.join('\n'));
  } finally {
    await subscription.return();
    await app.close();
  }
});
