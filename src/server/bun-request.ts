import type { IncomingHttpHeaders } from 'node:http';
import { LazyEvents } from './lazy-events.js';
import type { BunServerHandle } from './bun-api.js';

/**
 * What a request's `socket` is on Bun (Bun.serve has none to give): the client's address, and a
 * 'close' event when the client disconnects (Bun aborts the request's signal then), watched only
 * once something listens for it.
 */
export class BunSocketInfo extends LazyEvents {
  readonly encrypted = false;
  /**
   * True until the client disconnects: code that asks whether a response can still be written
   * (the on-finished package, which `send` and Express middleware use) reads it, and took a
   * missing one for a closed connection.
   */
  writable = true;
  readable = true;
  destroyed = false;
  private watching = false;

  constructor(
    readonly remoteAddress: string | undefined,
    readonly remotePort: number | undefined,
    readonly remoteFamily: string | undefined,
    private readonly signal: AbortSignal,
  ) {
    super();
  }

  protected override listened(event: string | symbol): void {
    if (event === 'close') this.watch();
  }

  destroy(): void {
    // Bun owns the connection: there is nothing here to cut.
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.signal.addEventListener(
      'abort',
      () => {
        this.writable = this.readable = false;
        this.destroyed = true;
        this.emit('close', false);
      },
      { once: true },
    );
  }
}

/** Bodies up to this size with a Content-Length are read whole; larger ones (uploads) stream, with backpressure. */
const WHOLE_BODY_BYTES = 64 * 1024;

/** What the request tells its response when the client leaves mid-body. */
export interface ClientGoneListener {
  clientGone(): void;
}

/**
 * A Bun `Request` seen as the pipeline sees Node's IncomingMessage: `method`, `url` (path and
 * query), lowercased `headers` (repeated ones joined with ", ", `set-cookie` a list, as Node
 * gives them), and the body as 'data' / 'end' / 'error' events with pause() and resume(). The body
 * is read only once something listens for it, so a route without one never touches it.
 */
export class BunIncomingMessage extends LazyEvents {
  readonly method: string;
  /** Set when read (or assigned, as a mount does): a route matched by Bun's own router may never need it. */
  private path: string | undefined = undefined;
  private headerObject: IncomingHttpHeaders | null = null;
  /** The web Request, for what only Bun's server can do with it (timeouts, the client's address). */
  readonly request: Request;
  private readonly server: BunServerHandle;
  /** The response, told when the client leaves before the body is read (set by the server). */
  response: ClientGoneListener | null = null;
  // Defaults on the prototype (see below), own properties once set: most requests never set them,
  // and every field an object is made with costs each request its allocation (measured on Bun).
  declare readonly httpVersion: string;
  declare readonly httpVersionMajor: number;
  declare readonly httpVersionMinor: number;
  declare complete: boolean;
  declare aborted: boolean;
  declare private reading: boolean;
  declare private paused: boolean;
  declare private wake: (() => void) | null;
  declare private socketInfo: BunSocketInfo | null;
  declare private watchingClient: boolean;
  static {
    Object.assign(this.prototype, { httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, complete: false, aborted: false, reading: false, paused: false, wake: null, socketInfo: null, watchingClient: false });
  }

  constructor(request: Request, server: BunServerHandle) {
    super();
    this.request = request;
    this.server = server;
    this.method = request.method;
  }

  /**
   * Node's `url`: the path and query. Bun builds the whole URL string when asked for it (about a
   * third of what making a Response costs), so it is read on first use, not per request.
   */
  get url(): string {
    if (this.path !== undefined) return this.path;
    return (this.path = pathOf(this.request.url));
  }

  set url(url: string) {
    this.path = url;
  }

  /** Node's lowercased header object, made from the web Headers the first time something reads it. */
  get headers(): IncomingHttpHeaders {
    return (this.headerObject ??= (this.request.headers as Headers & { toJSON(): IncomingHttpHeaders }).toJSON());
  }

  /**
   * One header by its lowercase name, as `headers[name]` gives it (repeats joined with ", "), from
   * the object once it is built, else asked of the web Headers alone.
   */
  header(name: string): string | undefined {
    if (this.headerObject !== null) return this.headerObject[name] as string | undefined;
    return this.request.headers.get(name) ?? undefined;
  }

  /** The client's address, asked of Bun's server only when something reads it. */
  get socket(): BunSocketInfo {
    if (this.socketInfo !== null) return this.socketInfo;
    const ip = this.server.requestIP(this.request);
    return (this.socketInfo = new BunSocketInfo(ip?.address, ip?.port, ip?.family, this.request.signal));
  }

  protected override listened(event: string | symbol): void {
    if (event === 'data') this.startReading();
    else if (event === 'close') this.watchClient();
  }

