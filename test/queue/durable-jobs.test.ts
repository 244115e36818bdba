// Durable jobs: enqueued through HTTP, stored in Redis, run by `loopwise worker` processes; nothing
// lost when a worker is SIGKILLed mid-run and the API process restarts. Real Redis, real processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, redisMissing, type RedisServer } from '../support/redis-server.js';
import { freePort, killAll, startCli, waitUntilServing, type CliProcess } from '../support/cli-process.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/durable-app.ts', import.meta.url));
const skip = redisMissing();
const TOTAL = 1000;
const BATCH = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('durable jobs (background.enqueue)', { skip, timeout: 180_000 }, () => {
  let server: RedisServer;
  let ledger: Redis;
  let port = 0;
  let api: CliProcess;
  const env = () => ({ REDIS_URL: server.url, QUEUE_NAME: 'durable-test', LOG_LEVEL: 'info', JOB_MS: '50' });
  const base = () => `http://127.0.0.1:${port}`;

  async function startApi(): Promise<CliProcess> {
    const cli = startCli(['run', FIXTURE, '--port', String(port), '--host', '127.0.0.1'], { env: env() });
    await waitUntilServing(port, cli, '/health');
    return cli;
  }

  function startWorker(): CliProcess {
    return startCli(['worker', FIXTURE, '--concurrency', '4'], { env: { ...env(), LOOPWISE_WORKER_SIDE: 'worker' } });
  }

  /** Polls GET /jobs/:id until `done(job)` (bounded). */
  async function waitForJob(id: string, done: (job: Record<string, unknown>) => boolean, ms = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const job = (await (await fetch(`${base()}/jobs/${id}`)).json()) as Record<string, unknown>;
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${JSON.stringify(job)} after ${ms} ms`);
      await sleep(100);
    }
  }

  before(async () => {
    server = await startRedis();
    ledger = new Redis(server.url, { maxRetriesPerRequest: null });
    ledger.on('error', () => undefined);
    port = await freePort();
    api = await startApi();
  });

  after(async () => {
    ledger?.disconnect();
    await killAll();
    await server?.dispose();
  });

  it(`runs all ${TOTAL} jobs enqueued through HTTP while a worker is SIGKILLed and the API restarts: none lost, results visible`, async (t) => {
    const workers = [startWorker(), startWorker()];
    await Promise.all(workers.map((worker) => worker.waitForOutput(/worker taking jobs from queue durable-test/)));
    // BullMQ's own account of jobs whose worker died (their lock expired and another worker took them back).
    const { QueueEvents } = await import('bullmq');
    const eventsConnection = new Redis(server.url, { maxRetriesPerRequest: null });
    eventsConnection.on('error', () => undefined);
    const events = new QueueEvents('durable-test', { connection: eventsConnection });
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    await events.waitUntilReady();
    const started = Date.now();
    let refusedWhileDown = 0;
    for (let start = 0; start < TOTAL; start += BATCH) {
      if (start === 300) {
        // Mid-run, with a backlog (enqueueing outpaces 8 × 50 ms jobs): one worker dies without a word
        // while it holds 4 jobs; their locks expire and the other worker takes them back.
        while (Number(await ledger.llen('ran')) < 20) await sleep(50);
        workers[0]!.child.kill('SIGKILL');
      }
      if (start === 500) {
        api.child.kill('SIGKILL'); // the API process dies too; what it stored stays in Redis
        await api.exited();
        api = await startApi();
      }
      // A batch is re-sent until it is answered 202: its job ids make the retry idempotent.
      for (;;) {
        const answer = await fetch(`${base()}/jobs?start=${start}&n=${BATCH}`, { method: 'POST' }).catch(() => null);
        if (answer?.status === 202) {
          assert.equal(((await answer.json()) as { ids: string[] }).ids.length, BATCH);
          break;
        }
        refusedWhileDown++;
        await sleep(100);
      }
    }
    const enqueuedMs = Date.now() - started;
    // Every id ran at least once: bounded wait (stalled recovery needs lockDuration + stalledInterval, 3 s here).
    const deadline = Date.now() + 60_000;
    let unique = new Set<string>();
    let runs: string[] = [];
    while (Date.now() < deadline) {
      runs = await ledger.lrange('ran', 0, -1);
      unique = new Set(runs);
      if (unique.size === TOTAL) break;
      await sleep(200);
    }
    const missing = [];
    for (let i = 0; i < TOTAL; i++) if (!unique.has(`job-${i}`)) missing.push(`job-${i}`);
    assert.deepEqual(missing, [], `${missing.length} jobs never ran`);
    // Their results: every job completed, its return value readable through the API.
    let notCompleted = 0;
    for (let i = 0; i < TOTAL; i += 20) {
      const jobs = await Promise.all(Array.from({ length: 20 }, (_, k) => waitForJob(`job-${i + k}`, (job) => job.state === 'completed', 20_000)));
      for (const [k, job] of jobs.entries()) {
        if (job.state !== 'completed') notCompleted++;
        assert.deepEqual(job.result, { id: `job-${i + k}`, doubled: (i + k) * 2 });
      }
    }
    assert.equal(notCompleted, 0);
    const duplicates = runs.length - unique.size;
    await events.close();
    eventsConnection.disconnect();
    t.diagnostic(
      `${TOTAL} jobs: ${runs.length} runs, ${duplicates} duplicate runs, ${stalled.size} jobs recovered from the SIGKILLed worker (stalled), ` +
        `all ${TOTAL} completed; enqueued in ${enqueuedMs} ms, all done in ${Date.now() - started} ms; ${refusedWhileDown} batch posts re-sent around the API restart`,
    );
    // The killed worker held jobs: BullMQ saw them stall and gave them to the other worker.
    assert.ok(stalled.size >= 1, 'no job was recovered from the killed worker');
    // At most the jobs the killed worker held (concurrency 4) ran twice; loose bound all the same.
    assert.ok(duplicates <= 50, `${duplicates} duplicates`);
    workers[1]!.child.kill('SIGTERM');
    assert.equal(await workers[1]!.exited(), 0);
  });

  describe('faults', () => {
    let worker: CliProcess;
    before(async () => {
      worker = startWorker();
      await worker.waitForOutput(/worker taking jobs from queue durable-test/);
    });

    async function enqueue(path: string): Promise<string> {
      const answer = await fetch(base() + path, { method: 'POST' });
      assert.equal(answer.status, 202, await answer.clone().text());
      return ((await answer.json()) as { id: string }).id;
    }

    it('retries a task that throws with exponential backoff, then marks it failed with its error', async () => {
      const id = await enqueue('/flaky');
      const job = await waitForJob(id, (job) => job.state === 'failed');
      assert.equal(job.attemptsMade, 3);
      assert.equal(job.failedReason, 'flaky f1 always fails');
      // Another task's job(id) does not show this job (tasks share the queue; ids are guessable).
      assert.equal((await fetch(`${base()}/record-jobs/${id}`)).status, 404);
      // Backoff 200 ms, doubling: the second run ≥ 200 ms after the first, the third ≥ 400 ms after the second.
      const times = (await ledger.lrange('flaky-runs', 0, -1)).map((entry) => Number(entry.split('@')[1]));
      assert.equal(times.length, 3);
      assert.ok(times[1]! - times[0]! >= 190 && times[2]! - times[1]! >= 390, `gaps ${times[1]! - times[0]!} and ${times[2]! - times[1]!} ms`);
      assert.match(worker.stdout() + worker.stderr(), /durable task flaky \(job \S+, attempt 3\) threw: flaky f1 always fails/);
    });

    it('fails a run past its timeout (the thread is terminated) and the worker keeps taking jobs', async () => {
      const id = await enqueue('/overstay');
      const job = await waitForJob(id, (job) => job.state === 'failed');
      assert.match(String(job.failedReason), /did not finish within 500 ms.*\(timeout 500 ms\)/);
      assert.match(worker.stdout() + worker.stderr(), /did not finish within its 500 ms timeout: its worker thread was terminated and replaced/);
      assert.equal((await fetch(`${base()}/jobs?start=5000&n=1`, { method: 'POST' })).status, 202);
      assert.deepEqual((await waitForJob('job-5000', (job) => job.state === 'completed')).result, { id: 'job-5000', doubled: 10_000 });
    });

    it('a task that blocks its thread past lockDuration runs once: the worker loop keeps the lock, the guard has nothing to name', async () => {
      const id = await enqueue('/long'); // blocks 3.5 s; lockDuration 2 s, stalledInterval 1 s
      const job = await waitForJob(id, (job) => job.state === 'completed');
      assert.equal(job.result, 'done');
      assert.equal(job.attemptsMade, 1);
      assert.equal(await ledger.llen('long-runs'), 1);
      assert.doesNotMatch(worker.stdout() + worker.stderr(), /blocked the event loop/);
    });

    it('fails a job whose task the worker does not declare, at once, naming it', async () => {
      const id = await enqueue('/missing');
      const job = await waitForJob(id, (job) => job.state === 'failed');
      assert.ok(Number(job.attemptsMade) <= 1, `retrying cannot help, yet it ran ${String(job.attemptsMade)} times`);
      assert.match(String(job.failedReason), /no durable task named 'not-on-worker-api' in this worker's app: declare durableTask\('not-on-worker-api', fn\)/);
    });

    it('enqueue while Redis is down answers 503 + Retry-After within a second or so, and works again once it is back', async () => {
      await server.stop();
      const started = Date.now();
      const down = await fetch(`${base()}/jobs?start=6000&n=1`, { method: 'POST' });
      const ms = Date.now() - started;
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '1');
      assert.deepEqual(await down.json(), { detail: 'Service Unavailable: the job queue (durable-test) is unreachable, retry shortly' });
      assert.ok(ms < 3000, `503 took ${ms} ms (redisTimeout 500; loose for a busy machine)`);
      await server.start();
      const deadline = Date.now() + 20_000;
      let status = 0;
      while (status !== 202 && Date.now() < deadline) {
        status = (await fetch(`${base()}/jobs?start=6000&n=1`, { method: 'POST' })).status;
        if (status !== 202) await sleep(200);
      }
      assert.equal(status, 202);
      assert.equal(api.child.exitCode, null, 'the API process lives on');
    });
  });
});
