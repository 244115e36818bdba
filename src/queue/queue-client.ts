import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HTTPException, LoopwiseError, timeoutError } from '../errors.js';
import type { RouteCall, WorkerCall } from '../offload/messages.js';
import { requireOptional } from '../optional-package.js';
import { openRedis } from '../redis/open-redis.js';
import type { BullmqConfig } from './bullmq-config.js';
import { RedisHealth } from './redis-health.js';
import { decode, reviveJobError, routeJobData, type RouteJobResult } from './job-wire.js';

/** The job name of an offloaded route's request (durable jobs are named by their task). */
export const ROUTE_JOB = 'loopwise:route';
/** How often the queue's depth is read while requests are in flight (ms). */
const DEPTH_INTERVAL = 250;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

export type BullmqModule = typeof import('bullmq');

export function loadBullmq(feature: string): BullmqModule {
  return requireOptional<BullmqModule>('bullmq', feature);
}

/**
 * The API process's side of a queue: adds an offloaded route's request as a job and settles it
 * when a `loopwise worker` reports the job done (QueueEvents). It stands where an OffloadPool
 * stands for compileOffloadRunner, so the replay of the answer is the same code.
 */
export class QueueClient {
  /** Dependency overrides do not reach other machines (docs/scaling-out.md). */
  readonly overrides = null;
  private readonly connection: Redis;
  private readonly health: RedisHealth;
  private readonly eventsConnection: Redis;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly pending = new Map<string, Pending>();
  /** Jobs this process added that no worker took yet (QueueEvents' 'active' says when one does). */
  private readonly queuedHere = new Set<string>();
  /** When the depth was last read (performance.now()): an old read does not count against the bound. */
  private depthReadAt = -Infinity;
  private depthTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The last depth read, for /metrics. */
  depth = { waiting: 0, active: 0, delayed: 0 };

