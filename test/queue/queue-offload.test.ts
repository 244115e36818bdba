// Offload through a queue: the API process adds a BullMQ job, a `loopwise worker` process runs
// it, and the client gets exactly what a worker-thread offload answers. Real Redis, real processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startRedis, redisMissing, type RedisServer } from '../support/redis-server.js';
import { killAll, startCli, type CliProcess } from '../support/cli-process.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/queue-app.ts', import.meta.url));
const skip = redisMissing();

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('offload: { queue }', { skip, timeout: 120_000 }, () => {
  let server: RedisServer;
  let base = '';
  let app: { close(): Promise<void>; listen(o: object): Promise<{ url: string }> };
  let worker: CliProcess | null = null;
  const env = () => ({ REDIS_URL: server.url, QUEUE_NAME: 'offload-test', QUEUE_MAX_WAITING: '2', LOG_LEVEL: 'info' });

  async function call(path: string, init: RequestInit = {}): Promise<Answer & { ms: number }> {
    const started = Date.now();
    const response = await fetch(base + path, init);
    const body = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'date' && name !== 'keep-alive' && name !== 'connection') headers[name] = value;
    });
    return { status: response.status, headers, body, ms: Date.now() - started };
  }

  before(async () => {
    server = await startRedis();
    Object.assign(process.env, env());
    app = (await import(FIXTURE)).app;
    base = (await app.listen({ port: 0, handleSignals: false })).url;
  });

  after(async () => {
    await app?.close();
    await killAll();
    await server?.dispose();
  });

  it('bounds the waiting jobs (503 + Retry-After) and answers 504 past the timeout, removing the job no worker took', async () => {
    // No worker yet: two jobs wait (maxWaiting 2), the third is refused at once.
    const waiting = [call('/queue/slow?ms=1'), call('/queue/slow?ms=1')];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await call('/queue/slow?ms=1');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    assert.deepEqual(JSON.parse(refused.body), { detail: 'Service Unavailable: the server is at capacity, retry shortly' });
    for (const answer of await Promise.all(waiting)) {
      assert.equal(answer.status, 504);
      assert.deepEqual(JSON.parse(answer.body), { detail: 'Gateway Timeout: the handler did not finish within 1000 ms' });
    }
    // The timed-out jobs were removed: a worker started now finds nothing to run.
    const { Queue } = await import('bullmq');
    const { Redis } = await import('ioredis');
    const connection = new Redis(server.url, { maxRetriesPerRequest: null });
    const queue = new Queue('offload-test', { connection });
    try {
      assert.equal(await queue.getWaitingCount(), 0);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('answers exactly what a worker-thread offload answers, on the same handlers', async () => {
    worker = startCli(['worker', FIXTURE, '--concurrency', '2'], { env: env() });
    await worker.waitForOutput(/worker taking jobs from queue offload-test/);
    const cases: [string, RequestInit?][] = [
      ['/items/7?q=x'],
      ['/items/notanumber'],
      ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', tags: ['a'] }) }],
      ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '', tags: 'no' }) }],
      ['/boom'],
      ['/forbidden'],
      ['/teapot'],
      ['/slow?ms=10'],
    ];
    for (const [path, init] of cases) {
      const local = await call(`/local${path}`, init);
      const queued = await call(`/queue${path}`, init);
      const { ms: _l, ...localAnswer } = local;
      const { ms: _q, ...queuedAnswer } = queued;
      assert.deepEqual(queuedAnswer, localAnswer, `${path}: the queue's answer differs from the worker thread's`);
    }
  });

  it("runs a Router's offload: { queue } routes on loopwise worker; its route that says offload: false stays here", async () => {
    assert.ok(worker !== null, 'the worker of the test before');
    const routed = await call('/routed/where');
    assert.equal(routed.status, 200, routed.body);
    assert.deepEqual(JSON.parse(routed.body), { pid: worker.child.pid, mainThread: false, method: 'GET' });
    const here = await call('/routed/here');
    assert.deepEqual(JSON.parse(here.body), { pid: process.pid, mainThread: true });
  });

  it('stops a running job past its timeout (504) and the worker keeps serving', async () => {
    const late = await call('/queue/slow?ms=5000');
    assert.equal(late.status, 504);
    // The worker's pool terminated that thread at the same timeout (its own behaviour, test/offload/timeout.test.ts)
    // and starts another: the worker process lives on and takes the next job.
    const next = await call('/queue/items/3');
    assert.equal(next.status, 200);
  });

  it('answers 503 (and /ready 503) while Redis is away, without hanging, and recovers by itself', async () => {
    await server.stop();
    const down = await call('/queue/items/1');
    assert.equal(down.status, 503);
    assert.equal(down.headers['retry-after'], '1');
    // Bounded by redisTimeout (500 ms); loose so a busy 2-core machine does not fail it.
    assert.ok(down.ms < 3000, `503 took ${down.ms} ms`);
    assert.equal((await call('/ready')).status, 503);
    assert.equal((await call('/health')).status, 200);
    assert.equal((await call('/local/items/1')).status, 200);
    await server.start();
    const deadline = Date.now() + 20_000;
    let answer = await call('/queue/items/1');
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await call('/queue/items/1');
    }
    assert.equal(answer.status, 200, `still ${answer.status} after Redis came back: ${answer.body}`);
    assert.equal((await call('/ready')).status, 200);
  });

  it('a SIGTERMed worker finishes its running job, then exits 0', async () => {
    const running = call('/queue/slow?ms=600');
    await new Promise((resolve) => setTimeout(resolve, 300));
    worker!.child.kill('SIGTERM');
    assert.equal((await running).status, 200);
    assert.equal(await worker!.exited(20_000), 0);
  });
});
