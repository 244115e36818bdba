import { Readable } from 'node:stream';
import { nonNegativeInteger, nonNegativeNumber } from '../option-checks.js';
import { HttpResponse, type ResponseInit } from './http-response.js';

/** One Server-Sent Event. `data` that is not a string is sent as JSON. */
export interface SseEvent {
  data?: unknown;
  /** The event's type (`addEventListener(event, …)` in the browser); `message` when absent. */
  event?: string;
  /** Sets the client's last event id, sent back as `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** How long the client waits before reconnecting, in ms. */
  retry?: number;
  /** A comment line: ignored by clients, useful to keep proxies from timing out. */
  comment?: string;
}

/** What an event source yields: an event, a string (the data) or any other value (sent as JSON data). */
export type SseMessage = SseEvent | string | number | boolean | object | null;

/**
 * The events: an async iterable (e.g. an async generator), or a function that makes one from an
 * AbortSignal that aborts when the client goes away — pass it on to what the generator awaits
 * (`events.on(bus, 'message', { signal })`, `setTimeout(ms, v, { signal })`) so it stops at once.
 */
export type SseSource = AsyncIterable<SseMessage> | ((signal: AbortSignal) => AsyncIterable<SseMessage>);

export interface SseOptions extends ResponseInit {
  /** A `: ping` comment is sent after this many ms without an event, so proxies keep the stream open. Default 15 000; 0 turns it off. */
  heartbeat?: number;
  /** Sent first as `retry:`: how long clients wait before reconnecting, in ms (browsers default to about 3 s). */
  retry?: number;
}

export const DEFAULT_SSE_HEARTBEAT = 15_000;

const EVENT_KEYS = new Set(['data', 'event', 'id', 'retry', 'comment']);
const LINE_BREAK = /\r\n|\r|\n/;
/** CR and LF would end the field and start another (an injected event); NUL makes clients ignore an id. */
const FIELD_UNSAFE = /[\r\n\0]/g;

/**
 * A Server-Sent Events response (`text/event-stream`): each value `events` yields becomes one
 * event, written as it comes, with backpressure. When the client goes away the iteration stops:
 * the generator's `finally` runs (at once if it is waiting at a `yield`, or when its current
 * `await` settles; use the AbortSignal form to cut that wait short). Inline routes only.
 *
 * To resume after a reconnect, read `headers['last-event-id']` in the handler and start after it.
 */
export function sse(events: SseSource, options: SseOptions = {}): HttpResponse {
  const heartbeat = options.heartbeat ?? DEFAULT_SSE_HEARTBEAT;
  nonNegativeNumber(heartbeat, 'sse() heartbeat', { unit: 'milliseconds' });
  if (options.retry !== undefined) nonNegativeInteger(options.retry, 'sse() retry', { unit: 'milliseconds' });
  const body = new SseStream(events, heartbeat, options.retry);
  return new HttpResponse(body, {
    status: options.status,
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      // nginx buffers proxied responses unless told not to; an event must not wait in a buffer.
      'x-accel-buffering': 'no',
      ...options.headers,
    },
  });
}

/** The wire form of one event: `field: value` lines and a blank line. */
export function formatSseEvent(message: SseMessage): string {
  if (!isEvent(message)) return dataLines(message) + '\n';
  let frame = '';
  if (message.comment !== undefined) {
    for (const line of String(message.comment).split(LINE_BREAK)) frame += `: ${line}\n`;
  }
  if (message.event !== undefined) frame += `event: ${safeField(message.event)}\n`;
  if (message.id !== undefined) frame += `id: ${safeField(message.id)}\n`;
  if (message.retry !== undefined && isRetry(message.retry)) frame += `retry: ${message.retry}\n`;
  if ('data' in message && message.data !== undefined) frame += dataLines(message.data);
  return frame + '\n';
}

/**
 * An object is an event when all its keys are event fields and it has `data`, `comment` or
 * `retry`; any other object is data, sent as JSON.
 */
function isEvent(message: SseMessage): message is SseEvent {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return false;
  const keys = Object.keys(message);
  if (keys.length === 0 || !keys.every((key) => EVENT_KEYS.has(key))) return false;
  return 'data' in message || 'comment' in message || 'retry' in message;
}

/** Data spans lines: each line gets its own `data:` field, and the client joins them with "\n". */
function dataLines(data: unknown): string {
  const text = typeof data === 'string' ? data : (JSON.stringify(data) ?? 'null');
  let lines = '';
  for (const line of text.split(LINE_BREAK)) lines += `data: ${line}\n`;
  return lines;
}

function safeField(value: string | number): string {
  return String(value).replace(FIELD_UNSAFE, '');
}

function isRetry(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The event stream: pulls one event at a time (only when the socket has room), sends a comment
 * when idle for `heartbeat` ms, and on destroy (the client left) aborts the signal and ends the
 * iteration without waiting for it.
 */
class SseStream extends Readable {
  private readonly controller = new AbortController();
  private readonly source: SseSource;
  private events: AsyncIterator<SseMessage> | null = null;
  private pulling = false;
  private finished = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    source: SseSource,
    private readonly heartbeat: number,
    private readonly retry: number | undefined,
  ) {
    super();
    this.source = source;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    try {
      const iterable = typeof this.source === 'function' ? this.source(this.controller.signal) : this.source;
      this.events = iterable[Symbol.asyncIterator]();
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (this.retry !== undefined) this.push(`retry: ${this.retry}\n\n`);
    this.armHeartbeat();
    callback();
  }

  override _read(): void {
    if (this.pulling || this.finished) return;
    this.pulling = true;
    let next: Promise<IteratorResult<SseMessage>>;
    try {
      next = this.events!.next();
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    next.then(
      (result) => {
        this.pulling = false;
        if (this.destroyed) return;
        if (result.done === true) {
          this.finished = true;
          this.clearHeartbeat();
          this.push(null);
          return;
        }
        let frame: string;
        try {
          frame = formatSseEvent(result.value);
        } catch (error) {
          this.destroy(error as Error); // e.g. data JSON.stringify cannot encode (a BigInt, a cycle)
          return;
        }
        this.push(frame);
        this.armHeartbeat();
      },
      (error: unknown) => {
        this.pulling = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearHeartbeat();
    this.controller.abort();
    const events = this.events;
    if (events !== null && !this.finished && typeof events.return === 'function') {
      // Not awaited: a generator busy in an `await` finishes it first, and the response must not wait.
      try {
        Promise.resolve(events.return()).catch(() => {});
      } catch {
        // a return() that throws at once has nothing more to clean up
      }
    }
    callback(error);
  }

  private armHeartbeat(): void {
    if (this.heartbeat === 0) return;
    this.clearHeartbeat();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.destroyed || this.finished) return;
      // Only when idle on our side: bytes still buffered mean the client is just slow to read them.
      if (this.readableLength === 0) this.push(': ping\n\n');
      this.armHeartbeat();
    }, this.heartbeat);
    this.timer.unref();
  }

  private clearHeartbeat(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
