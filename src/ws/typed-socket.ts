import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, clipReason, isSendableCode } from './close-codes.js';
import { WebSocketDisconnect } from './errors.js';

// ws's WebSocket.OPEN, kept here so this module does not load the package for one constant.
const OPEN = 1;

/** What the route's `message` option makes of a frame: the typed value, or the close it calls for. */
export type DecodedMessage<In> = { ok: true; value: In } | { ok: false; code: number; reason: string; detail?: unknown };
export type MessageDecoder<In> = (data: Buffer, isBinary: boolean) => DecodedMessage<In>;

/** @internal How a connection is set up by its route. */
export interface ConnectionSettings<In, Out> {
  decode: MessageDecoder<In>;
  /** The JSON text of a value given to `send()`: the route's `send` schema's serializer, or JSON.stringify. */
  serialize: (value: Out) => string;
  /** Bytes buffered for the peer above which `send()` waits for them to drain. */
  highWaterMark: number;
  /** Messages received but not yet read above which the socket stops reading from the peer. */
  maxQueued: number;
  /** Ping interval in ms (0: none); a peer that has not answered the previous ping is cut. */
  heartbeat: number;
  /** Told of a message the route refused, before the socket is closed for it. */
  onRefused: (code: number, reason: string, detail: unknown) => void;
  /** Told of socket errors (ws closes the socket after them). */
  onError: (error: Error) => void;
  /** Told of a fault of the server's own while it handled a frame or a timer (logged as an error); the socket is then closed with 1011. */
  onFault: (error: unknown) => void;
}

