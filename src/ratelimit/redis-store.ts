import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LoopwiseError, messageOf } from '../errors.js';
import type { RedisConfig } from '../redis/redis-config.js';
import { openRedis } from '../redis/open-redis.js';
import type { RateLimitStore, WindowCount } from './store.js';

// One round trip, atomic on the server, so any number of processes share one count: the first hit
// of a window starts its expiry; every hit returns the count and the milliseconds left. A key that
// somehow has no expiry (set by hand, or PEXPIRE lost) gets one, so it can never block forever.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/** Limiter names in use per Redis server in this process: two limiters under one name would share counts unseen. */
const NAMES_IN_USE = new Set<string>();

export interface RedisStoreSettings {
  windowMs: number;
  /** Namespaces the keys: `loopwise:ratelimit:<name>:<key>`. */
  name: string;
  /** Bound on every command, and on the wait for the first connection. */
  timeoutMs: number;
  log: () => Pick<Logger, 'error' | 'info'>;
}

/**
 * Fixed windows in Redis, shared by every process that uses the same server and name. The
 * connection is opened on the first hit (importing the app, as worker threads do, opens nothing)
 * and fails fast: no offline queue, a timeout on every command, so a request never waits on a
 * Redis that is away; ioredis reconnects by itself, and the next hit after that is counted again.
 */
export class RedisStore implements RateLimitStore {
  private client: Redis | undefined = undefined;
  private hitCommand: HitCommand | undefined = undefined;
  private firstReady: Promise<void> | undefined = undefined;
  private everReady = false;
  private down = false;
  private readonly registered: string;

  constructor(
    private readonly config: RedisConfig,
    private readonly settings: RedisStoreSettings,
  ) {
    this.registered = `${config.url}\n${settings.name}`;
    if (NAMES_IN_USE.has(this.registered)) {
      throw new LoopwiseError(
        'LW_ERR_INVALID_OPTION',
        `rateLimit(): another limiter already uses the name "${settings.name}" on ${redactedUrl(config.url)}, so the two would share their counts. ` +
          `Give each limiter on a Redis store its own name: rateLimit({ …, name: 'login' }).`,
      );
    }
    NAMES_IN_USE.add(this.registered);
  }

  hit(key: string): Promise<WindowCount> {
    const client = this.client ?? this.open();
    if (client.status === 'ready') return this.send(key);
    // Down after having worked: answer now rather than queue (ioredis reconnects meanwhile).
    if (this.everReady) {
      const error = new LoopwiseError('LW_ERR_RUNTIME', `the connection is down (ioredis status: ${client.status})`);
      this.markDown(error);
      return Promise.reject(error);
    }
    this.firstReady ??= waitUntilReady(client, this.settings.timeoutMs).finally(() => {
      this.firstReady = undefined;
    });
    return this.firstReady.then(() => this.send(key));
  }

  async close(): Promise<void> {
    NAMES_IN_USE.delete(this.registered);
    const client = this.client;
    this.client = undefined;
    this.hitCommand = undefined;
    if (client === undefined) return;
    // quit() waits for Redis; when it is away, drop the connection instead of waiting on it.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  private async send(key: string): Promise<WindowCount> {
    try {
      const [count, ttl] = await this.hitCommand!(`loopwise:ratelimit:${this.settings.name}:${key}`, this.settings.windowMs);
      if (this.down) this.markUp();
      return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
    } catch (error) {
      this.markDown(error);
      throw error;
    }
  }

  private open(): Redis {
    const client = openRedis(this.config, 'rateLimit() with a Redis store', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.settings.timeoutMs,
      connectTimeout: Math.max(this.settings.timeoutMs, 1_000),
      // Try again soon and often (capped at 1 s): counting resumes within about a second of Redis's return.
      retryStrategy: (times: number) => Math.min(times * 100, 1_000),
    });
    client.defineCommand('loopwiseRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.hitCommand = (client as unknown as { loopwiseRateLimitHit: HitCommand }).loopwiseRateLimitHit.bind(client);
    // ioredis emits 'error' on every failed attempt: without a listener that would end the process.
    client.on('error', (error: unknown) => this.markDown(error));
    client.on('ready', () => {
      this.everReady = true;
      if (this.down) this.markUp();
    });
    // The connection must not keep a finished process alive (a limiter has no shutdown hook of its own).
    client.on('connect', () => (client.stream as { unref?: () => void } | undefined)?.unref?.());
    this.client = client;
    return client;
  }

  // Logged once per outage, not once per request or per reconnect attempt.
  private markDown(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.settings.log().error(
      { err: error, limiter: this.settings.name },
      `rateLimit "${this.settings.name}": Redis at ${redactedUrl(this.config.url)} is unreachable (${messageOf(error)}); limited routes answer as onStoreDown says until it is back`,
    );
  }

  private markUp(): void {
    this.down = false;
    this.settings.log().info({ limiter: this.settings.name }, `rateLimit "${this.settings.name}": Redis at ${redactedUrl(this.config.url)} is back; counting again`);
  }
}

function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new LoopwiseError('LW_ERR_RUNTIME', `Redis did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** The URL without its password, for logs and messages. */
function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