  /** 'close' when the client disconnects, as Node's request emits it then: Bun aborts the request's signal. */
  private watchClient(): void {
    if (this.watchingClient) return;
    this.watchingClient = true;
    this.request.signal.addEventListener('abort', () => this.emit('close'), { once: true });
  }

  /** A streamed response may be quiet for long (an event stream): Bun's idle timeout must not cut it. */
  keepOpen(): void {
    this.server.timeout?.(this.request, 0);
  }

  /** This request's idle timeout, in seconds (Bun's connection one applies until it is set). */
  idleFor(seconds: number): void {
    this.server.timeout?.(this.request, seconds);
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  /** As Node's: flowing again; with no 'data' listener, what is read is thrown away. */
  resume(): this {
    this.paused = false;
    const wake = this.wake;
    this.wake = null;
    wake?.();
    this.startReading();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** The body is not wanted (refused, or the client is gone): stop reading it. */
  destroy(): this {
    this.aborted = true;
    void this.request.body?.cancel().catch(() => {});
    return this;
  }

  /**
   * The body in one call, for a reader that wants it whole (read-body.ts), when its length is
   * declared and small: no events. False when it is not (chunked, or large): read by events then.
   * `contentLength`: the header as the caller read it already (one lookup fewer).
   */
  readWhole(contentLength: string | undefined, done: (error: Error | null, body: Uint8Array | null) => void): boolean {
    const whole = this.smallBody(contentLength);
    if (whole === null) return false;
    this.reading = true;
    whole.then(
      (bytes) => {
        this.complete = true;
        done(null, bytes);
      },
      (error: unknown) => {
        this.aborted = true;
        this.response?.clientGone();
        done(error instanceof Error ? error : new Error(String(error)), null);
      },
    );
    return true;
  }

  /**
   * A body of declared length up to WHOLE_BODY_BYTES, read by Bun in one call; null for one that
   * must stream (chunked, large, or already being read). bytes(), not arrayBuffer(): the same
   * bytes at twice the speed on Bun 1.4.5 (measured: bench POST /echo).
   */
  private smallBody(contentLength = this.header('content-length')): Promise<Uint8Array> | null {
    // A declared length above 0 means a body: request.body is not read to ask (it makes a ReadableStream).
    const declared = Number(contentLength);
    if (this.reading || !(declared > 0 && declared <= WHOLE_BODY_BYTES)) return null;
    return (this.request as Request & { bytes(): Promise<Uint8Array> }).bytes();
  }

  private startReading(): void {
    if (this.reading) return;
    // A small body of known length comes as one 'data' (unless the reader paused before it began).
    const whole = this.paused ? null : this.smallBody();
    this.reading = true;
    void this.pump(whole);
  }

  private async pump(whole: Promise<Uint8Array> | null): Promise<void> {
    const body = this.request.body;
    if (whole !== null) {
      let bytes: Uint8Array;
      try {
        bytes = await whole;
      } catch (error) {
        this.failed(error);
        return;
      }
      if (bytes.length > 0) this.emit('data', asBuffer(bytes));
      this.finish();
      return;
    }
    if (body === null) {
      await Promise.resolve(); // after the caller's 'end' listener is on
      this.finish();
      return;
    }
    const reader = body.getReader();
    try {
      for (;;) {
        if (this.paused) await new Promise<void>((resolve) => (this.wake = resolve));
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length > 0) this.emit('data', asBuffer(value));
      }
    } catch (error) {
      this.failed(error);
      return;
    }
    this.finish();
  }

  /** The client left mid-body (or the body was cancelled): as Node's aborted request. */
  private failed(error: unknown): void {
    this.aborted = true;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    // As Node's response 'close' when the socket goes: what waits for it (an upload's temporary files) is released.
    this.response?.clientGone();
  }

  private finish(): void {
    this.complete = true;
    this.emit('end');
  }
}

/**
 * The path and query of Bun's request URL. Bun gives "http://host:port/path?query", or the path
 * alone when the Host header is none it can put in a URL (`x/`, `a b`, `h?`, or no Host at all):
 * read as an absolute URL, that path lost its first segment (`/public/admin` routed as `/admin`).
 */
export function pathOf(url: string): string {
  if (url.charCodeAt(0) === 47 /* '/' */) return url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? '/' : url.slice(start);
}

/** Up to this many bytes, a copy is cheaper than a view: reading a fresh Uint8Array's `buffer` makes Bun allocate it (~0.2 µs). */
const COPY_BELOW_BYTES = 4096;

/** The same bytes as a Buffer (the pipeline's readers take Buffers): a copy when small, else a view of the same memory. */
function asBuffer(bytes: Uint8Array): Buffer {
  return bytes.length <= COPY_BELOW_BYTES ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
