// rateLimit() on a Redis store, against a real redis-server (test/support/redis-server.ts): two
// App processes count into one budget (exactly `max` allowed between them); Redis killed → 503
// with Retry-After, logged once, never a hang; Redis back → counting resumes by itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, closeRateLimit, rateLimit, redis, type Dependency, type RateLimitInfo } from '../../src/index.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { capturedLogger } from '../support/captured-logger.js';
import { freePort } from '../support/cli-process.js';
import { request, serveApp, type HttpAnswer, type Listening } from '../support/http.js';
import { redisMissing, startRedis, type RedisServer } from '../support/redis-server.js';

const skip = redisMissing();
const FIXTURE = fileURLToPath(new URL('./fixtures/shared-limit-app.ts', import.meta.url));

describe('rateLimit() on Redis', { skip }, () => {
  let server: RedisServer;
  const limiters: Dependency<RateLimitInfo>[] = [];
  // Outages are logged to the test's own logger, never to stdout.
  const limiter = (options: Parameters<typeof rateLimit>[0]) => {
    const made = rateLimit({ log: capturedLogger().logger, ...options });
    limiters.push(made);
    return made;
  };
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const made of limiters) await closeRateLimit(made);
    await server?.dispose();
  });

  test('two App processes share one limit: max 10 across both, exactly 10 allowed', async (t) => {
    const env = { REDIS_URL: server.url, LIMIT_MAX: '10', LIMIT_NAME: 'two-processes' };
    const instances: (AppProcess & { port: number })[] = [];
    t.after(() => instances.forEach((instance) => instance.kill()));
    instances.push(await startAppProcess(FIXTURE, { env }), await startAppProcess(FIXTURE, { env }));
    // 40 requests, 20 to each instance, all at once.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => request(instances[i % 2]!.port, '/hit', { headers: { 'x-client': 'ada' } })));
    const allowed = answers.filter((a) => a.status === 200);
    assert.equal(allowed.length, 10, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.equal(answers.filter((a) => a.status === 429).length, 30);
    assert.deepEqual([...new Set(allowed.map((a) => a.headers['ratelimit-remaining']))].sort((x, y) => Number(x) - Number(y)), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const instance of instances) {
      const answer = await request(instance.port, '/hit', { headers: { 'x-client': 'ada' } });
      assert.equal(answer.status, 429, 'each instance sees the budget spent');
      assert.deepEqual(answer.json(), { detail: 'Too Many Requests' });
      assert.ok(Number(answer.headers['retry-after']) >= 1 && Number(answer.headers['retry-after']) <= 60);
    }
    const other = await request(instances[1]!.port, '/hit', { headers: { 'x-client': 'bob' } });
    assert.equal(other.status, 200, 'another key has its own budget');
  });

  test('the window ends in Redis too: counting starts again', async (t) => {
    const app = new App({ logger: false });
    // 1.5 s: the second request must come within the window the first opened, on a busy machine too.
    app.get('/w', { dependencies: [limiter({ windowMs: 1_500, max: 1, store: redis(server.url), name: 'window' })] }, () => 'ok');
    const listening = await serveApp(app);
    t.after(() => listening.close());
    const first = await request(listening.port, '/w');
    assert.equal(first.status, 200);
    assert.equal(first.headers['ratelimit-reset'], '2', '1,500 ms left rounds up to 2 s');
    assert.equal((await request(listening.port, '/w')).status, 429);
    await sleep(2_000); // past the window: no upper bound is asserted, so a busy machine cannot fail it
    assert.equal((await request(listening.port, '/w')).status, 200);
  });

  test('two limiters under one name on one Redis are refused (they would share counts)', () => {
    limiter({ windowMs: 1_000, max: 1, store: redis(server.url), name: 'twice' });
    assert.throws(() => rateLimit({ windowMs: 1_000, max: 1, store: redis(server.url), name: 'twice' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'LW_ERR_INVALID_OPTION');
      assert.match(error.message, /another limiter already uses the name "twice" on redis:\/\/127\.0\.0\.1:\d+, so the two would share their counts/);
      return true;
    });
  });

  test('Redis killed: 503 + Retry-After at once (logged once), fail-open lets through; Redis back: counting resumes by itself', async (t) => {
    const { logger, lines } = capturedLogger();
    const refusing = limiter({ windowMs: 60_000, max: 1_000, store: redis(server.url), name: 'outage', log: logger });
    const failOpen = limiter({ windowMs: 60_000, max: 1_000, store: redis(server.url), name: 'outage-open', onStoreDown: 'allow', log: logger });
    const app = new App({ logger: false });
    app.get('/refuse', { dependencies: [refusing] }, () => 'ok');
    app.get('/open', { deps: { rate: failOpen } }, ({ deps }) => ({ uncounted: deps.rate.uncounted }));
    const listening: Listening = await serveApp(app);
    t.after(() => listening.close());
    assert.equal((await request(listening.port, '/refuse')).status, 200);
    assert.deepEqual((await request(listening.port, '/open')).json(), { uncounted: false });

    await server.kill();
    const down: HttpAnswer[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      down.push(await request(listening.port, '/refuse'));
      // Bound: the default command timeout is 500 ms; 3 s leaves room for a busy machine and still catches a hang.
      assert.ok(Date.now() - started < 3_000, `answered in ${Date.now() - started} ms`);
    }
    assert.deepEqual([...new Set(down.map((a) => a.status))], [503]);
    assert.deepEqual(down[0]!.json(), { detail: 'Service Unavailable' });
    assert.equal(down[0]!.headers['retry-after'], '1');
    const open = await request(listening.port, '/open');
    assert.equal(open.status, 200);
    assert.deepEqual(open.json(), { uncounted: true });
    assert.equal(open.headers['ratelimit-limit'], undefined, 'nothing was counted, so nothing is claimed');
    const outages = lines.filter((line) => line.level === 50 && line.limiter === 'outage');
    assert.equal(outages.length, 1, 'one log line per outage, not one per request');
    assert.match(outages[0]!.msg, /rateLimit "outage": Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);

    await server.start();
    // ioredis reconnects every ≤ 1 s; 15 s bounds it on a busy machine.
    const deadline = Date.now() + 15_000;
    let answer = await request(listening.port, '/refuse');
    while (answer.status !== 200 && Date.now() < deadline) {
      await sleep(100);
      answer = await request(listening.port, '/refuse');
    }
    assert.equal(answer.status, 200, 'serving resumes with no restart');
    assert.equal(answer.headers['ratelimit-remaining'], '999', 'a fresh Redis (no persistence) counts from zero');
    assert.equal(lines.filter((line) => line.limiter === 'outage' && /is back; counting again/.test(line.msg)).length, 1);
  });

  test('Redis never reachable: the first requests answer 503 within the timeout, not a hang', async (t) => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const { logger } = capturedLogger();
    const app = new App({ logger: false });
    app.get('/x', { dependencies: [limiter({ windowMs: 1_000, max: 5, store: redis(nowhere), name: 'nowhere', timeoutMs: 300, log: logger })] }, () => 'ok');
    const listening = await serveApp(app);
    t.after(() => listening.close());
    const answers = await Promise.all(Array.from({ length: 5 }, () => request(listening.port, '/x', { timeout: 5_000 })));
    assert.deepEqual(answers.map((a) => a.status), [503, 503, 503, 503, 503]);
  });
});
