import { LoopwiseError } from '../errors.js';

/**
 * ioredis's connection options (`password`, `username`, `db`, `tls`, `connectTimeout`, …), passed
 * as given. Typed loosely here so loopwise's declarations never need ioredis's, which an app
 * without Redis does not install.
 */
export interface RedisConnectionOptions {
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, unknown>;
  connectTimeout?: number;
  [option: string]: unknown;
}

/**
 * Where a Redis server is, as plain data: it crosses to worker threads, `--workers` processes and
 * `loopwise worker` processes (each opens its own connections from it). `redis(url)` makes one;
 * App options such as `pubsub` and stores such as the rate limiter's take it.
 */
export interface RedisConfig {
  readonly kind: 'redis';
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** ioredis options for every connection made from this config (loopwise sets its own per use on top). */
  readonly options: Readonly<RedisConnectionOptions>;
}

/** `redis('redis://127.0.0.1:6379')`: a Redis server for pub/sub, queues and shared limits. */
export function redis(url: string, options: RedisConnectionOptions = {}): RedisConfig {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `redis() takes a redis:// or rediss:// URL, not ${JSON.stringify(url)}.`);
  }
  return Object.freeze({ kind: 'redis', url, options: Object.freeze({ ...options }) });
}

export function isRedisConfig(value: unknown): value is RedisConfig {
  return typeof value === 'object' && value !== null && (value as RedisConfig).kind === 'redis' && typeof (value as RedisConfig).url === 'string';
}
