import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { INVALID_FIELD_TEXT, headerProblem } from '../header-check.js';
import { JSON_ONLY_HEAD, isBodiless, type StreamFailed } from '../pipeline/send.js';
import { LazyEvents } from './lazy-events.js';
import type { BunIncomingMessage } from './bun-request.js';

type HeaderValue = OutgoingHttpHeader | undefined;

/** What every response of one Bun server reads of it. */
export interface BunServerState {
  /** close() has begun: answers from now on close their connection after them. */
  closing: boolean;
  /** The connection's idle timeout (s), given back to a request whose own was changed once its answer is done. */
  connectionIdle: number;
}

/** What Bun's Response takes (101 is a WebSocket upgrade's, which Bun.serve sends itself). */
function bunSendsStatus(status: number): boolean {
  return status >= 200 && status <= 599;
}

/**
 * Node's ServerResponse as the pipeline uses it, writing a web `Response` for Bun.serve. The
 * common answer (writeHead, then end with the whole body) becomes one `new Response(body,
 * { status, headers })`, handed back at once when the handler answered synchronously. write() or
 * flushHeaders() switch to a streamed body: the head goes out and each write is a chunk of a
 * ReadableStream, with Node's backpressure (write() returns false, 'drain' follows) and 'close'
 * when the client leaves. 'finish' and 'close' are emitted as Node emits them, for metrics, the
 * access log and what runs after a response.
 */
export class BunServerResponse extends LazyEvents {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  readonly req: BunIncomingMessage;
  /** The server's state: while it closes, answers say `Connection: close`. */
  private readonly server: BunServerState;
  /** writeHead's own object, passed to Response as it is when nothing else was set. */
  private headObject: OutgoingHttpHeaders | null = null;
  private response: Response | null = null;
  // Defaults on the prototype (see below), own properties once set: most answers never set them,
  // and every field an object is made with costs each request its allocation (measured on Bun).
  declare statusMessage: string;
  declare destroyed: boolean;
  /** Bun decides keep-alive itself; false adds `Connection: close`, which it honours. */
  declare shouldKeepAlive: boolean;
  declare sendDate: boolean;
  /** Set by setHeader(); writeHead's headers are merged over them. */
  declare private headerMap: Record<string, HeaderValue> | null;
  declare private deliver: ((response: Response) => void) | null;
  declare private stream: ReadableStreamDefaultController<Uint8Array> | null;
  declare private waitingForDrain: boolean;
  declare private closeSent: boolean;
  /** Listening to the request's abort signal (watchClient). */
  declare private watching: boolean;
  /** An event stream's head has gone out (see firstOrOpening). */
  declare private opened: boolean;
  /** The request's idle timeout was changed (a late answer's, a stream's): restored when the answer is done. */
  declare private idleChanged: boolean;
  static {
    Object.assign(this.prototype, {
      statusMessage: '',
      destroyed: false,
      shouldKeepAlive: true,
      sendDate: true,
      headerMap: null,
      deliver: null,
      stream: null,
      waitingForDrain: false,
      closeSent: false,
      watching: false,
      opened: false,
      idleChanged: false,
    });
  }

  constructor(req: BunIncomingMessage, server: BunServerState) {
    super();
    this.req = req;
    this.server = server;
  }

  /** A 'close' listener (the access log's, a handler's cleanup) also hears a client that leaves before the answer. */
  protected override listened(event: string | symbol): void {
    if (event === 'close') this.watchClient();
  }

  /** Bun aborts the request's signal when its client disconnects: watched only once someone listens for 'close'. */
  private watchClient(): void {
    if (this.watching) return;
    this.watching = true;
    this.req.request.signal.addEventListener('abort', () => this.clientGone(), { once: true });
  }

  /** The client left before its request was read: no answer can reach it. */
  clientGone(): void {
    if (this.destroyed || this.writableFinished) return;
    this.destroyed = true;
    this.closed();
  }

