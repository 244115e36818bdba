import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable, Transform, pipeline as pipeStreams } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoopwiseError } from '../errors.js';
import { stopBody, type HttpResponse, type StreamBody } from '../responses/http-response.js';
import type { Reply } from './reply.js';
import { statusProblem } from '../header-check.js';

/**
 * Where a response is written: Node's ServerResponse on the main thread, or a recorder on a
 * worker thread, whose one writeHead and end cross back to be replayed on the real response.
 */
export interface ResponseSink {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): ResponseSink;
  end(body?: string | Uint8Array): unknown;
  destroy(): unknown;
  /** True when the sink sets Content-Length from the whole body itself (Bun's Response): not counted twice. */
  readonly framesWholeBody?: boolean;
  /**
   * Writes a whole JSON answer whose only header is its Content-Type, in one step, when the sink
   * can (Bun's, with nothing wrapping it); false when it cannot, and nothing was written.
   */
  endJson?(status: number, payload: string): boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The head of most answers on a sink that sets Content-Length itself (Bun's): one frozen object,
 * so the sink can know it checked and never changes, and skip checking it per request.
 */
export const JSON_ONLY_HEAD: Readonly<OutgoingHttpHeaders> = Object.freeze({ 'content-type': JSON_TYPE });

/** Statuses that must not carry a body (RFC 9110; FastAPI's is_body_allowed_for_status_code says the same four). */
export function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || status === 205 || (status >= 100 && status < 200);
}

/** Writes a JSON payload with all headers in one writeHead. */
export function writeJson(res: ResponseSink, status: number, payload: string, extra: OutgoingHttpHeaders | undefined): void {
  if (isBodiless(status)) {
    // 205 alone of these is framed: Content-Length 0 (Node would send an empty chunked body).
    head(res, status, status === 205 ? { ...extra, 'content-length': 0 } : extra).end();
    return;
  }
  if (extra === undefined) {
    if (res.framesWholeBody === true) {
      if (res.endJson !== undefined && res.endJson(status, payload)) return;
      head(res, status, JSON_ONLY_HEAD).end(payload);
    } else head(res, status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(payload) }).end(payload);
    return;
  }
  const headers: OutgoingHttpHeaders = { 'content-type': JSON_TYPE, ...extra };
  if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
  headers['content-length'] = Buffer.byteLength(payload);
  head(res, status, headers).end(payload);
}

/** What a streamed body's own failure (its source threw, or yielded what is not bytes) is told to, once its head has gone out. */
export type StreamFailed = (error: unknown) => void;

/**
 * Writes an HttpResponse as built; a reply's headers and cookies are kept unless the response sets
 * the same. `streamFailed` hears a streamed body that fails after its head went out (the pipeline
 * logs it, naming the route); a client that leaves is not a failure.
 */
export function writeResponse(res: ResponseSink, response: HttpResponse, reply: Reply | undefined, streamFailed?: StreamFailed): void {
  const status = response.status;
  const headers: OutgoingHttpHeaders = reply === undefined ? { ...response.headers } : mergeHeaders(reply.headers, response.headers);
  const body = response.body;
  if (isBodiless(status) || body === null) {
    // A 204, 205 or 304 sends no body: a stream given anyway (file(path, { status: 204 })) is stopped.
    stopBody(body);
    if (!isBodiless(status) || status === 205) headers['content-length'] = 0;
    head(res, status, headers).end();
    return;
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    // loopwise frames a whole body itself: a handler's Transfer-Encoding beside it would mis-frame the response.
    if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
    headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    head(res, status, headers).end(body);
    return;
  }
  writeStream(res, status, headers, body, streamFailed);
}

/**
 * Pipes a streamed body with backpressure. A source that fails midway cuts the connection (the
 * status has gone; the client must see the body is incomplete); a client that leaves destroys the source.
 */
