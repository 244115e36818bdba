import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import encodeUrl from 'encodeurl';
import { LoopwiseError } from '../errors.js';
import { headersProblem, statusProblem, withLowerCaseNames } from '../header-check.js';

/** A body sent as it is produced: a Node stream or an async iterable of chunks, with backpressure. */
export type StreamBody = Readable | AsyncIterable<string | Uint8Array>;

export interface ResponseInit {
  status?: number;
  headers?: OutgoingHttpHeaders;
}

/**
 * A response written as given: no schema, no JSON encoding. Return one from a handler for text,
 * HTML, redirects, empty answers or any body the route's JSON path does not fit.
 */
export class HttpResponse {
  readonly status: number;
  readonly body: string | Buffer | StreamBody | null;
  readonly headers: OutgoingHttpHeaders;

  constructor(body: string | Buffer | StreamBody | null, init: ResponseInit = {}) {
    this.status = init.status ?? 200;
    this.body = body;
    this.headers = init.headers === undefined ? {} : withLowerCaseNames(init.headers);
    // Checked where it is built, so a header made from client input fails this handler (a logged
    // 500) instead of throwing inside writeHead, where nothing could catch it.
    const problem = statusProblem(this.status) ?? headersProblem(this.headers);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', problem);
    // A stream that fails before it is sent (a file that cannot be opened, an sse() source that
    // throws as it starts) emits 'error' while the handler's promise settles, before anything
    // reads it: with no listener, Node ended the process. The failure stays on the stream
    // (`errored`), where sending it finds it and cuts the answer.
    if (isEmitter(body)) body.on('error', leaveToSender);
  }
}

function isEmitter(body: unknown): body is { on(event: 'error', listener: () => void): unknown } {
  return typeof body === 'object' && body !== null && typeof (body as { on?: unknown }).on === 'function' && typeof (body as { pipe?: unknown }).pipe === 'function';
}

function leaveToSender(): void {}

/**
 * A body that will not be sent: a stream is stopped, so what it holds is let go now. A file()'s
 * stream closes its file (Bun ends the process when the garbage collector finds a FileHandle still
 * open; a path's ReadStream keeps its descriptor for good), a generator is returned (running its
 * `finally` blocks if it had begun).
 */
export function stopBody(body: unknown): void {
  if (typeof body !== 'object' || body === null || body instanceof Uint8Array) return;
  try {
    const stoppable = body as { destroy?: () => void; return?: () => Promise<unknown> };
    if (typeof stoppable.destroy === 'function') stoppable.destroy();
    else if (typeof stoppable.return === 'function') void stoppable.return().catch(() => {});
  } catch {
    // A body that cannot be stopped is left to the garbage collector.
  }
}

export function text(body: string, init: ResponseInit = {}): HttpResponse {
  return new HttpResponse(body, { ...init, headers: { 'content-type': 'text/plain; charset=utf-8', ...init.headers } });
}

export function html(body: string, init: ResponseInit = {}): HttpResponse {
  return new HttpResponse(body, { ...init, headers: { 'content-type': 'text/html; charset=utf-8', ...init.headers } });
}

/** JSON with a status or headers of its own, bypassing the route's response schema. */
export function json(value: unknown, init: ResponseInit = {}): HttpResponse {
  const body = JSON.stringify(value) ?? 'null';
  return new HttpResponse(body, { ...init, headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers } });
}

/**
 * 307 by default, as FastAPI's RedirectResponse: the method and body are kept on the next request.
 * The target is percent-encoded where it must be (non-ASCII, spaces; existing `%XX` kept), so a
 * `?next=` taken from the client is always a valid header. CR or LF in it is refused (a logged
 * 500): no encoding makes a header-splitting attempt a place worth sending anyone to.
 */
export function redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 307, init: Omit<ResponseInit, 'status'> = {}): HttpResponse {
  if (typeof location !== 'string' || /[\r\n]/.test(location)) {
    throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', 'redirect() needs a URL without CR or LF characters');
  }
  return new HttpResponse(null, { status, headers: { ...init.headers, location: encodeUrl(location) } });
}

/** An empty answer, 204 No Content unless told otherwise. */
export function noContent(init: ResponseInit = {}): HttpResponse {
  return new HttpResponse(null, { status: 204, ...init });
}

/**
 * A response streamed from a Node stream or an async iterable (e.g. an async generator): chunks
 * are written as they come, waiting whenever the client reads slower than they are made. If the
 * client goes away, the stream is destroyed (a generator's `finally` runs). Inline routes only.
 */
export function stream(body: StreamBody, init: ResponseInit = {}): HttpResponse {
  return new HttpResponse(body, { ...init, headers: { 'content-type': 'application/octet-stream', ...init.headers } });
}
