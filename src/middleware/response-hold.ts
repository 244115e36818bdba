import { validateHeaderName, validateHeaderValue, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { isBodiless } from '../pipeline/send.js';
import { LoopwiseError } from '../errors.js';
import { INVALID_FIELD_TEXT, statusProblem } from '../header-check.js';

const HOLD = Symbol('loopwise.responseHold');

type Args = unknown[];
type Held = ServerResponse & { [HOLD]?: ResponseHold; _implicitHeader(): void };

/**
 * Keeps a response's head, and the body written with it, from going out while a middleware that
 * called `next()` has not finished: so code after `await next()` can still set the status and
 * headers, as after Starlette's `call_next`. Once every middleware running for the request has
 * returned (or settled), the head is written with the response's status and headers as they are
 * then, followed by what the route wrote.
 *
 * The response's own methods are replaced for this request only (apps without middleware never get
 * here). A head written while no middleware is running, and everything after it, goes straight out.
 */
export class ResponseHold {
  /** Settles when the head is ready to go out (held or written), or the response ended without one. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private running = 0;
  private state: 'open' | 'held' | 'out' = 'open';
  /** Held by end() or write() without writeHead: Node frames such a response itself (Content-Length from end's body). */
  private implicit = false;
  private chunks: Args[] = [];
  private ended: Args | null = null;
  private flush = false;
  /** A whole held answer was dropped for a new head (an error answer, a middleware's own writeHead). */
  private replaced = false;
  /** A held write answered false: the writer waits for 'drain'. */
  private blocked = false;
  /** Header names an explicit writeHead set: taken off again if an error answer replaces it. */
  private added: string[] = [];
  /** The Content-Length when the head was held: what a body still coming when it goes out is sent with. */
  private heldLength: number | string | string[] | undefined;
  private readonly original: Pick<ServerResponse, 'writeHead' | 'write' | 'end' | 'flushHeaders'> & { _implicitHeader(): void };

  /** The response's hold, made on first use: a mounted app's middleware shares its parent's. */
  static of(res: ServerResponse): ResponseHold {
    return (res as Held)[HOLD] ?? new ResponseHold(res);
  }

  private constructor(private readonly res: ServerResponse) {
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    res.once('finish', this.markReady);
    res.once('close', this.markReady);
    const held = res as Held;
    this.original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders, _implicitHeader: held._implicitHeader };
    Object.assign(held, {
      [HOLD]: this,
      writeHead: heldWriteHead,
      write: heldWrite,
      end: heldEnd,
      flushHeaders: heldFlushHeaders,
      _implicitHeader: heldImplicitHeader,
    });
  }

  /** A middleware starts: a head written from now on waits for it. */
  enter(): void {
    this.running += 1;
  }

  /** A middleware has finished. The last one out writes what was held; returns what writing it threw. */
  leave(): unknown {
    this.running -= 1;
    if (this.running > 0 || this.state !== 'held') return undefined;
    return this.release();
  }

  /** A body is being streamed behind a held head: the head can no longer be replaced by another answer. */
  get streaming(): boolean {
    return this.state === 'held' && this.ended === null;
  }

  /** Nothing was written: no head, no body, held or sent. */
  get untouched(): boolean {
    return this.state === 'open' && !this.res.headersSent && !this.res.writableEnded;
  }

  /** Whether another answer may still be written: nothing is out yet, or what is held is whole (it is replaced). */
  get answerable(): boolean {
    return this.state === 'open' ? !this.res.headersSent : this.state === 'held' && this.ended !== null;
  }

  writeHead(args: Args): ServerResponse {
    const res = this.res;
    if (this.state === 'out' || (this.state === 'open' && this.running === 0)) {
      this.state = 'out';
      this.markReady();
      return this.original.writeHead.apply(res, args as Parameters<ServerResponse['writeHead']>);
    }
    if (this.state === 'held') {
      // The same head again: wrappers (the compression package's) call writeHead(statusCode)
      // whenever headersSent is false, as it stays while held.
      if (args.length === 1 && Number(args[0]) === res.statusCode) return res;
      // A second answer: an error answer, or a response a middleware returned after next().
      if (this.ended === null) throw headersSent();
      this.discard();
      this.replaced = true;
    }
    const status = Number(args[0]) | 0;
    if (status < 100 || status > 999) throw invalidStatus(args[0]);
    const reason = typeof args[1] === 'string' ? args[1] : undefined;
    const headers = headerPairs(reason === undefined ? args[1] : args[2]);
    // Checked before any is set, as Node's writeHead checks them: a refused one leaves nothing behind.
    for (const [name, value] of headers) {
      validateHeaderName(name);
      validateHeaderValue(name, value as string);
    }
    if (reason !== undefined && INVALID_FIELD_TEXT.test(reason)) throw invalidReason();
    res.statusCode = status;
    if (reason !== undefined) res.statusMessage = reason;
    for (const [name, value] of headers) {
      res.setHeader(name, value as string | number | readonly string[]);
      this.added.push(name);
    }
    this.state = 'held';
    this.heldLength = res.getHeader('content-length');
    this.markReady();
    return res;
  }

  write(args: Args): boolean {
    if (!this.holdsBody()) return this.original.write.apply(this.res, args as Parameters<ServerResponse['write']>);
    this.chunks.push(args);
    this.blocked = true;
    return false; // backpressure: the writer waits for 'drain', emitted once the head is out
  }

  end(args: Args): ServerResponse {
    if (!this.holdsBody()) return this.original.end.apply(this.res, args as Parameters<ServerResponse['end']>);
    this.ended ??= args;
    return this.res;
  }

  flushHeaders(): void {
    if (!this.holdsBody()) {
      this.original.flushHeaders.call(this.res);
      return;
    }
    this.flush = true;
  }

  /**
   * Node's implicit head (writeHead(statusCode)), which wrappers such as the compression package's
   * call whenever `_header` is unset, as it stays while held: the head is already taken then.
   */
  implicitHeader(): void {
    if (this.state !== 'held') this.original._implicitHeader.call(this.res);
  }

  /** Whether a body write is held; a write with no head yet holds an implicit one (Node's own writeHead(statusCode)). */
  private holdsBody(): boolean {
    if (this.state === 'out') return false;
    if (this.state === 'open') {
      if (this.running === 0) return false;
      this.writeHead([this.res.statusCode]);
      this.implicit = true;
    }
    return true;
  }

  private release(): unknown {
    const res = this.res;
    // A status or reason phrase a middleware assigned after next() (res.statusCode = …, not
    // writeHead) is checked here, before anything goes out: Node refused a reason with CR or LF
    // in its writeHead, and again in the 500 that followed, so no answer went out at all; and a
    // 1xx status went out as a final answer with a body no client reads (it waited for another).
    const refused = refusedHead(res);
    // A body still coming through a wrapper of the response's methods (compression(), whose
    // output is not all out when code after next() runs) cannot be replaced by an error answer:
    // that answer would go through the wrapper, after the body's own bytes. The hold stays
    // streaming, and the caller closes the connection.
    if (refused !== null && this.ended === null && !res.destroyed && this.wrapped()) return refused;
    this.state = 'out';
    const { chunks, ended, flush, blocked, implicit } = this;
    this.chunks = [];
    this.ended = null;
    if (res.destroyed) return undefined; // the client left: nothing to write to
    if (this.replaced && ended === null && chunks.length === 0 && !flush) {
      // A middleware's writeHead() after next() dropped the route's answer and nothing ended the
      // new one by the time every middleware returned: an error answer, not a request left waiting.
      this.discard();
      return new LoopwiseError('LW_ERR_INVALID_RESPONSE', 'a middleware called writeHead() after next() and returned without ending the response');
    }
    if (refused !== null) {
      res.statusMessage = undefined as unknown as string;
      return refused;
    }
    try {
      // The whole body is here: the head says its real length. A length a middleware set after
      // next() went out as it was, and the bytes past it reached a kept-alive client as the next answer.
      if (ended !== null && res.getHeader('content-length') !== undefined && res.req?.method !== 'HEAD' && !isBodiless(res.statusCode)) {
        res.setHeader('content-length', chunks.reduce((sum, chunk) => sum + byteLength(chunk), byteLength(ended)));
      } else if (ended === null && res.getHeader('content-length') !== this.heldLength) {
        // A body still coming has the length its head was held with (none behind compression()):
        // one a middleware set after next() cannot know the body's, and mis-framed the answer.
        if (this.heldLength === undefined) res.removeHeader('content-length');
        else res.setHeader('content-length', this.heldLength);
      }
      // An implicit head is left to Node (through writeHead above, now passing through), so a
      // body ended in one call keeps its Content-Length framing.
      if (!implicit) this.original.writeHead.call(res, res.statusCode);
      if (flush) this.original.flushHeaders.call(res);
      let ok = true;
      for (const chunk of chunks) ok = this.original.write.apply(res, chunk as Parameters<ServerResponse['write']>);
      if (ended !== null) this.original.end.apply(res, ended as Parameters<ServerResponse['end']>);
      else if (blocked && ok) res.emit('drain');
    } catch (error) {
      return error; // a status or header a middleware set that Node refuses
    }
    return undefined;
  }

  /** Whether something replaced the response's write() or end() after the hold did (compression() does). */
  private wrapped(): boolean {
    return this.res.write !== heldWrite || this.res.end !== heldEnd;
  }

  /** Drops a whole held answer (its status, its explicit headers, its body) for the one replacing it. */
  private discard(): void {
    for (const name of this.added) this.res.removeHeader(name);
    this.added = [];
    this.chunks = [];
    this.ended = null;
    this.flush = false;
    this.blocked = false;
    this.implicit = false;
    this.res.statusMessage = undefined as unknown as string;
  }
}

