import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoopwiseError } from '../errors.js';
import type { Middleware } from './middleware.js';
import { setRequestId } from '../pipeline/request-id.js';

export interface RequestIdOptions {
  /** The request and response header. Default `x-request-id`. */
  header?: string;
  /** Makes an id when the request brings none (or one not accepted). Default `crypto.randomUUID`. */
  generate?: () => string;
  /**
   * Keep a valid id the client (or a proxy in front) sent. Default true. Valid: 1–128 characters
   * of `A-Z a-z 0-9 - _ . : / + = @ ~`, so an id can never break a log line or a header.
   */
  trustIncoming?: boolean;
}

const VALID_ID = /^[A-Za-z0-9\-_.:/+=@~]{1,128}$/;

/**
 * Gives every request an id: the one it came with (a valid `X-Request-ID` from a proxy or a
 * client), or a new UUID. The id is sent back in the same response header, put in the request's own
 * header (so handlers, offloaded ones included, read the id in force), kept on the request for
 * `requestIdOf`, and added as `reqId` to the app's log lines for the request's errors.
 */
export function requestId(options: RequestIdOptions = {}): Middleware {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(header)) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `requestId(): ${JSON.stringify(options.header)} is not a header name.`);
  }
  const generate = options.generate ?? randomUUID;
  const trustIncoming = options.trustIncoming !== false;

  return function requestIdMiddleware(req: IncomingMessage, res, next) {
    const incoming = req.headers[header];
    const id = trustIncoming && typeof incoming === 'string' && VALID_ID.test(incoming) ? incoming : String(generate());
    setRequestId(req, id);
    req.headers[header] = id;
    res.setHeader(header, id);
    return next();
  };
}