type Reader<In> = { deliver(value: In): void; end(): void };

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * One accepted WebSocket, typed by its route: read messages with `for await (const m of socket)`
 * or `receive()`, each already parsed and validated by the route's `message` schema; write with
 * `send(value)` (JSON, typed by the route's `send` schema), `sendText()` or `sendBytes()`, each of
 * which waits while too much is buffered for a slow peer; end with `close(code, reason)`.
 */
export class WebSocketConnection<In = string | Buffer, Out = unknown> implements AsyncIterable<In> {
  /** The `ws` WebSocket underneath, for what this wrapper does not cover (pings, subprotocol). */
  readonly raw: WebSocket;
  /** Resolves with the close code and reason once the socket is closed, by either side. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private readonly socket: Duplex;
  private readonly settings: ConnectionSettings<In, Out>;
  /** Received, not yet read: messages, and at most one refusal last (a frame the route does not take). */
  private readonly queue: DecodedMessage<In>[] = [];
  private readonly readers: Reader<In>[] = [];
  /** Set when either side starts closing: no message is taken after it, queued ones are still read. */
  private ending: { code: number; reason: string } | null = null;
  private drainWait: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | undefined = undefined;
  private pausedByUs = false;
  /** A refused frame is queued: later frames are dropped, the socket closes when the handler reaches it. */
  private refusing = false;

  constructor(raw: WebSocket, socket: Duplex, settings: ConnectionSettings<In, Out>) {
    this.raw = raw;
    this.socket = socket;
    this.settings = settings;
    let alive = true;
    // These listeners run inside ws's socket handlers: a throw there would end the process.
    raw.on('message', (data, isBinary) => {
      alive = true;
      this.guarded(() => this.receiveFrame(data, isBinary));
    });
    raw.on('error', (error) => this.guarded(() => settings.onError(error)));
    this.closed = new Promise((resolve) => {
      raw.once('close', (code, reason) => {
        this.ending ??= { code, reason: reason.toString('utf8') };
        clearInterval(this.heartbeatTimer);
        this.endReaders();
        resolve(this.ending);
      });
    });
    if (settings.heartbeat > 0) {
      raw.on('pong', () => (alive = true));
      this.heartbeatTimer = setInterval(() => {
        if (raw.readyState !== OPEN || raw.isPaused) return; // a paused reader cannot see pongs
        if (!alive) {
          raw.terminate();
          return;
        }
        alive = false;
        this.guarded(() => raw.ping());
      }, settings.heartbeat);
      this.heartbeatTimer.unref();
    }
  }

  /** Whether messages can still be sent: false from the moment either side starts closing. */
  get isOpen(): boolean {
    return this.ending === null && this.raw.readyState === OPEN;
  }

  /** Bytes written but not yet taken by the peer's connection. */
  get bufferedAmount(): number {
    return this.raw.bufferedAmount;
  }

  /** The close code, once either side has started closing (1005: the peer sent none; 1006: the connection dropped). */
  get closeCode(): number | undefined {
    return this.ending?.code;
  }

  get closeReason(): string | undefined {
    return this.ending?.reason;
  }

  /** The next message. Rejects with WebSocketDisconnect once the socket is closed and every message sent before has been read. */
  receive(): Promise<In> {
    const entry = this.take();
    if (entry !== undefined) return Promise.resolve(entry.value);
    if (this.ending !== null) return Promise.reject(this.disconnect());
    return new Promise((resolve, reject) => this.readers.push({ deliver: resolve, end: () => reject(this.disconnect()) }));
  }

  /** Every message until the socket closes; the loop then ends without an error (see `closeCode`). */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    return {
      next: () => {
        const entry = this.take();
        if (entry !== undefined) return Promise.resolve({ done: false, value: entry.value });
        if (this.ending !== null) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) =>
          this.readers.push({ deliver: (value) => resolve({ done: false, value }), end: () => resolve({ done: true, value: undefined }) }),
        );
      },
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  /**
   * Sends a value as a JSON text frame (through the route's `send` schema, which drops fields it
   * does not name). Resolves at once while little is buffered, else when the buffer has drained
   * to the peer: `await` it and a slow reader slows the sender instead of filling memory.
   * Rejects with WebSocketDisconnect once the socket is closing.
   */
  send(value: Out): Promise<void> {
    let text: string;
    try {
      text = this.settings.serialize(value);
    } catch (error) {
      return handled(Promise.reject(error));
    }
    return this.write(text, false);
  }

  /** Sends a string as it is, in a text frame (no JSON encoding). */
  sendText(text: string): Promise<void> {
    return this.write(text, false);
  }

  /** Sends bytes in a binary frame. */
  sendBytes(data: Uint8Array | ArrayBuffer): Promise<void> {
    return this.write(data, true);
  }

  /**
   * Starts the closing handshake (default 1000, no reason; the reason is cut to 123 bytes).
   * Messages already received can still be read. Closing twice does nothing.
   */
  close(code = 1000, reason = ''): void {
    if (!isSendableCode(code)) {
      throw new RangeError(`close(${code}): not a close code an endpoint may send (use 1000–1003, 1007–1014 or 3000–4999).`);
    }
    if (this.ending !== null) return;
    const clipped = clipReason(reason);
    this.ending = { code, reason: clipped };
    if (this.raw.readyState === OPEN) this.raw.close(code, clipped);
    // A socket paused for backpressure must read again, or the peer's answering close is never seen.
    if (this.pausedByUs) this.raw.resume();
    this.endReaders();
  }

  /** Cuts the connection without a closing handshake. */
  terminate(): void {
    this.raw.terminate();
  }

  /** Runs `work` for a listener: a throw is a server fault, logged, and the socket closes with 1011 instead of the process ending. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      try {
        this.settings.onFault(error);
      } catch {
        // A logger that throws must not end the process either.
      }
      this.queue.length = 0;
      if (this.ending === null) this.close(CloseCode.INTERNAL_ERROR, 'Internal Server Error');
      else this.raw.terminate();
    }
  }

  private receiveFrame(data: RawData, isBinary: boolean): void {
    if (this.ending !== null || this.refusing) return;
    const decoded = this.settings.decode(toBuffer(data), isBinary);
    if (this.queue.length === 0 && this.readers.length > 0) {
      if (decoded.ok) this.readers.shift()!.deliver(decoded.value);
      else this.refuse(decoded);
      return;
    }
    // Messages are taken in order: one the route refuses closes the socket once those before it are read.
    if (!decoded.ok) this.refusing = true;
    this.queue.push(decoded);
    // Backpressure the other way: a handler that reads slower than the peer writes stops the reading.
    if (this.queue.length >= this.settings.maxQueued && !this.pausedByUs) {
      this.pausedByUs = true;
      this.raw.pause();
    }
  }

  /** The next queued message, or undefined when there is none (or the next frame was refused: the socket closes). */
  private take(): { value: In } | undefined {
    const entry = this.queue.shift();
    if (entry === undefined) return undefined;
    if (!entry.ok) {
      this.refuse(entry);
      return undefined;
    }
    if (this.pausedByUs && this.queue.length <= this.settings.maxQueued / 2) {
      this.pausedByUs = false;
      this.raw.resume();
    }
    return entry;
  }

  private refuse(refusal: { code: number; reason: string; detail?: unknown }): void {
    this.queue.length = 0;
    this.settings.onRefused(refusal.code, refusal.reason, refusal.detail);
    this.close(refusal.code, refusal.reason);
  }

  private write(data: string | Uint8Array | ArrayBuffer, binary: boolean): Promise<void> {
    if (!this.isOpen) return handled(Promise.reject(this.disconnect()));
    this.raw.send(data, { binary }); // a failed write errors and closes the socket; the next send rejects
    if (this.raw.bufferedAmount <= this.settings.highWaterMark || !this.socket.writableNeedDrain) return RESOLVED;
    return (this.drainWait ??= handled(new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        this.socket.off('drain', settle);
        this.raw.off('close', settle);
        this.drainWait = null;
        if (this.raw.readyState === OPEN) resolve();
        else reject(this.disconnect());
      };
      this.socket.on('drain', settle);
      this.raw.on('close', settle);
    })));
  }

  private endReaders(): void {
    for (const reader of this.readers.splice(0)) reader.end();
  }

  private disconnect(): WebSocketDisconnect {
    const ending = this.ending ?? { code: 1006, reason: '' };
    return new WebSocketDisconnect(ending.code, ending.reason);
  }
}

/**
 * Marks a promise as handled, so a `send()` nobody awaited (a broadcast to a socket that just
 * closed) cannot crash the process with an unhandled rejection; whoever awaits it still gets the error.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