/** Why a final answer cannot go out with the status and reason phrase set on `res`, or null. */
function refusedHead(res: ServerResponse): Error | null {
  const problem = statusProblem(res.statusCode);
  if (problem !== undefined) return new LoopwiseError('LW_ERR_INVALID_RESPONSE', `a middleware set res.statusCode after next(): ${problem}`);
  const reason: unknown = res.statusMessage;
  if (typeof reason === 'string' && INVALID_FIELD_TEXT.test(reason)) return invalidReason();
  return null;
}

/** The bytes a write() or end() call's arguments carry. */
function byteLength([chunk, encoding]: Args): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.length : 0;
}

// Shared by every held response (no closures per request); `this` is the response.
function heldWriteHead(this: Held, ...args: Args): ServerResponse {
  return this[HOLD]!.writeHead(args);
}
function heldWrite(this: Held, ...args: Args): boolean {
  return this[HOLD]!.write(args);
}
function heldEnd(this: Held, ...args: Args): ServerResponse {
  return this[HOLD]!.end(args);
}
function heldFlushHeaders(this: Held): void {
  this[HOLD]!.flushHeaders();
}
function heldImplicitHeader(this: Held): void {
  this[HOLD]!.implicitHeader();
}

/** writeHead's headers: an object, a flat [name, value, …] list, or a list of pairs. */
function headerPairs(headers: unknown): [string, unknown][] {
  if (headers === undefined || headers === null) return [];
  if (!Array.isArray(headers)) return Object.entries(headers as OutgoingHttpHeaders).filter(([, value]) => value !== undefined);
  if (headers.length > 0 && Array.isArray(headers[0])) return (headers as [string, unknown][]).map(([name, value]) => [name, value]);
  const pairs: [string, unknown][] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([String(headers[i]), headers[i + 1]]);
  return pairs;
}

// Node's own errors for these cases, with its codes, so callers that check them see the same.
function headersSent(): Error {
  return Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
}
function invalidStatus(status: unknown): RangeError {
  return Object.assign(new RangeError(`Invalid status code: ${String(status)}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
}
function invalidReason(): TypeError {
  return Object.assign(new TypeError('Invalid character in statusMessage'), { code: 'ERR_INVALID_CHAR' });
}
