import { createHash } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import type { Logger } from 'pino';
import { createDependency, type Dependency, type DependencyContext } from '../deps/dependency.js';
import { HTTPException, LoopwiseError } from '../errors.js';
import { createLogger } from '../logger.js';
import { requireOptional } from '../optional-package.js';
import { clientKey } from './client-key.js';
import { MemoryStore } from './memory-store.js';
import { checkRateLimitOptions, type RateLimitOptions } from './rate-limit-options.js';
import { RedisStore } from './redis-store.js';
import type { RateLimitStore } from './store.js';

/** What a limiter's dependency gives the handler that names it in `deps` (express-rate-limit's `req.rateLimit`). */
export interface RateLimitInfo {
  /** `max`. */
  limit: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
  /** The key this request was counted under, as `key` returned it. */
  key: string;
  /** True when the store was unreachable and `onStoreDown: 'allow'` let the request through uncounted. */
  uncounted: boolean;
}

// Keys longer than this (a key taken from a header can be kilobytes) are stored as their hash,
// so `maxKeys` bounds the memory store's bytes too.
const LONGEST_STORED_KEY = 128;

const STORES = new WeakMap<Dependency<unknown>, RateLimitStore>();

/**
 * A rate limit as a dependency: `dependencies: [rateLimit({ windowMs: 60_000, max: 100 })]` on a
 * route, a Router or the App. One `rateLimit()` is one budget per key, wherever it is used (a
 * limiter on the App counts every route's requests together, as express-rate-limit's `app.use`);
 * make one per route for per-route budgets. Every counted response carries `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy`; over the limit the answer is
 * 429 `{"detail":"Too Many Requests"}` with `Retry-After` (docs/rate-limiting.md).
 */
export function rateLimit<const D extends Record<string, Dependency<unknown>> = {}>(options: RateLimitOptions<D>): Dependency<RateLimitInfo> {
  const checked = checkRateLimitOptions(options as RateLimitOptions<Record<string, Dependency<unknown>>>);
  const { windowMs, max } = checked;
  let logger: Pick<Logger, 'error' | 'info'> | undefined = options.log;
  const log = () => (logger ??= createLogger(undefined).log);
  let store: RateLimitStore;
  if (checked.store === 'memory') store = new MemoryStore(windowMs, checked.maxKeys);
  else {
    // Loaded now, not at the first request: a missing package is a startup error, and loading
    // ioredis (~100 ms) does not stall the loop under the first limited request.
    requireOptional('ioredis', 'rateLimit() with a Redis store');
    store = new RedisStore(checked.store, { windowMs, name: checked.name, timeoutMs: checked.timeoutMs, log });
  }
  const keyOf = options.key as ((context: DependencyContext<never>) => unknown) | undefined;
  const policy = `${max};w=${Math.ceil(windowMs / 1000)}`;
  const memory = checked.store === 'memory';

  async function limit(context: DependencyContext<never>): Promise<RateLimitInfo> {
    if (memory && !isMainThread) {
      throw new LoopwiseError(
        'LW_ERR_INVALID_OPTION',
        'rateLimit() with the memory store is used on an offloaded route: each worker thread would count on its own, so the limit would not hold. ' +
          'Use a Redis store (store: redis(url)), or put the limit on a route that is not offloaded.',
      );
    }
    const raw = keyOf === undefined ? clientKey(context) : await keyOf(context);
    if (typeof raw === 'number' ? !Number.isFinite(raw) : typeof raw !== 'string' || raw === '') {
      throw new LoopwiseError(
        'LW_ERR_INVALID_OPTION',
        keyOf === undefined
          ? "rateLimit(): this request has no client address to count it under (an offloaded route's dependencies run on a worker thread, without the socket). Pass a key, e.g. key: ({ headers }) => …"
          : `rateLimit() key returned ${describe(raw)}; it must return a non-empty string or a number for every request.`,
      );
    }
    const key = String(raw);
    let counted;
    try {
      counted = await store.hit(key.length > LONGEST_STORED_KEY ? hashed(key) : key);
    } catch (error) {
      // Logged by the store, once per outage.
      if (checked.onStoreDown === 'allow') return { limit: max, remaining: max, resetMs: 0, key, uncounted: true };
      throw new HTTPException(503, 'Service Unavailable', { 'retry-after': '1' });
    }
    const remaining = Math.max(0, max - counted.count);
    const resetSeconds = String(Math.max(1, Math.ceil(counted.resetMs / 1000)));
    const headers: Record<string, string> = {
      'ratelimit-policy': policy,
      'ratelimit-limit': String(max),
      'ratelimit-remaining': String(remaining),
      'ratelimit-reset': resetSeconds,
    };
    if (counted.count > max) throw new HTTPException(429, 'Too Many Requests', { ...headers, 'retry-after': resetSeconds });
    // Two limiters on one request (the App's and a route's): the headers tell of the nearer limit, as the draft asks.
    const shown = context.reply.headers['ratelimit-remaining'];
    if (shown === undefined || Number(shown) > remaining) for (const name in headers) context.reply.header(name, headers[name]!);
    return { limit: max, remaining, resetMs: counted.resetMs, key, uncounted: false };
  }

  const dependency = createDependency({ deps: options.deps ?? {}, name: `rateLimit(${checked.name})`, cache: true }, limit as Dependency['resolve'], undefined);
  STORES.set(dependency, store);
  return dependency as Dependency<RateLimitInfo>;
}

/**
 * Closes a limiter's store: its Redis connection (which never keeps the process alive, but a test
 * or a graceful shutdown may want it gone), or the memory store's counts. E.g.
 * `app.onShutdown(() => closeRateLimit(limiter))`.
 */
export async function closeRateLimit(limiter: Dependency<RateLimitInfo>): Promise<void> {
  await STORES.get(limiter)?.close();
}

function hashed(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

function describe(value: unknown): string {
  if (value === '') return 'an empty string';
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value;
}