function writeStream(res: ResponseSink, status: number, headers: OutgoingHttpHeaders, body: StreamBody, streamFailed: StreamFailed | undefined): void {
  if (!isServerResponse(res)) {
    stopBody(body);
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_RESULT',
      'an offloaded route returned a stream (stream(), sse() or file()), which cannot come back from a worker thread: the client got 500. ' +
        "Serve it from an inline route (offload: false on the route) and run the heavy work with task(), see docs/streaming.md; declare responseClass: 'stream' | 'sse' | 'file' on the route to have this refused at startup.",
    );
  }
  if (!(body instanceof Readable) && !isIterable(body)) {
    const kind = body === null ? 'null' : typeof body;
    throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `a response body must be a string, bytes, a stream or an iterable of chunks, not ${kind}`);
  }
  // The body is framed by loopwise, not by the handler: chunked, or the length it gave if that is one whole number.
  let declared: number | null;
  try {
    declared = framedAsDeclared(headers, res);
  } catch (error) {
    stopBody(body);
    throw error;
  }
  // Read by withLoopTurns: the stream is destroyed (the client left, the connection was cut).
  const turns = { source: null as Readable | null };
  const source = body instanceof Readable ? body : (turns.source = Readable.from(withLoopTurns(body, turns), { objectMode: false }));
  if (res.req?.method === 'HEAD') {
    // Node drops a HEAD response's writes at once, without backpressure: piping would run the
    // producer flat out (an endless generator would hold the loop). Headers only; stop the source.
    source.destroy();
    head(res, status, headers).end();
    return;
  }
  try {
    head(res, status, headers);
  } catch (error) {
    source.destroy();
    throw error;
  }
  // Bun's server pulls the body itself (src/server/bun-response.ts); Node's is piped below. Bun
  // frames it too, dropping the length the head gave: the body is held to that length here, so it
  // is cut where Node cuts it (a failure of the last stream, which the sink logs as the body's).
  if (isPulledSink(res)) {
    res.streamBody(declared === null ? source : pipeStreams(source, heldToLength(declared), () => {}), streamFailed);
    return;
  }
  // Headers go out now, so a slow first chunk (an SSE stream's) does not keep the client waiting.
  res.flushHeaders();
  // An object-mode stream (a database cursor, Readable.from([...])) can yield what a socket cannot
  // take; res.write would throw inside the pipe's 'data' handler, beyond any catch. Checked in
  // between, inside the pipeline, so the source's own errors still cut the connection.
  const stages: Transform[] = source.readableObjectMode ? [bytesOnly()] : [];
  if (declared !== null) stages.push(heldToLength(declared));
  const piped = pipeline([source, ...stages, res]);
  piped.catch((error: unknown) => {
    // The pipeline rejects with ERR_STREAM_PREMATURE_CLOSE when the client left: not the body's failure.
    if ((error as { code?: unknown } | null)?.code !== 'ERR_STREAM_PREMATURE_CLOSE') streamFailed?.(error);
    if (!res.destroyed) res.destroy();
  });
}

/**
 * writeHead, with Node's throw for a status or header it refuses turned into one error that says
 * so. Node checks everything before sending anything, so the caller can still answer 500.
 */
function head(res: ResponseSink, status: number, headers: OutgoingHttpHeaders | undefined): ResponseSink {
  // Checked again here, not only where a response is built: reply.statusCode is a plain field, and
  // an informational status (101) written as the answer left the client waiting for the real one.
  const problem = statusProblem(status);
  if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', problem);
  try {
    return res.writeHead(status, headers);
  } catch (error) {
    // Node set the failed status' reason phrase already; the 500 written next must not keep it.
    if (typeof (res as { statusMessage?: unknown }).statusMessage === 'string') (res as { statusMessage?: string }).statusMessage = '';
    throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', 'the server refused the response status or a header', { cause: error });
  }
}

/** Passes strings and bytes through; anything else ends the stream with an error (the pipeline then cuts the connection). */
function bytesOnly(): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(chunk: unknown, _encoding, done) {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) done(null, chunk);
      else done(new TypeError(`a streamed body yielded ${chunk === null ? 'null' : typeof chunk}, not a string or bytes`));
    },
  });
}

/**
 * A streamed body's framing headers, made safe before they go out: a handler's Transfer-Encoding
 * is dropped (Node chunks the body itself; `gzip` or `identity` left it unframed, so a kept-alive
 * client read the next answer into it), and a Content-Length must be one whole number of bytes
 * (a list of the same value is that value; '-1', '3.5', a list of two went out as they were).
 * Returns that length, which the body is then held to, or null when there is none.
 */