  /**
   * What fetch() returns: the Response if the pipeline answered already, else its promise. A
   * request still being read or handled gets `requestIdle` seconds of quiet from Bun (which counts
   * idle time, not the handler's): without it a handler slower than the connection's idle timeout was cut.
   */
  answer(requestIdle: number): Response | Promise<Response> {
    if (this.response !== null) return this.response;
    this.req.idleFor(requestIdle);
    this.idleChanged = true;
    return new Promise<Response>((resolve) => (this.deliver = resolve));
  }

  get socket(): BunIncomingMessage['socket'] {
    return this.req.socket;
  }

  /**
   * Bun sets Content-Length from a whole body (init() drops the pipeline's), so the pipeline need
   * not count it: unless the request is a HEAD (no body to count) or a middleware holds the
   * response (it replaced writeHead, and code after next() may read the header).
   */
  get framesWholeBody(): boolean {
    return this.req.method !== 'HEAD' && this.writeHead === BunServerResponse.prototype.writeHead;
  }

  /**
   * writeHead(status, JSON_ONLY_HEAD).end(payload) in one step, for the common answer: the checks
   * those make per call, made once here. False, with nothing written, for any response they would
   * treat otherwise (a HEAD request or a middleware's writeHead, as framesWholeBody says; a wrapped
   * end, a header set, a reason phrase, closing, or a status outside 200–599, which writeHead or
   * Response judge).
   */
  endJson(status: number, payload: string): boolean {
    if (
      this.headersSent ||
      !this.framesWholeBody ||
      this.destroyed ||
      this.headerMap !== null ||
      this.statusMessage !== '' ||
      !this.shouldKeepAlive ||
      this.server.closing ||
      this.end !== BunServerResponse.prototype.end ||
      !(status >= 200 && status <= 599 && Number.isInteger(status))
    ) {
      return false;
    }
    this.statusCode = status;
    this.headObject = JSON_ONLY_HEAD;
    this.headersSent = true;
    this.writableEnded = true;
    this.send(new Response(payload, jsonInit(status)));
    this.finish();
    return true;
  }

  get finished(): boolean {
    return this.writableEnded;
  }

