import cluster from 'node:cluster';
import { isMainThread } from 'node:worker_threads';
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import { isRedisConfig, type RedisConfig } from '../redis/redis-config.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import type { SchemaNamespace } from '../schema/validator.js';
import { Channel, type ChannelMessage, type ChannelOptions } from './channel.js';
import { localBus } from './local-bus.js';
import type { MessageBus } from './message-bus.js';
import { redisBus, releaseRedisBus, type RedisBus } from './redis-bus.js';

const WARNED = Symbol.for('loopwise.channels.cluster-warned');

/** The warning an in-process channel gets in a `loopwise run --workers` process, once per process. */
export function clusterWarning(name: string): string {
  return `app.channel(${JSON.stringify(name)}) is in-process only, but this is one of several "loopwise run --workers" processes: a message published here never reaches the subscribers of the other processes. Set pubsub: redis(url) on the App (docs/channels.md).`;
}

/** An App's channels: which transport they use (the App's `pubsub` option), opened on first use only. */
export class AppChannels {
  private bus: MessageBus | null = null;

  constructor(
    private readonly pubsub: RedisConfig | undefined,
    private readonly log: Logger,
    /** The App's named schemas' instances: a channel's schema may refer to the App's (t.Ref). */
    private readonly schemas?: SchemaNamespace,
    /** The App's `validation` limits, which a channel's schema checks under as a route's do. */
    private readonly limits?: ValidationLimits,
  ) {
    if (pubsub !== undefined && !isRedisConfig(pubsub)) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'the pubsub option takes redis(url) (import { redis } from "loopwise"), e.g. pubsub: redis("redis://127.0.0.1:6379").');
    }
  }

  channel<S extends TSchema | undefined = undefined>(name: string, options: ChannelOptions<S> = {}): Channel<ChannelMessage<S>> {
    return new Channel<ChannelMessage<S>>(name, options, this.transport(name), this.log, this.schemas, this.limits);
  }

  private transport(name: string): MessageBus {
    if (this.bus !== null) return this.bus;
    if (this.pubsub === undefined) {
      this.warnIfClustered(name);
      return (this.bus = localBus());
    }
    const config = this.pubsub;
    const bus: RedisBus = redisBus(config, this.log);
    bus.users++;
    return (this.bus = bus);
  }

  /** At the App's close(), started or not: its share of the Redis connections goes (the last App's close quits them). */
  async close(): Promise<void> {
    const bus = this.bus;
    this.bus = null; // a channel used after close() opens its transport again
    if (bus !== null && this.pubsub !== undefined) await releaseRedisBus(this.pubsub, bus as RedisBus);
  }

  // A cluster worker is one of several processes behind one port: an in-process broadcast there
  // silently reaches only the clients that happen to be connected to the same process.
  private warnIfClustered(name: string): void {
    if (!cluster.isWorker || !isMainThread) return;
    const holder = globalThis as unknown as Record<symbol, boolean | undefined>;
    if (holder[WARNED] === true) return;
    holder[WARNED] = true;
    this.log.warn(clusterWarning(name));
  }
}
