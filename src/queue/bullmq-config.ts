import { LoopwiseError } from '../errors.js';
import { positiveInteger } from '../option-checks.js';
import { isRedisConfig, type RedisConfig } from '../redis/redis-config.js';

/** The limits of a BullMQ queue that offloaded routes run through (docs/scaling-out.md). */
export interface BullmqOptions {
  /** The BullMQ queue's name: API processes and `loopwise worker` processes meet on it. Default 'loopwise'. */
  name?: string;
  /** Jobs waiting for a worker; past it a request gets 503 + Retry-After at once. Default 1000. */
  maxWaiting?: number;
  /** Ms an HTTP request waits for Redis to take its job before 503 (never a hang). Default 1000. */
  redisTimeout?: number;
  /** Ms a worker holds a job's lock; a worker silent this long lost its job (BullMQ's lockDuration). Default 30 000. */
  lockDuration?: number;
  /** Ms between a worker's checks for jobs whose worker died (BullMQ's stalledInterval). Default 30 000. */
  stalledInterval?: number;
}

/** A BullMQ queue as plain data: it crosses to worker threads and is rebuilt by `loopwise worker`. */
export interface BullmqConfig {
  readonly kind: 'bullmq';
  readonly connection: RedisConfig;
  readonly name: string;
  readonly maxWaiting: number;
  readonly redisTimeout: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
}

/** The route option `offload: { queue: bullmq(redis(url)) }`: run the handler on a `loopwise worker` fleet. */
export interface QueueOffload {
  queue: BullmqConfig;
}

export const DEFAULT_QUEUE_NAME = 'loopwise';
export const DEFAULT_MAX_WAITING = 1000;
export const DEFAULT_REDIS_TIMEOUT = 1000;

/** `bullmq(redis('redis://127.0.0.1:6379'), { maxWaiting: 500 })`: a job queue on that Redis. */
export function bullmq(connection: RedisConfig, options: BullmqOptions = {}): BullmqConfig {
  if (!isRedisConfig(connection)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', "bullmq() takes a Redis server: bullmq(redis('redis://127.0.0.1:6379')).");
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  if (typeof name !== 'string' || !/^[\w.-]{1,100}$/.test(name)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `bullmq() name must be letters, digits, '_', '.' or '-' (no ':', which BullMQ uses in its keys), not ${JSON.stringify(name)}.`);
  }
  const number = (value: number | undefined, fallback: number, what: string): number => {
    if (value === undefined) return fallback;
    positiveInteger(value, `bullmq() ${what}`);
    return value;
  };
  return Object.freeze({
    kind: 'bullmq',
    connection,
    name,
    maxWaiting: number(options.maxWaiting, DEFAULT_MAX_WAITING, 'maxWaiting'),
    redisTimeout: number(options.redisTimeout, DEFAULT_REDIS_TIMEOUT, 'redisTimeout'),
    lockDuration: number(options.lockDuration, 30_000, 'lockDuration'),
    stalledInterval: number(options.stalledInterval, 30_000, 'stalledInterval'),
  });
}

export function isQueueOffload(offload: unknown): offload is QueueOffload {
  return typeof offload === 'object' && offload !== null && (offload as QueueOffload).queue?.kind === 'bullmq';
}

/** An offloaded route runs elsewhere: on a worker thread (`true`) or through a queue. */
export function isOffloaded(offload: unknown): boolean {
  return offload === true || isQueueOffload(offload);
}

/** One key per queue: two configs naming the same Redis and queue share one client. */
export function queueKey(config: BullmqConfig): string {
  return `${config.connection.url}#${config.name}`;
}