function framedAsDeclared(headers: OutgoingHttpHeaders, res: ServerResponse): number | null {
  // A length a middleware set on the response (res.setHeader) is the body's too: taken into the
  // head, where it is checked and held to like the handler's own.
  const fromMiddleware = res.getHeader('content-length');
  if (fromMiddleware !== undefined) {
    res.removeHeader('content-length');
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) (headers as Record<string, unknown>)['content-length'] = fromMiddleware;
  }
  let declared: number | null = null;
  for (const name in headers) {
    const key = name.toLowerCase();
    if (key === 'transfer-encoding') delete headers[name];
    else if (key === 'content-length') {
      const value = headers[name];
      const values = Array.isArray(value) ? value : [value];
      const length = Number(values[0]);
      if (!values.every((one) => String(one).trim() === String(values[0]).trim()) || !/^\s*\d+\s*$/.test(String(values[0])) || !Number.isSafeInteger(length)) {
        throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `a streamed body's Content-Length must be one whole number of bytes, not ${JSON.stringify(value)}`);
      }
      headers[name] = declared = length;
    }
  }
  return declared;
}

/**
 * The chunks of an iterable body as they come, with one change: an empty chunk (or undefined)
 * fills no buffer, so backpressure never pauses the producer, and a body that yields nothing but
 * empty chunks held the event loop for good. They are dropped, and every 64 in a row the loop
 * gets a turn, so the service answers others while such a body runs; once its stream is
 * destroyed the body is left there, which closes the handler's generator (its
 * `finally` runs): it was never stopped, and ran on after its client had gone, a core's worth.
 */
async function* withLoopTurns(body: AsyncIterable<unknown> | Iterable<unknown>, turns: { source: Readable | null }): AsyncGenerator<unknown> {
  let empty = 0;
  for await (const chunk of body) {
    if (chunk === undefined || ((typeof chunk === 'string' || chunk instanceof Uint8Array) && chunk.length === 0)) {
      if (++empty % 64 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        // Its stream's destroy() waits for this generator's return(), which waits for a yield this
        // body never reaches: 'close' never comes, `destroyed` is set at once.
        if (turns.source?.destroyed === true) return;
      }
      continue;
    }
    empty = 0;
    yield chunk;
  }
}

function isIterable(body: unknown): body is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof body !== 'object' || body === null) return false;
  return typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (body as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * Holds a streamed body to the Content-Length it was sent with. Node does not check it: more bytes
 * went out than the header says (a kept-alive client reads the rest as the next answer), or fewer
 * (the client waited for the rest until the connection timed out). Here the body fails instead,
 * before the excess is written, and the pipeline cuts the connection, as uvicorn does. (Node's
 * own strictContentLength throws from end() outside the pipeline, which ended the process.)
 */
function heldToLength(declared: number): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      if (sent > declared) done(new LoopwiseError('LW_ERR_INVALID_RESPONSE', `a streamed body went past its Content-Length of ${declared} bytes`));
      else done(null, chunk);
    },
    flush(done) {
      done(sent === declared ? null : new LoopwiseError('LW_ERR_INVALID_RESPONSE', `a streamed body ended at ${sent} of its Content-Length of ${declared} bytes`));
    },
  });
}

/** A sink that takes a whole streamed body at once and reads it as the client does (Bun's server). */
function isPulledSink(res: ResponseSink): res is ResponseSink & { streamBody(source: Readable, failed?: StreamFailed): void } {
  return typeof (res as { streamBody?: unknown }).streamBody === 'function';
}

function isServerResponse(res: ResponseSink): res is ResponseSink & ServerResponse {
  return typeof (res as { on?: unknown }).on === 'function';
}

function mergeHeaders(fromReply: OutgoingHttpHeaders, fromResponse: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const merged: OutgoingHttpHeaders = { ...fromReply };
  for (const [name, value] of Object.entries(fromResponse)) {
    const key = name.toLowerCase();
    const before = merged[key];
    // Cookies add up; any other header from the response wins.
    merged[key] = key === 'set-cookie' && before !== undefined ? [...toList(before), ...toList(value)] : value;
  }
  return merged;
}

function toList(value: OutgoingHttpHeaders[string]): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}
