import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { REQUEST_ID } from './request-id.js';
import { clientIp } from '../proxy/forwarded.js';

/**
 * Where the dispatcher leaves the matched route's name ("GET /items/:id") when the access log is
 * on; nothing writes it when it is off.
 */
export const ROUTE_NAME: unique symbol = Symbol('loopwise.routeName');

type LoggedRequest = IncomingMessage & { [REQUEST_ID]?: string; [ROUTE_NAME]?: string };

/** The fields of one access line (JSON mode); see docs/logging.md. */
export interface AccessLine {
  reqId: string;
  method: string;
  /** The client's address: the socket's peer, or with trustProxy the client a trusted proxy forwarded for (docs/behind-a-proxy.md). */
  ip: string;
  /** The URL path as the client sent it, without the query string (which may carry secrets). */
  path: string;
  /**
   * The matched route as registered, "GET /items/:id": the same `route` as the error and stall
   * lines and the metrics' label (a HEAD answered by a GET route has the GET's). Absent for 404s,
   * 405s and answers given before routing.
   */
  route: string | undefined;
  /** The status sent; null when the connection closed before any was. */
  status: number | null;
  /**
   * From the request's arrival to its response being finished (or the connection closed), ms, 2
   * decimals. A request that arrived while the event loop stood still is read only once it runs
   * again: the time it waited is included, and `waitedMs` says how much of it that was.
   */
  durationMs: number;
  /** Only on a request read just after a stall: how long it may have waited for the loop (an upper bound: it arrived at some point during the stall). */
  waitedMs: number | undefined;
  /** Only on a request whose connection closed before its response was complete. */
  aborted: true | undefined;
}

/**
 * Wraps the App's listener so that each request logs one line at `info` once its response is
 * finished, or once its connection closes first (`aborted: true`). Installed only when the access
 * log is on: with it off the listener is the dispatcher itself, untouched.
 *
 * The request gets an id here unless it has one: the requestId() middleware, when used, replaces
 * it with its own (the incoming X-Request-ID it trusts, or a new one), so the access line, the
 * error handler's lines and a handler's `log` all carry the same `reqId`. An incoming
 * X-Request-ID is never trusted without the middleware.
 */
export function withAccessLog(listener: RequestListener, log: Logger, options: { pretty: boolean; waited?: ((now: number) => number) | undefined }): RequestListener {
  const pretty = options.pretty;
  const waitedFor = options.waited;

  function write(req: LoggedRequest, res: ServerResponse, url: string, ip: string, start: number, waited: number, aborted: boolean): void {
    const durationMs = Math.round((performance.now() - start + waited) * 100) / 100;
    const waitedMs = waited > 0 ? Math.round(waited * 100) / 100 : undefined;
    const status = aborted && !res.headersSent ? null : res.statusCode;
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const method = req.method!;
    const message =
      `${method} ${path} ${status ?? '-'} ${durationMs.toFixed(2)}ms` +
      `${waitedMs === undefined ? '' : ` (waited up to ${waitedMs.toFixed(2)}ms for a stalled event loop)`}${aborted ? ' (aborted)' : ''}`;
    // Pretty (dev) lines are read by a person: the message says it all, the fields would add six lines.
    if (pretty) {
      log.info(message);
      return;
    }
    // One shape for every line (pino leaves undefined fields out of the JSON).
    const line: AccessLine = { reqId: req[REQUEST_ID] ?? randomUUID(), method, ip, path, route: req[ROUTE_NAME], status, durationMs, waitedMs, aborted: aborted ? true : undefined };
    log.info(line, message);
  }

  return function accessLogged(req: LoggedRequest, res) {
    const start = performance.now();
    const waited = waitedFor === undefined ? 0 : waitedFor(start);
    // Taken now: a mount or a middleware may rewrite req.url on the way.
    const url = req.url ?? '/';
    // Taken now too: once the answer is sent the connection's address may be gone (Bun's server
    // no longer gives it for a finished request: a body route's lines had an empty ip there).
    const ip = pretty ? '' : clientIp(req);
    req[REQUEST_ID] ??= randomUUID();
    // 'finish': the response is complete (its last byte handed to the OS). 'close' without it:
    // the connection went first (the client aborted, or the server cut it).
    let finished = false;
    res.on('finish', () => {
      finished = true;
      write(req, res, url, ip, start, waited, false);
    });
    res.on('close', () => {
      if (!finished) write(req, res, url, ip, start, waited, true);
    });
    listener(req, res);
  };
}
