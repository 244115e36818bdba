import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HTTPException } from '../errors.js';
import { createLogger } from '../logger.js';
import { openRedis } from '../redis/open-redis.js';
import { queueKey, type BullmqConfig } from './bullmq-config.js';
import { RedisHealth } from './redis-health.js';
import { loadBullmq } from './queue-client.js';

/** A durable job as Redis holds it: what `task.job(id)` answers. */
export interface JobInfo<R = unknown> {
  id: string;
  /** The task's name. */
  name: string;
  /** BullMQ's state: 'waiting', 'delayed', 'active', 'completed', 'failed' (or 'prioritized', 'waiting-children', 'unknown'). */
  state: string;
  /** Runs started so far (a retried or recovered job counts each). */
  attemptsMade: number;
  /** What the task returned, once completed. */
  result: R | undefined;
  /** Why its last attempt failed, once one did. */
  failedReason: string | undefined;
  /** When it was enqueued, first started and finished (ms since the epoch). */
  enqueuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

/**
 * The enqueueing side of a queue of durable jobs: one Redis connection per queue and process (or
 * thread), made on first use, never retrying a command while Redis is away, so `enqueue` rejects
 * within `redisTimeout` instead of hanging a request.
 */
export class JobProducer {
  private readonly connection: Redis;
  private readonly health: RedisHealth;
  private readonly queue: Queue;
  private warned = false;

  constructor(readonly config: BullmqConfig) {
    const { Queue } = loadBullmq('durable jobs (background.enqueue)');
    this.connection = openRedis(config.connection, `the job queue ${config.name}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: config.redisTimeout });
    // ioredis reports every failed reconnect as an 'error' event: without a listener it would end the process.
    const onError = (error: Error) => {
      // Producers are the process's, not one App's: loopwise's default logger (JSON lines, as the app's), made on first need.
      if (!this.warned) producerLog().warn({ err: error, queue: config.name }, `job queue ${config.name}: Redis unreachable (${error.message}); enqueue rejects with 503 until it is back`);
      this.warned = true;
    };
    this.health = new RedisHealth(this.connection, config.redisTimeout);
    this.connection.on('error', onError);
    this.connection.on('ready', () => (this.warned = false));
    this.queue = new Queue(config.name, { connection: this.connection });
    this.queue.on('error', onError);
  }

  /**
   * Resolves with the job's id once Redis stored it; an existing id is not added again (BullMQ's dedupe).
   * `options` are BullMQ's JobsOptions, typed loosely so loopwise's declarations never need bullmq's.
   */
  async add(name: string, data: unknown, options: Record<string, unknown>): Promise<string> {
    if (this.connection.status !== 'ready') await this.waitReady();
    const job = await this.bounded(this.queue.add(name, data, options as JobsOptions), 'take the job');
    return job.id!;
  }

  async get(id: string): Promise<JobInfo | null> {
    if (this.connection.status !== 'ready') await this.waitReady();
    // The state first, then the job: a worker finishing in between makes both change in one step, so
    // a job read as failed or completed always has its reason or result (the other order showed
    // 'failed' with no failedReason).
    const state = await this.bounded(this.queue.getJobState(id), 'read the job');
    const job: Job | undefined = await this.bounded(this.queue.getJob(id), 'read the job');
    if (job === undefined || job === null) return null;
    return {
      id: job.id!,
      name: job.name,
      state,
      attemptsMade: job.attemptsMade,
      result: job.returnvalue ?? undefined,
      failedReason: job.failedReason || undefined,
      enqueuedAt: job.timestamp,
      startedAt: job.processedOn ?? undefined,
      finishedAt: job.finishedOn ?? undefined,
    };
  }

  /** Counts per state, for /metrics (the first scrape may open the connection: waited for, bounded). */
  async counts(): Promise<Record<string, number>> {
    if (this.connection.status !== 'ready') await this.waitReady();
    return this.bounded(this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'), 'count the jobs');
  }

  /** The first connect (or a reconnect) may take a moment: wait for it up to redisTimeout, then 503. */
  private async waitReady(): Promise<void> {
    if (this.connection.status === 'wait') this.connection.connect().catch(() => undefined);
    await this.bounded(
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (this.connection.status === 'ready') {
            clearInterval(check);
            resolve();
          }
        }, 10);
        setTimeout(() => clearInterval(check), this.config.redisTimeout + 50).unref();
      }),
      'connect',
    );
  }

  private async bounded<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not ${what} within ${this.config.redisTimeout} ms`)), this.config.redisTimeout);
    });
    try {
      return await Promise.race([work, late]);
    } catch (error) {
      work.catch(() => undefined);
      if (this.connection.status === 'ready') this.health.timedOut(); // connected but not answering: a hung Redis
      throw unavailable(this.config, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** False while Redis is away or not answering (/ready says 503). A producer not yet connected counts as away only once used. */
  get available(): boolean {
    return this.health.ok || this.connection.status === 'wait';
  }

  async close(): Promise<void> {
    this.health.stop();
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}

/** A 503 + Retry-After that a handler may catch, or let answer the request as it is. */
function unavailable(config: BullmqConfig, cause: unknown): HTTPException {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error = new HTTPException(503, `Service Unavailable: the job queue (${config.name}) is unreachable, retry shortly`, { 'retry-after': '1' });
  (error as Error & { cause?: unknown }).cause = new Error(reason);
  return error;
}

const producers = new Map<string, JobProducer>();
let log: Logger | null = null;
const producerLog = (): Logger => (log ??= createLogger(undefined).log);

export function jobProducer(config: BullmqConfig): JobProducer {
  const key = queueKey(config);
  let producer = producers.get(key);
  if (producer === undefined) producers.set(key, (producer = new JobProducer(config)));
  return producer;
}

/** Why /ready says 503 for durable jobs: a queue this process enqueued to whose Redis is away, or null. */
export function jobQueuesNotReady(): string | null {
  for (const producer of producers.values()) if (!producer.available) return `job queue ${producer.config.name} unreachable`;
  return null;
}

/** Every queue this process enqueued to so far (for /metrics). */
export function openProducers(): JobProducer[] {
  return [...producers.values()];
}

/** Closes every producer's connection (App.close()); a later enqueue opens a new one. */
export async function closeJobProducers(): Promise<void> {
  const all = [...producers.values()];
  producers.clear();
  await Promise.all(all.map((producer) => producer.close()));
}
