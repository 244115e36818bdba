import { createServer, ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { clientErrorHandler } from './client-error.js';
import { continueWhenRead } from './expect-continue.js';
import { connectRefuser, withProtocolCheck } from './protocol-check.js';
import { sendTimeoutHandler } from './send-timeout.js';
import { httpServerOptions, type ServerLimits } from './server-options.js';

export interface ListenOptions {
  /** Default 8000, as uvicorn. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 to accept connections from other machines. */
  host?: string;
  /** Close gracefully on SIGTERM and SIGINT, then exit. Default true. */
  handleSignals?: boolean;
}

export interface Listening {
  url: string;
  host: string;
  port: number;
}

export interface HttpServerOptions {
  limits: ServerLimits;
  /** Answers the requests the protocol check refuses, with the app's exception handlers. */
  responder: ErrorResponder;
  log: Logger;
  /** How long close() waits for in-flight requests before cutting their connections, in ms. */
  closeTimeout: number;
}

/** The URL a server on this host and port answers at; an IPv6 address goes in brackets. */
export function serverUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The `http.Server` an App's listen() opens: loopwise's limits and listeners around the app's
 * handler, the connections it has open, and a graceful close.
 */
export class HttpServer {
  readonly server: Server;
  /** The server's open connections, so close() can reach the requests in flight on them. */
  private readonly connections = new Set<Socket>();
  private readonly log: Logger;
  private readonly closeTimeout: number;

  constructor(handler: RequestListener, { limits, responder, log, closeTimeout }: HttpServerOptions) {
    this.log = log;
    this.closeTimeout = closeTimeout;
    // Timeouts and size limits are server options; the protocol check and the two listeners only
    // run for requests Node's parser refuses or HTTP/1.1 does not serve (src/server/client-error.ts).
    const listener = withProtocolCheck(handler, responder);
    const server = (this.server = createServer(httpServerOptions(limits), listener));
    server.on('clientError', clientErrorHandler(limits, log));
    // `Expect: 100-continue`: the 100 goes out when the body is read, after the route's limit
    // check, not before every such request as Node would (src/server/expect-continue.ts).
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      continueWhenRead(req, res);
      listener(req, res);
    });
    // Any other expectation (`Expect: something`) is served as if it were not there, as uvicorn and
    // Bun do (RFC 9110 lets a server ignore it): Node's default was a bare 417 with no FastAPI body.
    server.on('checkExpectation', listener);
    // A client that stops reading its response is cut after sendTimeout (src/server/send-timeout.ts).
    if (limits.sendTimeout > 0) {
      server.timeout = limits.sendTimeout;
      server.on('timeout', sendTimeoutHandler);
    }
    server.on('connect', connectRefuser(server));
    const connections = this.connections;
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
  }

  /** Opens the port; rejects (EADDRINUSE…) with nothing left listening. */
  async listen(port: number, host: string): Promise<Listening> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const open = (server.address() as AddressInfo).port;
    return { url: serverUrl(host, open), host, port: open };
  }

  /** Closes at once, cutting every connection: for a server that never got to serve. */
  async destroy(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to closeTimeout), then cuts
   * what is left and resolves.
   */
  async close(): Promise<void> {
    const server = this.server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The listening socket is closed by now: a new connection is refused from here on.
    this.log.info('stopped accepting connections; waiting for in-flight requests');
    // Answers from now on say `Connection: close` and the connection closes after them: a
    // keep-alive client then opens a new connection (refused) for its next request, instead of
    // sending it on a connection the server is about to close (ECONNRESET, the request lost).
    // In flight: the request a connection is answering, if its headers have not gone yet. (Node
    // keeps it on the socket as `_httpMessage`, as its own closeIdleConnections() reads it; where a
    // Node lacks it, those answers keep their keep-alive and the sweep below closes them after.)
    for (const socket of this.connections) {
      const res = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
      if (res instanceof ServerResponse && !res.headersSent) res.shouldKeepAlive = false;
    }
    // Still to come: requests that reach an open keep-alive connection while we close.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    // Keep-alive sockets become idle as their responses finish: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.closeTimeout, 'timeout')));
    const outcome = await Promise.race([closed, timedOut]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log.warn(`requests still running after ${this.closeTimeout} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    }
    this.log.info('server closed');
  }
}
