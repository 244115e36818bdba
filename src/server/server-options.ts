import type { ServerOptions } from 'node:http';
import { LoopwiseError } from '../errors.js';
import { nonNegativeInteger, positiveInteger } from '../option-checks.js';

/**
 * How long a client may take to send a request, how long an idle connection stays open, and
 * how large a request's head may be: the settings of the `http.Server` that `listen()` opens.
 * Node's own defaults let one slow client hold a socket for about 90 s (headers 60 s, checked
 * only every 30 s); loopwise's are tighter.
 */
export interface ServerLimitOptions {
  /**
   * Longest wait for a request's line and headers, in ms, counted from its first byte (or, on a
   * kept-alive connection, from the start of the next request). A client slower than that
   * ("slowloris") gets 408 and is disconnected. Default 10 s (Node's is 60 s); 0 turns it off.
   */
  headersTimeout?: number;
  /**
   * Longest wait for a whole request, headers and body, in ms. Default 60 s (Node's is 300 s):
   * raise it if clients upload large files over slow links. 0 turns it off. The handler's own
   * time does not count (that is the route's `timeout`).
   */
  requestTimeout?: number;
  /** How long a kept-alive connection may sit idle between requests before it is closed, in ms. Default 5 s (Node's). */
  keepAliveTimeout?: number;
  /**
   * Longest time a response may make no progress, in ms: a client that stops reading its response
   * for that long is disconnected and what was left to send is freed (nginx's `send_timeout`).
   * Default 60 s (Node has none); 0 turns it off. A handler's own time does not count.
   */
  sendTimeout?: number;
  /** Largest request line plus headers, in bytes: larger get 431 (414 when the URL alone is too long). Default 16 KiB (Node's). */
  maxHeaderSize?: number;
}

export type ServerLimits = Required<ServerLimitOptions> & {
  /** How often Node checks connections for the two timeouts above, in ms: 1 s, or less for timeouts under 2 s. */
  connectionsCheckingInterval: number;
};

export const DEFAULT_HEADERS_TIMEOUT = 10_000;
export const DEFAULT_REQUEST_TIMEOUT = 60_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT = 5_000;
export const DEFAULT_SEND_TIMEOUT = 60_000;
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
const CHECK_INTERVAL = 1_000;

export function serverLimits(options: ServerLimitOptions): ServerLimits {
  const requestTimeout = milliseconds(options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT, 'requestTimeout');
  // The headers are part of the request: a shorter requestTimeout lowers the headers' default with it.
  const headersDefault = requestTimeout > 0 ? Math.min(DEFAULT_HEADERS_TIMEOUT, requestTimeout) : DEFAULT_HEADERS_TIMEOUT;
  const headersTimeout = milliseconds(options.headersTimeout ?? headersDefault, 'headersTimeout');
  if (requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `headersTimeout (${headersTimeout} ms) must not be longer than requestTimeout (${requestTimeout} ms): the headers are part of the request.`);
  }
  const keepAliveTimeout = milliseconds(options.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT, 'keepAliveTimeout');
  const sendTimeout = milliseconds(options.sendTimeout ?? DEFAULT_SEND_TIMEOUT, 'sendTimeout');
  const maxHeaderSize = positiveInteger(options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE, 'maxHeaderSize', { unit: 'bytes' });
  const enabled = [headersTimeout, requestTimeout].filter((ms) => ms > 0);
  // A timeout is enforced at the first check after it passes: check often enough for short ones.
  const connectionsCheckingInterval = Math.max(10, Math.min(CHECK_INTERVAL, ...enabled.map((ms) => Math.floor(ms / 2))));
  return { headersTimeout, requestTimeout, keepAliveTimeout, sendTimeout, maxHeaderSize, connectionsCheckingInterval };
}

/** What `http.createServer` takes (`sendTimeout` is the server's `timeout`, set by listen()); `requireHostHeader` is off because src/server/protocol-check.ts answers it in FastAPI's shape. */
export function httpServerOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    maxHeaderSize: limits.maxHeaderSize,
    connectionsCheckingInterval: limits.connectionsCheckingInterval,
    requireHostHeader: false,
  };
}

function milliseconds(value: number, name: string): number {
  return nonNegativeInteger(value, name, { unit: 'milliseconds' });
}
