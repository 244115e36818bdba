import type { Logger } from 'pino';
import type { Dependency, DependencyContext } from '../deps/dependency.js';
import { LoopwiseError } from '../errors.js';
import { positiveInteger } from '../option-checks.js';
import { isRedisConfig, type RedisConfig } from '../redis/redis-config.js';

/** Keys the in-memory store holds at most, unless `maxKeys` says otherwise (a few tens of MB at worst). */
export const DEFAULT_MAX_KEYS = 100_000;
/** Bound on each Redis command and on the wait for the first connection. */
export const DEFAULT_REDIS_TIMEOUT_MS = 500;

/** What `rateLimit()` takes. `D` is the dependencies its `key` function reads (`deps`). */
export interface RateLimitOptions<D extends Record<string, Dependency<unknown>> = {}> {
  /** The window's length in milliseconds: counts start again from zero when it ends (a fixed window). */
  windowMs: number;
  /** Requests allowed per key and window; the next one is answered 429. */
  max: number;
  /**
   * Whose budget a request spends: default the client's address (`clientKey()`). A function of the
   * request (`headers`, `query`, `cookies`) or of other dependencies' values (`deps`, declared below),
   * e.g. `({ deps }) => deps.user.id`.
   */
  key?: (context: DependencyContext<{ deps: D }>) => string | number | Promise<string | number>;
  /** Dependencies the `key` function reads, resolved first (e.g. the current user). */
  deps?: D;
  /** Where counts live: `'memory'` (default: this process only) or `redis(url)` (shared by every instance). */
  store?: 'memory' | RedisConfig;
  /** Names this limiter's keys in Redis (`loopwise:ratelimit:<name>:…`): each limiter on one Redis needs its own. Default `'default'`. */
  name?: string;
  /** Memory store: keys held at most; past it the oldest window is dropped. Default 100,000. */
  maxKeys?: number;
  /** Redis store: milliseconds each command may take before the request is answered as Redis down. Default 500. */
  timeoutMs?: number;
  /**
   * Redis store, when Redis cannot be reached: `'refuse'` (default) answers 503 with
   * `Retry-After: 1`; `'allow'` lets the request through uncounted (fail open).
   */
  onStoreDown?: 'refuse' | 'allow';
  /** Where the outage is logged (once per outage): e.g. `app.log`. Default: loopwise's own logger (LOG_LEVEL, stdout). */
  log?: Pick<Logger, 'error' | 'info'>;
}

/** The options, checked, with their defaults. */
export interface CheckedRateLimitOptions {
  windowMs: number;
  max: number;
  store: 'memory' | RedisConfig;
  name: string;
  maxKeys: number;
  timeoutMs: number;
  onStoreDown: 'refuse' | 'allow';
}

export function checkRateLimitOptions(options: RateLimitOptions<Record<string, Dependency<unknown>>>): CheckedRateLimitOptions {
  if (typeof options !== 'object' || options === null) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'rateLimit() takes an object: rateLimit({ windowMs: 60_000, max: 100 }).');
  }
  const windowMs = positiveInteger(options.windowMs, 'rateLimit() windowMs', { unit: 'milliseconds' });
  const max = positiveInteger(options.max, 'rateLimit() max', { unit: 'requests per window' });
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'rateLimit() key must be a function of the request, e.g. key: ({ deps }) => deps.user.id.');
  }
  const store = options.store ?? 'memory';
  if (store !== 'memory' && !isRedisConfig(store)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `rateLimit() store must be 'memory' or redis(url), not ${JSON.stringify(store)}.`);
  }
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `rateLimit() name must be 1 to 64 letters, digits, '_', '.' or '-', not ${JSON.stringify(name)}.`);
  }
  const onStoreDown = options.onStoreDown ?? 'refuse';
  if (onStoreDown !== 'refuse' && onStoreDown !== 'allow') {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `rateLimit() onStoreDown must be 'refuse' (answer 503) or 'allow' (let requests through), not ${JSON.stringify(onStoreDown)}.`);
  }
  return {
    windowMs,
    max,
    store,
    name,
    maxKeys: positiveInteger(options.maxKeys ?? DEFAULT_MAX_KEYS, 'rateLimit() maxKeys'),
    timeoutMs: positiveInteger(options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS, 'rateLimit() timeoutMs', { unit: 'milliseconds' }),
    onStoreDown,
  };
}
