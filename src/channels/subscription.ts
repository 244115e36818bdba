import { LoopwiseError } from '../errors.js';

/** How many messages a subscriber may have waiting before the oldest are dropped, unless told otherwise. */
export const DEFAULT_SUBSCRIBER_BUFFER = 1000;

export interface SubscribeOptions {
  /**
   * Messages kept for this subscriber while it is busy (a slow client). Past it the OLDEST waiting
   * message is dropped for the newest (counted in `dropped`), so a slow subscriber never grows
   * memory and always sees the latest. Default 1000 (or the channel's `buffer`).
   */
  buffer?: number;
  /** Ends the subscription when it aborts: pass sse()'s signal. */
  signal?: AbortSignal;
  /** Ends the subscription when it settles: pass a WebSocket's `socket.closed`. */
  until?: PromiseLike<unknown>;
}

export function checkBuffer(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${where} buffer must be a whole number of messages, 1 or more, not ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * One subscriber's messages, as an async iterator: `for await` them. Ending the loop (break, return,
 * a client that leaves, sse() calling return()) unsubscribes at once, even while it waits.
 */
export class Subscription<T> implements AsyncIterableIterator<T> {
  /** Messages dropped (the oldest) because this subscriber's buffer was full. */
  dropped = 0;
  private readonly queue: T[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private ended = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly capacity: number,
    attach: (deliver: (message: T) => void) => () => void,
    options: SubscribeOptions,
    /** Told once, the first time this subscriber drops a message. */
    private readonly onFirstDrop: () => void,
  ) {
    this.unsubscribe = attach((message) => this.deliver(message));
    const { signal, until } = options;
    if (signal !== undefined) {
      if (signal.aborted) this.end();
      else signal.addEventListener('abort', () => this.end(), { once: true });
    }
    if (until !== undefined) Promise.resolve(until).then(() => this.end(), () => this.end());
  }

  /** Messages waiting to be read. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  private deliver(message: T): void {
    if (this.ended) return;
    if (this.waiting !== null) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: message, done: false });
      return;
    }
    if (this.pending >= this.capacity) {
      this.head++;
      if (this.dropped++ === 0) this.onFirstDrop();
    }
    this.queue.push(message);
    // The read part of the array is let go now and then, not on every read (shift() is O(n)).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.pending > 0) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as T; // no reference kept to what was read
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiting !== null) return Promise.reject(new Error('a Subscription is read by one loop at a time: next() was called while another next() waited'));
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Unsubscribes, lets go of what was waiting, and ends a pending read. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.queue.length = 0;
    this.head = 0;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }
}
