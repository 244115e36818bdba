import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { LoopwiseError } from '../errors.js';
import { installHint } from '../optional-package.js';

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
  readonly options: Readonly<RedisOptions>;
}

/** `redis('redis://127.0.0.1:6379')`: a Redis server for pub/sub, queues and shared limits. */
export function redis(url: string, options: RedisOptions = {}): RedisConfig {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `redis() takes a redis:// or rediss:// URL, not ${JSON.stringify(url)}.`);
  }
  return Object.freeze({ kind: 'redis', url, options: Object.freeze({ ...options }) });
}

export function isRedisConfig(value: unknown): value is RedisConfig {
  return typeof value === 'object' && value !== null && (value as RedisConfig).kind === 'redis' && typeof (value as RedisConfig).url === 'string';
}

const require = createRequire(import.meta.url);

/**
 * A new ioredis connection from `config`, with `overrides` for its use (a subscriber, a queue's
 * blocking connection, a fail-fast command connection). ioredis is an optional peer dependency:
 * without it this names the install, for `feature`.
 */
export function openRedis(config: RedisConfig, feature: string, overrides: RedisOptions = {}): Redis {
  let RedisClass: new (url: string, options: RedisOptions) => Redis;
  try {
    RedisClass = (require('ioredis') as { Redis: typeof RedisClass }).Redis;
  } catch (error) {
    throw new LoopwiseError('LW_ERR_MISSING_PACKAGE', installHint('ioredis', feature), { cause: error });
  }
  return new RedisClass(config.url, { ...config.options, ...overrides });
}
