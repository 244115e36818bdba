import { performance } from 'node:perf_hooks';
import { deserialize } from 'node:v8';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LoopGuard } from '../guard/loop-guard.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { RecordedResponse, RouteCall, TaskOutcome } from '../offload/messages.js';
import type { OffloadPool } from '../offload/pool.js';
import { openRedis } from '../redis/open-redis.js';
import type { BullmqConfig } from './bullmq-config.js';
import { durableRegistry } from './durable-registry.js';
import { closeJobProducers } from './job-producer.js';
import { decode, encode, serializeJobError, type RouteJobData, type RouteJobResult } from './job-wire.js';
import { loadBullmq, ROUTE_JOB } from './queue-client.js';
import { watchQueueDepth } from './queue-depth.js';
import { JobSeries } from './queue-metrics.js';

/** What `loopwise worker` runs jobs with: the App's queues, a thread pool of its own, its guard and logger (App.forQueueWorker()). */
export interface QueueWorkerParts {
  queues: BullmqConfig[];
  pool: OffloadPool;
  guard: LoopGuard;
  log: Logger;
  closeTimeout: number;
}

export interface QueueWorkerOptions {
  /** Jobs run at once by this process, each on a thread of its pool. Default 4. */
  concurrency?: number;
  /** Where to count jobs (wait, run, retries, failures, stalls) and queue depth; none by default. */
  metrics?: AppMetrics | null;
}

export const DEFAULT_CONCURRENCY = 4;

/**
 * Takes jobs from the App's queues and runs each on a thread of a local offload pool, exactly as
 * the App's own worker threads run an offloaded request: a blocking job holds a thread, never
 * this process's loop (whose lock renewals must keep going), and the pool's timeout stops a run.
 */
export class QueueWorker {
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private readonly series: JobSeries | null;

  constructor(
    private readonly parts: QueueWorkerParts,
    private readonly options: QueueWorkerOptions = {},
  ) {
    const metrics = options.metrics ?? null;
    this.series = metrics === null ? null : new JobSeries(metrics.registry, metrics.prefix, parts.queues.map((queue) => queue.name));
    if (metrics !== null) watchQueueDepth(metrics, parts.queues);
  }

  async start(): Promise<void> {
    const { Worker } = loadBullmq('loopwise worker');
    const { queues, pool, log, guard } = this.parts;
    await pool.warmUp(); // the threads import the app module now: a module that cannot load fails here, not on a job
    guard.start();
    for (const config of queues) {
      // Workers block on Redis: their connection must retry forever (BullMQ requires maxRetriesPerRequest: null).
      const connection = openRedis(config.connection, 'loopwise worker', { maxRetriesPerRequest: null });
      connection.on('error', () => undefined); // the Worker's own 'error' listener below reports it
      this.connections.push(connection);
      const series = this.series;
      const run = series === null ? (job: Job) => this.process(job) : (job: Job) => this.measured(config.name, job, series);
      const worker = new Worker(config.name, run, {
        connection,
        concurrency: this.options.concurrency ?? DEFAULT_CONCURRENCY,
        lockDuration: config.lockDuration,
        stalledInterval: config.stalledInterval,
      });
      let warned = false;
      worker.on('error', (error) => {
        if (!warned) log.warn({ err: error, queue: config.name }, `queue ${config.name}: ${error.message}; retrying`);
        warned = true;
      });
      worker.on('ready', () => (warned = false));
      if (series !== null) {
        worker.on('failed', (job, error) => series.failed(config.name, job, error));
        worker.on('stalled', () => series.stalled(config.name));
      }
      this.workers.push(worker);
    }
  }

  /** A job, timed: its wait when it starts, its run when it ends (thrown or not). */
  private async measured(queue: string, job: Job, series: JobSeries): Promise<unknown> {
    series.started(queue, job);
    const start = performance.now();
    try {
      return await this.process(job);
    } finally {
      series.finished(queue, (performance.now() - start) / 1000);
    }
  }

  /** One job: an offloaded request, run on a pool thread; its answer (or the pool's refusal) goes back as the job's result. */
  private async process(job: Job): Promise<unknown> {
    if (job.name !== ROUTE_JOB) return this.runDurable(job);
    const data = job.data as RouteJobData;
    const call = decode<RouteCall>(data.call);
    // The wait in the queue is not the wait for a thread: maxQueueWait counts from here.
    call.queuedAt = performance.timeOrigin + performance.now();
    let result: RouteJobResult;
    try {
      result = { ok: true, recorded: (await this.parts.pool.run(call, call.route, data.timeout)) as RecordedResponse };
    } catch (error) {
      result = { ok: false, error: serializeJobError(error) };
    }
    return encode(result);
  }

  /**
   * One durable job: its task, found by name, runs on a pool thread (the pool's timeout terminates
   * a run that overstays); a throw fails the attempt, and BullMQ retries it with backoff.
   */
  private async runDurable(job: Job): Promise<unknown> {
    const { UnrecoverableError } = loadBullmq('loopwise worker');
    const entry = durableRegistry().tasks.get(job.name);
    if (entry === undefined) {
      // Retrying cannot help: this worker's code does not have it (an older deploy, a typo, a module the app does not import).
      throw new UnrecoverableError(`no durable task named '${job.name}' in this worker's app: declare durableTask('${job.name}', fn) at module level in a module the app module imports, and deploy the same code to API and workers`);
    }
    const args = Array.isArray((job.data as { args?: unknown })?.args) ? (job.data as { args: unknown[] }).args : [];
    const what = `durable task ${job.name} (job ${job.id}, attempt ${job.attemptsMade + 1})`;
    let outcome: TaskOutcome;
    try {
      outcome = deserialize((await this.parts.pool.run({ kind: 'durable', name: job.name, args }, what, entry.timeout)) as Uint8Array) as TaskOutcome;
    } catch (error) {
      // The pool's refusal: its timeout (the thread was terminated) or a full queue. Both are a failed attempt.
      this.parts.log.warn({ err: error, job: job.id, task: job.name }, `${what} failed: ${(error as Error).message}`);
      throw new Error(`${(error as Error).message} (timeout ${entry.timeout} ms)`);
    }
    if (outcome.ok) return outcome.value;
    this.parts.log.warn({ job: job.id, task: job.name, error: outcome.error.message }, `${what} threw: ${outcome.error.message}`);
    throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name, stack: outcome.error.stack ?? `${outcome.error.name}: ${outcome.error.message}` });
  }

  /** Stops taking jobs, lets the running ones finish (up to the App's closeTimeout), then stops the threads. */
  async close(): Promise<void> {
    const { log, pool, guard, closeTimeout } = this.parts;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, closeTimeout, 'late')));
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    if ((await Promise.race([closing, late])) === 'late') {
      log.warn({ closeTimeout }, `jobs still running after ${closeTimeout} ms; stopping without them (BullMQ gives them to another worker once their lock expires)`);
      await Promise.all(this.workers.map((worker) => worker.close(true))).catch(() => undefined);
    }
    clearTimeout(timer);
    for (const connection of this.connections) connection.disconnect();
    await closeJobProducers(); // the depth reads' connections, if /metrics was scraped
    await guard.stop();
    await pool.destroy();
  }
}
