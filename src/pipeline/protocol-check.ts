import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HTTPException } from '../errors.js';
import { RequestContext } from './context.js';
import type { ErrorResponder } from './handle-error.js';
import { answerAndClose } from './client-error.js';

/**
 * Refuses, in FastAPI's shape, the requests Node's parser lets through but HTTP/1.1 does not
 * serve: a version other than 1.x (`GET /` with no version is HTTP/0.9 to Node, and it reads
 * `HTTP/2.0` too) → 505, and an HTTP/1.1 request without `Host` → 400 (RFC 9112 §3.2; Node's own
 * check answers with an empty body, so the server turns it off). The server's listener only:
 * mounted apps and inject() get the app's handler as it is. Valid requests pay two comparisons.
 */
export function withProtocolCheck(listener: RequestListener, errors: ErrorResponder): RequestListener {
  return function checkProtocol(req, res) {
    if (req.httpVersionMajor === 1 && (req.httpVersionMinor === 0 || req.headers.host !== undefined)) {
      listener(req, res);
      return;
    }
    refuse(req, res, errors);
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, errors: ErrorResponder): void {
  const error =
    req.httpVersionMajor !== 1
      ? new HTTPException(505, 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0', { connection: 'close' })
      : new HTTPException(400, 'Bad Request: an HTTP/1.1 request must have a Host header', { connection: 'close' });
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  errors.respond(new RequestContext(req, {}, mark === -1 ? '' : url.slice(mark + 1)), res, error, 'protocol check');
}

/**
 * The server's `connect` listener: `CONNECT host:port` asks for a proxy tunnel, which this server
 * does not open. Node would drop the connection without a word; this answers 501 and closes.
 */
export function connectRefuser(server: Server): (req: IncomingMessage, socket: Duplex) => void {
  return function refuseConnect(_req, socket) {
    // Someone else listens for CONNECT too (a proxy added on app.server): theirs to answer.
    if (server.listenerCount('connect') > 1) return;
    answerAndClose(socket, 501, 'Not Implemented: CONNECT is not supported (this server is not a proxy)');
  };
}
