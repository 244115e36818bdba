// Redis taken away UNDER LOAD (issue 24's faults): clients hammering a queue-offloaded route get
// clear 503s, /ready turns 503 within about a second, nothing hangs, the API's memory stays flat
// through the outage, and serving resumes by itself when Redis is back. Real Redis, a real worker.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, redisMissing, type RedisServer } from '../support/redis-server.js';
import { killAll, startCli } from '../support/cli-process.js';
import { collectGarbage } from '../support/collect-garbage.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/outage-app.ts', import.meta.url));
const CLIENTS = 8;

describe('Redis stopped under load', { skip: redisMissing(), timeout: 120_000 }, () => {
  let redis: RedisServer;
  let base = '';
  let app: { close(): Promise<void>; listen(o: object): Promise<{ url: string }> };

  before(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, QUEUE_NAME: 'outage-test', QUEUE_MAX_WAITING: '1000', LOG_LEVEL: 'warn' };
    Object.assign(process.env, env);
    app = (await import(FIXTURE)).app;
    base = (await app.listen({ port: 0, handleSignals: false })).url;
    const worker = startCli(['worker', FIXTURE, '--concurrency', '4'], { env: { ...env, LOG_LEVEL: 'info' } });
    await worker.waitForOutput(/worker taking jobs from queue outage-test/);
  });

  after(async () => {
    await app?.close();
    await killAll();
    await redis?.dispose();
  });

  it('503s within a second of the crash, /ready 503, flat memory, and serving resumes when Redis is back', async () => {
    const answers: { at: number; status: number; ms: number }[] = [];
    let running = true;
    // CLIENTS loops, each one request after another, until told to stop (and at most 50,000 requests in all).
    const load = Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (running && answers.length < 50_000) {
          const started = performance.now();
          const status = await fetch(`${base}/queue/items/7`).then(async (res) => (await res.arrayBuffer(), res.status), () => 0);
          answers.push({ at: started, status, ms: performance.now() - started });
          // A refused client waits a moment (less than its Retry-After, to keep the load on): the cap must outlast the outage.
          if (status !== 200) await sleep(10);
        }
      }),
    );
    try {
      await outage();
    } finally {
      running = false; // whatever failed, the load stops here and never runs into the next test
      await load;
    }

    async function outage(): Promise<void> {
      // Serving first: a loaded host may take seconds to start the worker's threads and the events stream.
      const serving = Date.now() + 20_000;
      while (!answers.some((a) => a.status === 200) && Date.now() < serving) await sleep(50);
      await sleep(500);
      const beforeCrash = answers.filter((a) => a.status === 200).length;
      assert.ok(beforeCrash > 0, 'nothing was served before the crash');

      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      const crashedAt = performance.now();
      await redis.kill(); // SIGKILL: Redis gone at once, as a crash

      // /ready says 503 within about a second (polled every 50 ms; the bound is loose for a busy machine).
      let readyAfter = Infinity;
      let lastPollMs = 0;
      while (performance.now() - crashedAt < 5_000) {
        const polled = performance.now();
        const status = (await fetch(`${base}/ready`)).status;
        lastPollMs = performance.now() - polled;
        if (status === 503) {
          readyAfter = performance.now() - crashedAt;
          break;
        }
        await sleep(50);
      }
      // Three seconds of outage under load.
      await sleep(3_000);
      collectGarbage();
      const heapDuring = process.memoryUsage().heapUsed;
      const during = answers.filter((a) => a.at > crashedAt + 1_000 && a.at < crashedAt + 3_000);
      const statuses = new Set(during.map((a) => a.status));
      const slowest = Math.max(...during.map((a) => a.ms));

      await redis.start();
      const restartedAt = performance.now();
      let resumedAfter = Infinity;
      while (performance.now() - restartedAt < 20_000) {
        const last = answers.slice(-CLIENTS);
        if (last.length === CLIENTS && last.every((a) => a.at > restartedAt && a.status === 200)) {
          resumedAfter = performance.now() - restartedAt;
          break;
        }
        await sleep(100);
      }
      running = false;
      await load;
      console.log(
        `# ${answers.length} requests: ${beforeCrash} served before the crash; during the outage ${during.length} answered ` +
          `(statuses ${[...statuses].join(',')}), slowest ${slowest.toFixed(0)} ms; /ready 503 after ${readyAfter.toFixed(0)} ms (that poll took ${lastPollMs.toFixed(0)} ms); ` +
          `heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapDuring / 2 ** 20).toFixed(1)} MiB; serving again ${resumedAfter.toFixed(0)} ms after Redis restarted`,
      );

      // About a second (100–700 ms seen); 3 s of slack for a loaded CI machine, where the poll itself waits its turn.
      assert.ok(readyAfter < 3_000, `/ready took ${readyAfter.toFixed(0)} ms to say 503`);
      assert.ok(during.length >= CLIENTS, `only ${during.length} answers in two seconds of outage: requests hang`);
      assert.deepEqual([...statuses], [503], 'every request during the outage is a 503');
      // Each 503 comes within redisTimeout (500 ms in the fixture) and a loaded machine's slack: never a hang.
      assert.ok(slowest < 2_000, `a request took ${slowest.toFixed(0)} ms during the outage`);
      // No request, job or listener piles up while Redis is away: the heap does not grow with the requests refused.
      assert.ok(heapDuring - heapBefore < 16 * 2 ** 20, `heap grew ${((heapDuring - heapBefore) / 2 ** 20).toFixed(1)} MiB during the outage`);
      assert.ok(resumedAfter < 20_000, 'serving did not resume after Redis came back');
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      assert.ok(answers.every((a) => a.status !== 0), 'a connection failed: the server must answer every request');
    }
  });
  it('a hung Redis (paused, connection still open): 503 within redisTimeout, then /ready 503; both recover when it answers again', async () => {
    // Serving first (the test above restarted Redis).
    const deadline = Date.now() + 20_000;
    while ((await fetch(`${base}/queue/items/1`)).status !== 200 && Date.now() < deadline) await sleep(200);
    process.kill(redis.pid!, 'SIGSTOP');
    try {
      const started = performance.now();
      const first = await fetch(`${base}/queue/items/2`);
      const firstMs = performance.now() - started;
      assert.equal(first.status, 503);
      // redisTimeout is 500 ms in the fixture; slack for a loaded machine.
      assert.ok(firstMs < 3_000, `the first 503 took ${firstMs.toFixed(0)} ms`);
      const ready = await fetch(`${base}/ready`);
      assert.equal(ready.status, 503, 'ioredis still says ready, but Redis does not answer: /ready must say 503');
      assert.match(await ready.text(), /queue outage-test unreachable/);
      const next = performance.now();
      assert.equal((await fetch(`${base}/queue/items/3`)).status, 503);
      assert.ok(performance.now() - next < 1_000, 'once known unresponsive, a request gets its 503 at once');
    } finally {
      process.kill(redis.pid!, 'SIGCONT');
    }
    const back = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < back && (status = (await fetch(`${base}/ready`)).status) !== 200) await sleep(200);
    assert.equal(status, 200, '/ready did not recover after Redis answered again');
    const again = Date.now() + 20_000;
    while (Date.now() < again && (status = (await fetch(`${base}/queue/items/4`)).status) !== 200) await sleep(200);
    assert.equal(status, 200);
  });
});
