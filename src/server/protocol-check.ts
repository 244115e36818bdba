import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HTTPException } from '../errors.js';
import { contextWithoutRoute } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { answerAndClose } from './client-error.js';

/**
 * Refuses, in FastAPI's shape, the requests Node's parser lets through but HTTP/1.1 does not
 * serve: a version other than 1.x (`GET /` with no version is HTTP/0.9 to Node, and it reads
 * `HTTP/2.0` too) → 505, and a request without `Host` (HTTP/1.1) or with two → 400 (RFC 9112
 * §3.2; Node's own check answers with an empty body, so the server turns it off, and Node keeps
 * the first of two Hosts where a proxy may have routed by the second). The server's listener
 * only: mounted apps and inject() get the app's handler as it is.
 *
 * It also serves pipelined requests one at a time: Node runs every request a read brought in at
 * once and buffers each response until those before it are sent, so one connection pipelining a
 * few hundred requests for a large response held gigabytes. A request whose response has to wait
 * behind another (Node has given it no socket yet) runs when its turn comes; more than
 * MAX_PIPELINED waiting on one connection close it. Valid, unpipelined requests pay a short loop
 * over the raw header names and four comparisons.
 */
export function withProtocolCheck(listener: RequestListener, responder: ErrorResponder): RequestListener {
  const waiting = new WeakMap<Socket, number>();
  return function checkProtocol(req, res) {
    const refusal = protocolError(req);
    if (refusal === null) {
      if (res.socket !== null) listener(req, res);
      else runInTurn(req, res, listener, waiting);
      return;
    }
    responder.respond(contextWithoutRoute(req), res, refusal, 'protocol check');
  };
}

/**
 * Why HTTP/1.1 does not serve this request (its version, no Host, two Hosts), or null. The server's
 * listener answers with it, and so does a WebSocket handshake (src/ws/upgrade.ts), which Node
 * hands to 'upgrade' without going through that listener.
 */
export function protocolError(req: IncomingMessage): HTTPException | null {
  if (req.httpVersionMajor === 1 && (req.httpVersionMinor === 0 || req.headers.host !== undefined) && !hasTwoHosts(req.rawHeaders)) return null;
  if (req.httpVersionMajor !== 1) return new HTTPException(505, 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0', { connection: 'close' });
  if (req.headers.host === undefined && req.httpVersionMinor !== 0) return new HTTPException(400, 'Bad Request: an HTTP/1.1 request must have a Host header', { connection: 'close' });
  return new HTTPException(400, 'Bad Request: the request has more than one Host header', { connection: 'close' });
}

/** Requests one connection may have waiting behind a response still being sent; one more closes it. */
export const MAX_PIPELINED = 32;

/** Node joins no Host headers: it keeps the first. The raw list is the only place a second shows. */
function hasTwoHosts(raw: string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

/** Node hands a queued response its socket (`'socket'`) once the responses before it are sent. */
function runInTurn(req: IncomingMessage, res: ServerResponse, listener: RequestListener, waiting: WeakMap<Socket, number>): void {
  const socket = req.socket;
  const depth = (waiting.get(socket) ?? 0) + 1;
  if (depth > MAX_PIPELINED) {
    socket.destroy();
    return;
  }
  waiting.set(socket, depth);
  res.once('socket', () => {
    waiting.set(socket, (waiting.get(socket) ?? 1) - 1);
    listener(req, res);
  });
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
