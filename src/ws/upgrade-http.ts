import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HTTPException } from '../errors.js';
import { contextWithoutRoute, type RequestContext } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';

/** The socket as Node's server keeps it: the response it is sending on it, if any. */
type ServerSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * HTTP answers on a connection Node's server has handed to 'upgrade'. From there Node neither
 * parses, nor times, nor answers on it, so what an ordinary request gets from the server is
 * given back here: the server's own 'request' listeners (the protocol check, then the app), and
 * its 'timeout' listeners (the send timeout) on every response written.
 */
export class UpgradeHttp {
  constructor(
    private readonly server: Server,
    private readonly responder: ErrorResponder,
  ) {}

  /** Answers with an HTTP error, in the app's error shapes (and its exception handlers), then closes the connection. */
  refuse(req: IncomingMessage, socket: Duplex, context: RequestContext, error: unknown, route: string): void {
    if (socket.destroyed) return;
    this.responder.respond(context, this.responseOn(req, socket), error, route);
  }

  /** An Upgrade the app does not take (not WebSocket): served as any request the server receives, as if the header were absent. */
  serve(req: IncomingMessage, socket: Duplex): void {
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      // Node stops parsing at an Upgrade header, so the body cannot be read.
      const error = new HTTPException(400, `Bad Request: a request with a body cannot ask to upgrade to ${JSON.stringify(req.headers.upgrade ?? '')}; send it without the Upgrade header`);
      this.refuse(req, socket, contextWithoutRoute(req), error, 'router');
      return;
    }
    // The server's listener, not the app's handler: Host and version checks, pipelining bound, shutdown's Connection: close.
    this.server.emit('request', req, this.responseOn(req, socket));
  }

  /** A ServerResponse written straight to the socket, which ends the connection once written. */
  private responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => {
      res.detachSocket(socket as Socket);
      socket.once('finish', () => socket.destroy());
      socket.end();
    });
    const timeout = this.server.timeout;
    if (timeout > 0) {
      // As Node does for its own sockets: the server's 'timeout' listeners decide, or the socket is destroyed.
      (socket as Socket).setTimeout(timeout);
      socket.on('timeout', () => {
        if (!this.server.emit('timeout', socket)) socket.destroy();
      });
    }
    return res;
  }
}

/**
 * Runs `then` once the responses Node is still sending on this connection are out. A client may
 * pipeline requests before its Upgrade: Node hands the Upgrade over at once, while an earlier
 * response still owns the socket (writing a second response on it threw, and ended the process).
 */
export function afterEarlierResponses(socket: Duplex, then: () => void): void {
  const pending = (socket as ServerSocket)._httpMessage;
  if (pending == null) {
    then();
    return;
  }
  // Node's own 'finish' listener, added first, has moved the socket on to the next response (or freed it).
  pending.once('finish', () => afterEarlierResponses(socket, then));
}



/** Node's server stops watching a socket it hands to 'upgrade': until `ws` takes it, an error on it destroys it, never goes unheard. */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}
