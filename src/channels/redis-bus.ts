import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import { requireOptional } from '../optional-package.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../pipeline/json-depth.js';
import type { RedisConfig } from '../redis/redis-config.js';
import { openRedis } from '../redis/open-redis.js';
import { CHANNEL_PREFIX } from './local-bus.js';
import type { Deliver, MessageBus } from './message-bus.js';

const FEATURE = 'pubsub: redis()';
/** The first publish waits this long for the first connection; after that, a publish while Redis is away fails at once. */
const FIRST_CONNECT_WAIT_MS = 5_000;
/** A PUBLISH Redis does not answer within this fails (a hung server must not hold a handler). */
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * The Redis transport: each thread (main, offload worker) opens ONE subscriber connection, on its
 * first subscribe, and one command connection, on its first publish. Redis hands each PUBLISH to
 * every subscribed connection once, in the order one connection sent them; this thread's listeners
 * then share its connection's copy. Messages are JSON.
 */
export class RedisBus implements MessageBus {
  private subscriber: Redis | null = null;
  private command: Redis | null = null;
  private commandWasReady = false;
  private readonly topics = new Map<string, Set<Deliver>>();
  /** Apps of this thread that use the bus: the last one to close lets the connections go. */
  users = 0;

  constructor(
    private readonly config: RedisConfig,
    private readonly log: Logger,
  ) {
    // Loaded now (the App is being built), not in the first request that subscribes: loading
    // ioredis takes a synchronous while, and a missing install is named at startup.
    requireOptional('ioredis', FEATURE);
  }

  async publish(name: string, message: unknown): Promise<void> {
    const text = JSON.stringify(message);
    if (text === undefined) throw new LoopwiseError('LW_ERR_CHANNEL_MESSAGE', `channel "${name}": a message must be a JSON value, not ${typeof message}.`);
    const command = this.commandConnection();
    try {
      if (command.status !== 'ready' && !this.commandWasReady) await this.firstConnect(command);
      await command.publish(CHANNEL_PREFIX + name, text);
    } catch (error) {
      throw new LoopwiseError(
        'LW_ERR_PUBSUB_UNAVAILABLE',
        `channel "${name}": the message was not published: Redis at ${redactedUrl(this.config.url)} is unreachable (${(error as Error).message}). Nothing was sent; publish again once Redis is back (subscribers wait and resume by themselves).`,
        { cause: error },
      );
    }
  }

  listen(name: string, deliver: Deliver): () => void {
    let listeners = this.topics.get(name);
    if (listeners === undefined) {
      listeners = new Set();
      this.topics.set(name, listeners);
      // Queued while Redis is away, and sent again by ioredis after each reconnect (autoResubscribe).
      this.subscriberConnection().subscribe(CHANNEL_PREFIX + name).catch((error: Error) => this.log.warn({ err: error, channel: name }, `channel "${name}": subscribing in Redis failed`));
    }
    listeners.add(deliver);
    return () => {
      const current = this.topics.get(name);
      if (current === undefined || !current.delete(deliver) || current.size > 0) return;
      this.topics.delete(name);
      this.subscriber?.unsubscribe(CHANNEL_PREFIX + name).catch(() => undefined); // Redis away: the reconnect does not resubscribe it either
    };
  }

  listeners(name: string): number {
    return this.topics.get(name)?.size ?? 0;
  }

  async close(): Promise<void> {
    const connections = [this.subscriber, this.command].filter((c): c is Redis => c !== null);
    this.subscriber = this.command = null;
    this.topics.clear();
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private subscriberConnection(): Redis {
    if (this.subscriber !== null) return this.subscriber;
    // No retry limit: a subscriber waits for Redis as long as it takes.
    const subscriber = openRedis(this.config, FEATURE, { maxRetriesPerRequest: null, autoResubscribe: true });
    this.watch(subscriber, 'subscriber');
    subscriber.on('message', (channel: string, text: string) => {
      const listeners = this.topics.get(channel.slice(CHANNEL_PREFIX.length));
      if (listeners === undefined || listeners.size === 0) return;
      const name = channel.slice(CHANNEL_PREFIX.length);
      let message: unknown;
      try {
        // Too deep to serialize again (an SSE or WebSocket handler would): refused as not loopwise's.
        if (text.length > MAX_JSON_DEPTH && nestsDeeperThan(Buffer.from(text), MAX_JSON_DEPTH)) throw new Error('too deep');
        message = JSON.parse(text);
      } catch {
        this.skipped(name);
        return;
      }
      for (const deliver of listeners) deliver(message);
    });
    return (this.subscriber = subscriber);
  }

  private skippedCount = 0;
  private skippedWarnedAt = -Infinity;

  /** A message loopwise could not have published: skipped, with a warning at most once a minute. */
  private skipped(name: string): void {
    this.skippedCount++;
    const now = Date.now();
    if (now - this.skippedWarnedAt < 60_000) return;
    this.skippedWarnedAt = now;
    this.log.warn(
      { channel: name, skipped: this.skippedCount },
      `channel "${name}": a message in Redis was not JSON (or nested deeper than ${MAX_JSON_DEPTH} levels); skipped, ${this.skippedCount} so far (was it published by something other than loopwise?)`,
    );
  }

  private commandConnection(): Redis {
    if (this.command !== null) return this.command;
    // No offline queue: while Redis is away a publish fails at once instead of piling up in memory.
    const command = openRedis(this.config, FEATURE, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: PUBLISH_TIMEOUT_MS });
    this.watch(command, 'publisher');
    command.on('ready', () => (this.commandWasReady = true));
    return (this.command = command);
  }

  private async firstConnect(command: Redis): Promise<void> {
    const timer = AbortSignal.timeout(FIRST_CONNECT_WAIT_MS);
    try {
      await once(command, 'ready', { signal: timer });
    } catch {
      throw new Error(`no connection within ${FIRST_CONNECT_WAIT_MS} ms`);
    }
  }

  /** ioredis emits 'error' on every failed (re)connect: one warning per outage, never an unhandled event. */
  private watch(connection: Redis, role: string): void {
    let down = false;
    connection.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.log.warn({ err: error }, `pubsub: the Redis ${role} connection to ${redactedUrl(this.config.url)} failed (${error.message}); reconnecting`);
    });
    connection.on('ready', () => {
      if (down) this.log.info(`pubsub: the Redis ${role} connection to ${redactedUrl(this.config.url)} is back`);
      down = false;
    });
  }
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

const KEY = Symbol.for('loopwise.channels.redis-buses');

/** This thread's bus for a Redis server (one per URL and options), shared by every App of the thread. */
export function redisBus(config: RedisConfig, log: Logger): RedisBus {
  const holder = globalThis as unknown as Record<symbol, Map<string, RedisBus> | undefined>;
  const buses = (holder[KEY] ??= new Map());
  const key = JSON.stringify([config.url, config.options]);
  let bus = buses.get(key);
  if (bus === undefined) {
    bus = new RedisBus(config, log);
    buses.set(key, bus);
  }
  return bus;
}

/** An App that used the bus closed: the last one closes its connections (a later channel use opens new ones). */
export async function releaseRedisBus(config: RedisConfig, bus: RedisBus): Promise<void> {
  if (--bus.users > 0) return;
  const holder = globalThis as unknown as Record<symbol, Map<string, RedisBus> | undefined>;
  holder[KEY]?.delete(JSON.stringify([config.url, config.options]));
  await bus.close();
}