  constructor(
    readonly config: BullmqConfig,
    private readonly log: Logger,
  ) {
    const { Queue, QueueEvents } = loadBullmq('offload: { queue }');
    const feature = `the queue ${config.name}`;
    // Commands fail at once while Redis is away (enableOfflineQueue: false): a request gets its 503 instead of waiting.
    this.connection = openRedis(config.connection, feature, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: config.redisTimeout });
    this.health = new RedisHealth(this.connection, config.redisTimeout);
    this.eventsConnection = openRedis(config.connection, feature, { maxRetriesPerRequest: null });
    // ioredis reports every failed reconnect as an 'error' event: without a listener it would end the process.
    let warned = false;
    const onError = (error: Error) => {
      if (!warned) this.log.warn({ err: error, queue: config.name }, `queue ${config.name}: Redis unreachable (${error.message}); offloaded requests get 503 until it is back`);
      warned = true;
    };
    this.connection.on('error', onError);
    this.eventsConnection.on('error', onError);
    // A job's result can only arrive through Redis: requests waiting for one when the connection
    // drops would wait out their whole timeout (30 s by default). They get their 503 now.
    this.connection.on('close', () => this.abandonWaiting());
    this.eventsConnection.on('close', () => this.abandonWaiting());
    this.connection.on('ready', () => {
      if (warned) this.log.info({ queue: config.name }, `queue ${config.name}: Redis is back`);
      warned = false;
    });
    this.queue = new Queue(config.name, { connection: this.connection });
    this.events = new QueueEvents(config.name, { connection: this.eventsConnection });
    this.queue.on('error', onError);
    this.events.on('error', onError);
    this.events.on('active', ({ jobId }) => this.queuedHere.delete(jobId));
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, returnvalue as unknown));
    this.events.on('failed', ({ jobId, failedReason }) => this.fail(jobId, failedReason));
    this.eventsReady = this.start();
  }

  /** Settles once the events stream reads (or redisTimeout passed): a job added before could finish unseen. */
  private readonly eventsReady: Promise<void>;

  /** True while Redis answers: /ready says 503 otherwise. */
  get available(): boolean {
    return !this.closed && this.health.ok;
  }

  /** Waits for the events stream, so no job's completion is missed. Bounded: a down Redis is a 503 later, not a hang now. */
  private async start(): Promise<void> {
    await Promise.race([this.events.waitUntilReady(), new Promise((resolve) => setTimeout(resolve, this.config.redisTimeout).unref())]).catch(() => undefined);
  }

  run(call: WorkerCall, what: string, timeout: number | undefined): Promise<unknown> {
    if (!this.available) {
      return Promise.reject(new HTTPException(503, `Service Unavailable: the job queue (${this.config.name}) is unreachable, retry shortly`, { 'retry-after': '1' }));
    }
    // Every API process's waiting jobs, as last read (fresh while jobs are in flight), or at least this one's.
    const waiting = Math.max(this.queuedHere.size, performance.now() - this.depthReadAt < 1000 ? this.depth.waiting : 0);
    if (waiting >= this.config.maxWaiting) {
      this.log.warn({ route: what, queue: this.config.name, waiting }, `${what}: the queue ${this.config.name} holds ${waiting} waiting jobs (maxWaiting ${this.config.maxWaiting}): answered 503`);
      return Promise.reject(new HTTPException(503, 'Service Unavailable: the server is at capacity, retry shortly', { 'retry-after': '1' }));
    }
    const limit = timeout ?? 30_000;
    const jobId = randomUUID();
    this.queuedHere.add(jobId);
    this.watchDepth();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.expire(jobId, what, limit), limit);
      this.pending.set(jobId, { resolve, reject, timer });
      const added = this.eventsReady.then(() => this.queue.add(ROUTE_JOB, routeJobData(call as RouteCall, limit), { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true }));
      let redisTimer: NodeJS.Timeout | undefined;
      const slow = new Promise<never>((_, fail) => {
        redisTimer = setTimeout(() => fail(new Error(`Redis did not take the job within ${this.config.redisTimeout} ms`)), this.config.redisTimeout);
      });
      Promise.race([added, slow]).then(
        () => clearTimeout(redisTimer),
        (error: unknown) => {
          clearTimeout(redisTimer);
          // A hung Redis keeps its connection open: from now on requests get their 503 at once, and /ready says so.
          if (this.connection.status === 'ready') this.health.timedOut();
          this.log.warn({ err: error, route: what, queue: this.config.name }, `${what}: the job could not be queued: answered 503`);
          this.reject(jobId, new HTTPException(503, `Service Unavailable: the job queue (${this.config.name}) is unreachable, retry shortly`, { 'retry-after': '1' }));
          // The add may still land: then a worker runs it and its answer is dropped; remove it if it did.
          added.then(() => this.queue.remove(jobId), () => undefined).catch(() => undefined);
        },
      );
    });
  }

  private settle(jobId: string, returnvalue: unknown): void {
    const entry = this.take(jobId);
    if (entry === undefined) return;
    try {
      const result = decode<RouteJobResult>(String(returnvalue));
      if (result.ok) entry.resolve(result.recorded);
      else entry.reject(reviveJobError(result.error));
    } catch (error) {
      entry.reject(new LoopwiseError('LW_ERR_OFFLOAD_RESULT', `a worker answered the job with something that is not a loopwise result: ${(error as Error).message}`));
    }
  }

  private fail(jobId: string, reason: string): void {
    this.take(jobId)?.reject(new Error(`the job failed on its worker: ${reason}`));
  }

  /** Past the timeout: 504, and the job removed if no worker took it yet (a running one is stopped by its worker's pool, at the same timeout). */
  private expire(jobId: string, what: string, timeout: number): void {
    if (!this.pending.has(jobId)) return;
    this.log.warn({ route: what, timeout, queue: this.config.name }, `${what} did not finish within its ${timeout} ms timeout through the queue: answered 504`);
    this.reject(jobId, timeoutError(timeout));
    this.queue.remove(jobId).catch(() => undefined);
  }

  /** Redis went away: every request waiting for a job's result is answered 503 (its job may still run later, unseen). */
  private abandonWaiting(): void {
    if (this.pending.size === 0 || this.closed) return;
    this.log.warn({ queue: this.config.name, waiting: this.pending.size }, `queue ${this.config.name}: Redis went away while ${this.pending.size} requests waited for their jobs: answered 503`);
    for (const jobId of [...this.pending.keys()]) {
      this.reject(jobId, new HTTPException(503, `Service Unavailable: the job queue (${this.config.name}) became unreachable while the request waited, retry shortly`, { 'retry-after': '1' }));
    }
  }

  private reject(jobId: string, error: unknown): void {
    this.take(jobId)?.reject(error);
  }

  private take(jobId: string): Pending | undefined {
    const entry = this.pending.get(jobId);
    if (entry === undefined) return undefined;
    this.pending.delete(jobId);
    this.queuedHere.delete(jobId);
    clearTimeout(entry.timer);
    return entry;
  }

  /** Reads the queue's depth every 250 ms while this process has jobs in flight: the bound's count, and /metrics'. */
  private watchDepth(): void {
    if (this.depthTimer !== null || this.closed) return;
    this.depthTimer = setTimeout(() => {
      this.depthTimer = null;
      this.readDepth().finally(() => {
        if (this.pending.size > 0) this.watchDepth();
      });
    }, DEPTH_INTERVAL);
    this.depthTimer.unref();
  }

  async readDepth(): Promise<void> {
    if (!this.available) return;
    try {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed');
      this.depth = { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
      this.depthReadAt = performance.now();
    } catch {
      // Redis went away between the check and the read: the next request gets its 503.
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.health.stop();
    if (this.depthTimer !== null) clearTimeout(this.depthTimer);
    for (const jobId of [...this.pending.keys()]) this.reject(jobId, new HTTPException(503, 'Service Unavailable: the server is shutting down', { 'retry-after': '1' }));
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.connection.disconnect();
    this.eventsConnection.disconnect();
  }
}
