import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import { compileValidator, type PartValidator, type SchemaNamespace } from '../schema/validator.js';
import { reasonFor } from '../ws/message.js';
import type { MessageBus } from './message-bus.js';
import { checkBuffer, DEFAULT_SUBSCRIBER_BUFFER, Subscription, type SubscribeOptions } from './subscription.js';

export interface ChannelOptions<S extends TSchema | undefined = undefined> {
  /** What a message is: each publish() is validated against it (defaults applied), and subscribers get its type. */
  schema?: S;
  /** Each subscriber's buffer in messages (the oldest dropped past it). Default 1000; subscribe({ buffer }) overrides it. */
  buffer?: number;
}

/** The message type of a channel with these options: the schema's, else `unknown`. */
export type ChannelMessage<S> = S extends TSchema ? Static<S> : unknown;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/**
 * A named broadcast: every subscriber, in this thread, the process's other threads and (with the
 * App's `pubsub: redis(url)`) every other process and machine, gets each published message once.
 * Made by `app.channel(name, options)`.
 */
export class Channel<T = unknown> {
  private readonly validate: PartValidator | null;
  private readonly buffer: number;

  constructor(
    readonly name: string,
    options: ChannelOptions<TSchema | undefined>,
    private readonly bus: MessageBus,
    private readonly log: Logger,
    schemas?: SchemaNamespace,
    limits?: ValidationLimits,
  ) {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `app.channel() takes a name of letters, digits and . _ : / - (up to 200, e.g. "orders" or "room:42"), not ${JSON.stringify(name)}.`);
    }
    this.buffer = options.buffer === undefined ? DEFAULT_SUBSCRIBER_BUFFER : checkBuffer(options.buffer, `app.channel("${name}")`);
    this.validate = options.schema === undefined ? null : compileValidator(options.schema, 'body', { coerce: false, route: `channel "${name}"`, namespace: schemas, limits });
  }

  /**
   * Sends `message` to every subscriber. Rejects with LW_ERR_CHANNEL_MESSAGE when it does not match
   * the channel's schema (nothing is sent), and with LW_ERR_PUBSUB_UNAVAILABLE when Redis is away.
   */
  async publish(message: T): Promise<void> {
    if (this.validate !== null) {
      const issues = this.validate(message);
      if (issues !== null) {
        const located = issues.map((issue) => ({ ...issue, loc: ['message', ...issue.loc.slice(1)] }));
        const error = new LoopwiseError('LW_ERR_CHANNEL_MESSAGE', `channel "${this.name}": not published: ${reasonFor(located)}`);
        (error as LoopwiseError & { issues: unknown }).issues = located;
        throw error;
      }
    }
    try {
      await this.bus.publish(this.name, message);
    } catch (error) {
      if (error instanceof LoopwiseError) throw error;
      // structuredClone's DataCloneError (a function, a class instance with methods…)
      throw new LoopwiseError('LW_ERR_CHANNEL_MESSAGE', `channel "${this.name}": not published: ${(error as Error).message}. Publish plain data (JSON values).`, { cause: error });
    }
  }

  /**
   * This thread's messages from now on, as an async iterable: `for await (const m of channel.subscribe())`.
   * Leaving the loop unsubscribes; so do `signal` and `until`. Its buffer is bounded (see SubscribeOptions).
   */
  subscribe(options: SubscribeOptions = {}): Subscription<T> {
    const buffer = options.buffer === undefined ? this.buffer : checkBuffer(options.buffer, `channel "${this.name}" subscribe()`);
    return new Subscription<T>(buffer, (deliver) => this.bus.listen(this.name, this.checked(deliver as (message: unknown) => void)), options, () =>
      this.log.warn({ channel: this.name, buffer }, `channel "${this.name}": a subscriber is too slow; its buffer of ${buffer} messages is full, so the oldest are dropped (subscribe({ buffer }) to keep more)`),
    );
  }

  /**
   * What reaches a subscriber is checked against the schema too: a message put on the Redis
   * channel by something other than loopwise's publish() (or another version of the app) would
   * otherwise reach code typed by the schema. One that fails is dropped, with a warning at most
   * once a minute (a flood of them must not flood the log).
   */
  private checked(deliver: (message: unknown) => void): (message: unknown) => void {
    const validate = this.validate;
    if (validate === null) return deliver;
    return (message) => {
      if (validate(message) === null) deliver(message);
      else this.refused();
    };
  }

  private refusedCount = 0;
  private refusedWarnedAt = -Infinity;

  private refused(): void {
    this.refusedCount++;
    const now = Date.now();
    if (now - this.refusedWarnedAt < 60_000) return;
    this.refusedWarnedAt = now;
    this.log.warn(
      { channel: this.name, dropped: this.refusedCount },
      `channel "${this.name}": a message that does not match the channel's schema arrived (not from this app's publish(): something else wrote to its Redis channel); dropped, ${this.refusedCount} so far`,
    );
  }

  /** How many subscribers this thread has on the channel (the other threads and processes have their own). */
  get subscribers(): number {
    return this.bus.listeners(this.name);
  }
}