  setHeader(name: string, value: OutgoingHttpHeader): this {
    refuseHeader(headerProblem(name, value));
    (this.headerMap ??= {})[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): HeaderValue {
    const key = name.toLowerCase();
    const head = this.headObject;
    if (head !== null) {
      for (const own in head) if (own.toLowerCase() === key) return head[own];
    }
    return this.headerMap?.[key];
  }

  getHeaders(): Record<string, HeaderValue> {
    const all: Record<string, HeaderValue> = { ...this.headerMap };
    if (this.headObject !== null) for (const name in this.headObject) all[name.toLowerCase()] = this.headObject[name];
    return all;
  }

  getHeaderNames(): string[] {
    return Object.keys(this.getHeaders());
  }

  hasHeader(name: string): boolean {
    return this.getHeader(name) !== undefined;
  }

  removeHeader(name: string): void {
    if (this.headerMap !== null) delete this.headerMap[name.toLowerCase()];
  }

  writeHead(status: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    if (!Number.isInteger(status) || status < 100 || status > 999) throw Object.assign(new RangeError(`Invalid status code: ${status}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
    // Node sends 100–999; Bun's Response takes 200–599 and throws for the rest. Refused here, before
    // anything counts as sent, the pipeline still answers 500; later, the answer was lost for good.
    if (!bunSendsStatus(status)) throw Object.assign(new RangeError(`Bun cannot send status ${status}: its Response takes 200–599 (docs/bun.md)`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
    if (typeof reason === 'string') this.statusMessage = reason;
    else headers = reason;
    this.statusCode = status;
    if (Array.isArray(headers)) {
      // Node's flat [name, value, name, value] form.
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1] as OutgoingHttpHeader);
    } else if (headers !== undefined) {
      // Checked here, as Node's writeHead does: a header Response would refuse fails now, where the pipeline answers 500.
      if (headers !== JSON_ONLY_HEAD) refuseBadHeaders(headers);
      if (this.headerMap === null) this.headObject = headers;
      else for (const name in headers) this.setHeader(name, headers[name] as OutgoingHttpHeader);
    }
    this.headersSent = true;
    return this;
  }

  /** Node's writeHead(statusCode) before a body written without one (wrappers such as compression call it). */
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  writeContinue(): void {
    // Bun answers `Expect: 100-continue` itself.
  }

  flushHeaders(): void {
    if (!this.headersSent) this._implicitHeader();
    this.startStream();
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean {
    if (typeof encoding === 'function') callback = encoding;
    return this.writeChunk(chunk, typeof encoding === 'string' ? encoding : undefined, callback);
  }

  /** write() itself, which end() calls: a wrapper put on `write` (the compression package's) must not see end's chunk twice. */
  private writeChunk(chunk: string | Uint8Array, encoding: BufferEncoding | undefined, callback?: (error?: Error | null) => void): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this._implicitHeader();
    const controller = this.startStream();
    if (controller === null) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk;
    if (bytes.length > 0) controller.enqueue(bytes);
    if (callback !== undefined) queueMicrotask(() => callback!(null));
    const room = (controller.desiredSize ?? 0) > 0;
    if (!room) this.waitingForDrain = true;
    return room;
  }

  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), callback?: () => void): this {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') callback = encoding;
    if (this.writableEnded) return this;
    if (this.destroyed) {
      // The client is gone (or the response was cut): as on Node, nothing is sent and no 'finish' comes.
      this.writableEnded = true;
      return this;
    }
    if (this.stream !== null) {
      if (chunk !== undefined && chunk.length > 0) this.writeChunk(chunk, typeof encoding === 'string' ? encoding : undefined);
      this.writableEnded = true;
      if (!this.destroyed) {
        this.restoreIdle();
        this.stream.close();
      }
    } else {
      if (!this.headersSent) this._implicitHeader();
      this.writableEnded = true;
      const body = chunk === undefined || this.req.method === 'HEAD' ? null : typeof chunk === 'string' && typeof encoding === 'string' ? Buffer.from(chunk, encoding) : chunk;
      // Bytes are a valid body for Bun's Response; TypeScript's DOM lib types BodyInit narrower than Node's Buffer.
      this.send(new Response(body as ConstructorParameters<typeof Response>[0], this.init(body !== null)));
    }
    this.finish(callback);
    return this;
  }

  /**
   * A whole streamed body (stream(), sse(), file()): pulled from the source only as Bun sends it,
   * so a slow client holds the producer back; a client that leaves destroys the source. What is
   * not a string or bytes fails the stream, cutting the connection as on Node; `failed` hears
   * that failure (not a client that left).
   */
  streamBody(source: Readable, failed?: StreamFailed): void {
    // A middleware wrapped write/end (compression): the body must pass through its wrappers.
    if (this.write !== BunServerResponse.prototype.write || this.end !== BunServerResponse.prototype.end) {
      void this.writeEach(source, failed);
      return;
    }
    // The client left already: nothing will pull the body, so it is stopped now (a file()'s file closed).
    if (this.destroyed) {
      source.destroy();
      return;
    }
    if (!this.headersSent) this._implicitHeader();
    this.writableEnded = true;
    this.keepOpen();
    // Errors arrive through the iterator below; an 'error' event nobody heard would be thrown at the loop.
    source.on('error', () => {});
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const opensEventStream = this.opensEventStream;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          // Cut already (see cut()): a pull now would find the source done and end the body
          // cleanly before the error lands, and an event stream that failed before its first
          // event looked complete. The error ends it.
          if (this.destroyed) return;
          let next: IteratorResult<unknown>;
          try {
            if (opensEventStream && !this.opened) {
              this.opened = true;
              next = await firstOrOpening(iterator, () => controller.enqueue(EVENT_STREAM_OPENING));
            } else next = await iterator.next();
          } catch (error) {
            // After cancel() (the client left) the source's end is no failure of its own.
            if (!this.destroyed) failed?.(error);
            this.cut(controller);
            return;
          }
          if (next.done === true) {
            this.restoreIdle();
            controller.close();
            this.finish();
          } else if (typeof next.value === 'string') {
            controller.enqueue(Buffer.from(next.value));
          } else if (next.value instanceof Uint8Array) {
            controller.enqueue(next.value);
          } else {
            source.destroy();
            failed?.(new TypeError(`a streamed body yielded ${next.value === null ? 'null' : typeof next.value}, not a string or bytes`));
            this.cut(controller);
          }
        },
        cancel: () => {
          source.destroy();
          this.destroyed = true;
          this.closed();
        },
      },
      { highWaterMark: 0 },
    );
    let response: Response;
    try {
      response = new Response(body, this.init());
    } catch (error) {
      // Nothing will pull the body: its source is stopped, and the pipeline's handler cuts the answer.
      source.destroy();
      throw error;
    }
    this.send(response, false);
  }

  /** The answer is an event stream: its head must not wait for a late first event (firstOrOpening). */
  private get opensEventStream(): boolean {
    return String(this.getHeader('content-type') ?? '').startsWith('text/event-stream');
  }

  /** Node's piping, by hand: each chunk through write(), waiting for 'drain' when it says so. */
  private async writeEach(source: Readable, failed: StreamFailed | undefined): Promise<void> {
    const leave = (): void => void source.destroy();
    this.once('close', leave);
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    try {
      // As streamBody's: an event stream's head goes out with an SSE comment if its first event is late.
      let next = this.opensEventStream ? await firstOrOpening(iterator, () => this.write(EVENT_STREAM_OPENING)) : await iterator.next();
      for (; next.done !== true; next = await iterator.next()) {
        const chunk = next.value;
        if (this.destroyed) {
          source.destroy();
          return;
        }
        if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) throw new TypeError(`a streamed body yielded ${chunk === null ? 'null' : typeof chunk}, not a string or bytes`);
        if (!this.write(chunk)) await new Promise((resolve) => this.once('drain', resolve).once('close', resolve));
      }
      this.end();
    } catch (error) {
      if (!this.destroyed) failed?.(error);
      this.destroy();
    } finally {
      this.off('close', leave);
    }
  }

  private cut(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.destroyed = true;
    // A turn later: what was enqueued before the failure reaches the socket before it is cut.
    setImmediate(() => {
      controller.error(QUIET_CUT);
      this.closed();
    });
  }

  /**
   * Cuts the response: a streamed body stops mid-way, so the client sees it is incomplete. Node's
   * signature; the error is not handed to Bun (QUIET_CUT), the pipeline logs what failed.
   */
  destroy(_error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    const stream = this.stream;
    if (stream !== null) {
      // A turn later, as cut(): chunks written in this turn (a head and a first chunk, then a
      // failure) reach the client first; erroring now, Bun dropped the connection with nothing sent.
      setImmediate(() => {
        try {
          stream.error(QUIET_CUT);
        } catch {
          // already closed or errored
        }
      });
    } else if (this.response === null) {
      // Nothing went out yet: a body that fails at once makes Bun drop the connection. (Its status
      // must be one Bun takes, or this Response throws too and the request waits for its timeout.)
      this.send(new Response(new ReadableStream({ start: (controller) => controller.error(QUIET_CUT) }), { status: bunSendsStatus(this.statusCode) ? this.statusCode : 500 }), false);
    }
    this.closed();
    return this;
  }

  private finish(callback?: () => void): void {
    this.writableFinished = true;
    // Most answers have no listener (metrics and the access log off): no event, no microtask.
    if (callback === undefined && this.listenerCount('finish') === 0 && this.listenerCount('close') === 0) return;
    // Emitted later, as Node does: listeners added right after end() still hear them.
    queueMicrotask(() => {
      callback?.();
      this.emit('finish');
      this.closed();
    });
  }

  /** 'close', once: the stream's cancel, the request's abort signal and a cut may each report the same end. */
  private closed(): void {
    if (this.closeSent) return;
    this.closeSent = true;
    if (this.listenerCount('close') > 0) queueMicrotask(() => this.emit('close'));
  }

  /** `whole`: the answer is complete (not a stream that starts now): the connection's idle timeout applies again. */
  private send(response: Response, whole = true): void {
    if (whole) this.restoreIdle();
    this.response = response;
    const deliver = this.deliver;
    if (deliver !== null) {
      this.deliver = null;
      deliver(response);
    }
  }

  /** A streamed answer may be quiet for long (an event stream): no idle timeout until it ends. */
  private keepOpen(): void {
    this.req.keepOpen();
    this.idleChanged = true;
  }

  /**
   * Bun keeps a request's own idle timeout for the rest of its connection: once the answer is
   * done, the connection's is set again (before the Response goes: once sent, Bun ignores it), so
   * a kept-alive connection idles no longer after a late or streamed answer than after any other.
   */
  private restoreIdle(): void {
    if (!this.idleChanged) return;
    this.idleChanged = false;
    this.req.idleFor(this.server.connectionIdle);
  }

  /** The streamed body's controller, made (and the head sent) by the first write. Null once the client has gone. */
  private startStream(): ReadableStreamDefaultController<Uint8Array> | null {
    if (this.stream !== null) return this.destroyed ? null : this.stream;
    this.keepOpen();
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.stream = controller;
        },
        pull: () => {
          if (!this.waitingForDrain) return;
          this.waitingForDrain = false;
          this.emit('drain');
        },
        cancel: () => {
          // The client went away: as Node's 'close' without 'finish'.
          if (this.destroyed) return;
          this.destroyed = true;
          this.emit('close');
        },
      },
      { highWaterMark: 16 * 1024, size: (chunk) => chunk.byteLength },
    );
    this.send(new Response(this.req.method === 'HEAD' ? null : body, this.init()), false);
    return this.stream;
  }

  /**
   * Status and headers for the Response. With a whole body, Content-Length is left to Bun, which
   * sets it from the body anyway (each header given costs a few hundred ns there); a HEAD answer
   * or an empty one keeps the pipeline's.
   */
  private init(bodyFramed = false): ResponseInit {
    const head = this.headObject;
    let headers: OutgoingHttpHeaders;
    const keepAlive = this.shouldKeepAlive && !this.server.closing;
    if (head !== null && this.headerMap === null && bodyFramed && keepAlive) {
      if (head === JSON_ONLY_HEAD && this.statusMessage === '') return jsonInit(this.statusCode);
      if (this.statusMessage === '') {
        const shared = sharedInit(this.statusCode, head);
        if (shared !== null) return shared;
      }
      headers = {};
      for (const name in head) if (name !== 'content-length') headers[name] = head[name];
    } else {
      headers = head !== null && this.headerMap !== null ? { ...this.headerMap, ...head } : (head ?? this.headerMap ?? {});
      if (bodyFramed && headers['content-length'] !== undefined) {
        headers = { ...headers };
        delete headers['content-length'];
      }
      if (!keepAlive) headers = { ...headers, connection: 'close' };
      // Bun writes `content-length: 0` for a Response without a body, which for a HEAD whose GET
      // streams (no length known) says the body is empty; Node sends neither header. Chunked is
      // what Bun's GET of a stream sends, and says nothing of the length.
      if (this.req.method === 'HEAD' && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined && !isBodiless(this.statusCode)) {
        headers = { ...headers, 'transfer-encoding': 'chunked' };
      }
    }
    const init = { status: this.statusCode, headers: webHeaders(headers) };
    return this.statusMessage === '' ? init : { ...init, statusText: this.statusMessage };
  }
}

/**
 * The common answer's status and headers: a status and a Content-Type, nothing else (Content-Length
 * is Bun's to set). One ResponseInit per pair, its Headers made once: Response copies them, and
 * building Headers from an object was a quarter of the Bun front door's cost per request. Bounded:
 * loopwise's own types, at most MAX_SHARED_INITS pairs.
 */
const sharedInits = new Map<number, Map<string, ResponseInit>>();
/** The types loopwise itself writes (json(), text(), html(), errors): a handler's own types cannot crowd them out. */
const SHARED_TYPES = new Set(['application/json; charset=utf-8', 'text/plain; charset=utf-8', 'text/html; charset=utf-8']);
const MAX_SHARED_INITS = 64;
let sharedInitCount = 0;

function sharedInit(status: number, head: OutgoingHttpHeaders): ResponseInit | null {
  let contentType: unknown;
  for (const name in head) {
    if (name === 'content-type') contentType = head[name];
    else if (name !== 'content-length') return null;
  }
  if (typeof contentType !== 'string' || !SHARED_TYPES.has(contentType)) return null;
  let byType = sharedInits.get(status);
  const known = byType?.get(contentType);
  if (known !== undefined) return known;
  if (sharedInitCount >= MAX_SHARED_INITS) return null;
  if (byType === undefined) sharedInits.set(status, (byType = new Map()));
  const init: ResponseInit = { status, headers: new Headers({ 'content-type': contentType }) };
  byType.set(contentType, init);
  sharedInitCount++;
  return init;
}

/** The shared init of a JSON answer, by status (writeHead allows 100–999 only). */
const jsonInits: (ResponseInit | undefined)[] = [];

function jsonInit(status: number): ResponseInit {
  return (jsonInits[status] ??= { status, headers: new Headers(JSON_ONLY_HEAD as Record<string, string>) });
}

/**
 * What a cut body's stream is errored with. Bun prints an errored response body's error to stderr
 * itself (a source excerpt and a stack, outside the app's JSON log) unless it is undefined; the
 * pipeline has logged the failure already (StreamFailed), naming the route.
 */
const QUIET_CUT = undefined;

/** How long an event stream's first event may take before its head goes out without it. */
const OPENING_WAIT_MS = 20;

/**
 * Bun sends a response's head with its first bytes, not before. An event stream whose first event
 * is not ready at once starts with an SSE comment instead, so the client's EventSource opens
 * however long the first event takes; one that is ready goes out as on Node, byte for byte.
 */
async function firstOrOpening(iterator: AsyncIterator<unknown>, open: () => void): Promise<IteratorResult<unknown>> {
  const first = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(resolve, OPENING_WAIT_MS, 'waited')));
  const outcome = await Promise.race([first, waited]);
  clearTimeout(timer);
  if (outcome !== 'waited') return outcome;
  open();
  return first;
}

/** An SSE comment line: clients ignore it. */
const EVENT_STREAM_OPENING = new TextEncoder().encode(':\n\n');

/** Header names already found to be valid tokens: the pipeline's few names are then checked once. Bounded. */
const validNames = new Set<string>();
const MAX_REMEMBERED_NAMES = 256;

function refuseBadHeaders(headers: OutgoingHttpHeaders): void {
  for (const name in headers) {
    const value = headers[name];
    if (!validNames.has(name)) {
      refuseHeader(headerProblem(name, value));
      if (validNames.size < MAX_REMEMBERED_NAMES) validNames.add(name);
    } else if (typeof value === 'string' ? INVALID_FIELD_TEXT.test(value) : typeof value !== 'number' || !Number.isFinite(value)) {
      refuseHeader(headerProblem(name, value));
    }
  }
}

function refuseHeader(problem: string | undefined): void {
  if (problem !== undefined) throw Object.assign(new TypeError(problem), { code: 'ERR_INVALID_CHAR' });
}

/** Node's header object as a web HeadersInit: lists become one entry per value (Set-Cookie), numbers strings. */
function webHeaders(headers: OutgoingHttpHeaders): Record<string, string> | [string, string][] {
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value) || value === undefined) return headerPairs(headers);
  }
  return headers as Record<string, string>;
}

function headerPairs(headers: OutgoingHttpHeaders): [string, string][] {
  const pairs: [string, string][] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) pairs.push([name, one]);
    else pairs.push([name, String(value)]);
  }
  return pairs;
}
