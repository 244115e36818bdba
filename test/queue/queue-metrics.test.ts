// Queue series on /metrics, read from the real text exposition after real jobs ran: queue depth on
// the API process (read from Redis at scrape time), wait/run histograms, retries, failures and
// stalled jobs on `loopwise worker --metrics-port`. Real Redis, real processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { App } from '../../src/index.js';
import { startRedis, redisMissing, type RedisServer } from '../support/redis-server.js';
import { freePort, killAll, startCli, waitUntilServing, type CliProcess } from '../support/cli-process.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/durable-app.ts', import.meta.url));
const skip = redisMissing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const QUEUE = 'metrics-test';

/** The value of one sample in a text exposition (labels in the order given), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const answer = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return answer.text();
}

/** Scrapes until `done(text)` (bounded), returning the last text. */
async function scrapeUntil(url: string, done: (text: string) => boolean, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await scrape(url);
    if (done(text)) return text;
    if (Date.now() > deadline) throw new Error(`${url} never matched within ${ms} ms; last scrape:\n${text.split('\n').filter((line) => line.includes('queue')).join('\n')}`);
    await sleep(200);
  }
}

describe('queue metrics', { skip, timeout: 120_000 }, () => {
  let server: RedisServer;
  let port = 0;
  let api: CliProcess;
  const env = (extra: Record<string, string> = {}) => ({ REDIS_URL: server.url, QUEUE_NAME: QUEUE, JOB_MS: '30', ...extra });
  const base = () => `http://127.0.0.1:${port}`;

  function startWorker(metricsPort: number | null, extra: Record<string, string> = {}): CliProcess {
    const flags = metricsPort === null ? [] : ['--metrics-port', String(metricsPort)];
    return startCli(['worker', FIXTURE, '--concurrency', '4', ...flags], { env: env({ LOOPWISE_WORKER_SIDE: 'worker', ...extra }) });
  }

  async function enqueue(path: string): Promise<void> {
    const answer = await fetch(base() + path, { method: 'POST' });
    assert.equal(answer.status, 202, await answer.clone().text());
  }

  before(async () => {
    server = await startRedis();
    port = await freePort();
    api = startCli(['run', FIXTURE, '--port', String(port), '--host', '127.0.0.1'], { env: env({ METRICS: '1' }) });
    await waitUntilServing(port, api, '/health');
  });

  after(async () => {
    await killAll();
    await server?.dispose();
  });

  it('the worker counts wait and run times, retries and failures; the API reads the depth by state from Redis', async () => {
    const metricsPort = await freePort();
    // The App's own metrics (METRICS=1): the worker serves them, its prefix kept.
    const worker = startWorker(metricsPort, { METRICS: '1' });
    await worker.waitForOutput(/worker taking jobs from queue metrics-test/);
    assert.match(worker.stdout() + worker.stderr(), new RegExp(`worker metrics on http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
    const workerUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    await enqueue('/jobs?start=0&n=20'); // 20 jobs that complete
    await enqueue('/flaky'); // 3 attempts, backoff 200 ms: 2 retries, then failed for good
    await enqueue('/missing'); // an unknown task: failed at once, no retry
    const q = { queue: QUEUE };
    const text = await scrapeUntil(workerUrl, (text) => sample(text, 'loopwise_queue_job_run_seconds_count', q) === 24 && sample(text, 'loopwise_queue_jobs_failed_total', q) === 2);
    assert.equal(sample(text, 'loopwise_queue_job_retries_total', q), 2);
    // First runs only: 20 records, the flaky job's first attempt, the missing task.
    assert.equal(sample(text, 'loopwise_queue_job_wait_seconds_count', q), 22);
    // Each record holds its thread 30 ms: the run time sum is at least that (no upper bound: a busy host may be slow).
    assert.ok(sample(text, 'loopwise_queue_job_run_seconds_sum', q)! >= 20 * 0.03 * 0.9, text);
    assert.equal(sample(text, 'loopwise_queue_job_run_seconds_bucket', { le: '+Inf', queue: QUEUE }), 24);
    assert.equal(sample(text, 'loopwise_queue_jobs_stalled_total', q), 0);
    // The worker's depth read and its loop (the guard's numbers) are on its page too.
    assert.equal(sample(text, 'loopwise_queue_jobs', { queue: QUEUE, state: 'completed' }), 20);
    assert.ok(sample(text, 'loopwise_event_loop_delay_p99_seconds') !== undefined);

    const apiText = await scrape(`${base()}/metrics`);
    assert.deepEqual(
      Object.fromEntries(['waiting', 'active', 'delayed', 'failed', 'completed'].map((state) => [state, sample(apiText, 'loopwise_queue_jobs', { queue: QUEUE, state })])),
      { waiting: 0, active: 0, delayed: 0, failed: 2, completed: 20 },
    );
    // The API process runs no job: it has no job histograms.
    assert.doesNotMatch(apiText, /queue_job_run_seconds/);

    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited(20_000), 0);
  });

  it("counts a job stalled by a SIGKILLed worker on the worker that takes it back (a fresh registry when the App's metrics are off)", async () => {
    const doomed = startWorker(null);
    await doomed.waitForOutput(/worker taking jobs from queue metrics-test/);
    await enqueue('/long'); // holds its thread 3.5 s
    await scrapeUntil(`${base()}/metrics`, (text) => sample(text, 'loopwise_queue_jobs', { queue: QUEUE, state: 'active' }) === 1);
    doomed.child.kill('SIGKILL');
    const metricsPort = await freePort();
    const rescuer = startWorker(metricsPort);
    await rescuer.waitForOutput(/worker taking jobs from queue metrics-test/);
    // lockDuration 2 s + stalledInterval 1 s in the fixture: found within seconds (bound loose for a busy host).
    const text = await scrapeUntil(`http://127.0.0.1:${metricsPort}/metrics`, (text) => sample(text, 'loopwise_queue_jobs_stalled_total', { queue: QUEUE }) === 1, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nrescuer: ${rescuer.stdout()}${rescuer.stderr()}\ndoomed: ${doomed.stdout()}${doomed.stderr()}`);
    });
    assert.ok(sample(text, 'loopwise_offload_pool_threads') !== undefined, 'the pool gauges are wired');
    rescuer.child.kill('SIGTERM');
    assert.equal(await rescuer.exited(20_000), 0);
  });

  it('Redis down: the scrape still answers within a bound, without depth samples; back: they return', async () => {
    await server.stop();
    const started = Date.now();
    const text = await scrape(`${base()}/metrics`);
    const ms = Date.now() - started;
    // redisTimeout is 500 ms in the fixture; 5 s is loose for a busy 2-core host, and far from a hang.
    assert.ok(ms < 5000, `the scrape took ${ms} ms`);
    assert.match(text, /# TYPE loopwise_queue_jobs gauge/);
    assert.equal(sample(text, 'loopwise_queue_jobs', { queue: QUEUE, state: 'waiting' }), undefined);
    assert.ok(sample(text, 'loopwise_http_requests_total', { route: 'POST /jobs', method: 'POST', status: '202' })! >= 1);
    await server.start();
    await scrapeUntil(`${base()}/metrics`, (text) => sample(text, 'loopwise_queue_jobs', { queue: QUEUE, state: 'waiting' }) !== undefined, 20_000);
  });

  it('bad --metrics-port or a lone --host is a usage error (exit 2)', async () => {
    const bad = startCli(['worker', FIXTURE, '--metrics-port', 'nine'], { env: env() });
    assert.equal(await bad.exited(), 2);
    assert.match(bad.stderr(), /--metrics-port takes a port number \(0 to 65535\), not "nine"/);
    const host = startCli(['worker', FIXTURE, '--host', '0.0.0.0'], { env: env() });
    assert.equal(await host.exited(), 2);
    assert.match(host.stderr(), /--host is where --metrics-port listens; give --metrics-port too/);
  });
});

describe('queue metrics without queues', () => {
  it('an app without queues has no queue series on /metrics', async () => {
    const app = new App({ logger: false, metrics: { defaultMetrics: false } });
    app.get('/x', () => 'x');
    const text = (await app.inject('/metrics')).body;
    assert.doesNotMatch(text, /queue_job/);
    await app.close();
  });
});
