import cluster from 'node:cluster';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import { bunRuntime, dropStartupCode, type BunRouteHandler, type BunServerHandle } from './bun-api.js';
import { prematchedRoutes, type PrematchedRoute } from '../pipeline/dispatch.js';
import { BunIncomingMessage } from './bun-request.js';
import { BunServerResponse, type BunServerState } from './bun-response.js';
import { serverUrl, type Listening } from './http-server.js';
import { DEFAULT_HEADERS_TIMEOUT, DEFAULT_MAX_HEADER_SIZE, DEFAULT_SEND_TIMEOUT, type ServerLimits } from './server-options.js';

export interface BunServerOptions {
  limits: ServerLimits;
  log: Logger;
  /** How long close() waits for in-flight requests before cutting their connections, in ms. */
  closeTimeout: number;
}

/** Bun's idle timeout is whole seconds, at most 255. */
const BUN_MAX_IDLE_SECONDS = 255;

/** The 500 for a throw that escaped the pipeline (it catches its own): FastAPI's text, no stack. */
const LAST_RESORT = '{"detail":"Internal Server Error"}';

/**
 * The server listen() opens on Bun: Bun.serve, with each web Request handed to the App's compiled
 * listener as the pipeline's request and response (src/server/bun-request.ts, bun-response.ts),
 * so routing, validation, dependencies, handlers, errors and the guard are the ones Node runs.
 * Bun parses HTTP itself: malformed requests are answered by Bun before they reach loopwise.
 */
export class BunServer {
  private server: BunServerHandle | null = null;
  private readonly listener: RequestListener;
  private readonly options: BunServerOptions;
  private readonly state: BunServerState;

  constructor(listener: RequestListener, options: BunServerOptions) {
    refuseUnsupportedLimits(options.limits);
    this.listener = listener;
    this.options = options;
    this.state = { closing: false, connectionIdle: connectionIdleSeconds(options.limits) };
  }

  /** Opens the port; rejects (EADDRINUSE…) with nothing left listening. */
  async listen(port: number, host: string): Promise<Listening> {
    const bun = bunRuntime();
    if (bun === null) throw new LoopwiseError('LW_ERR_RUNTIME', 'the Bun server was asked for outside Bun');
    const listener = this.listener;
    const state = this.state;
    const log = this.options.log;
    const { requestTimeout } = this.options.limits;
    // Once a request's head is in, its body and its handler get requestTimeout (Bun counts idle
    // time, not the handler's own): without this a handler slower than the connection idle timeout was cut.
    const requestIdle = Math.min(BUN_MAX_IDLE_SECONDS, Math.ceil(requestTimeout / 1000));
    this.server = bun.serve({
      // Paths Bun's router can match as find-my-way would (src/pipeline/exact-routes.ts): no URL
      // string and no lookup in JavaScript for them. Everything else, and any method such a path
      // has no route for, comes to fetch() below.
      routes: nativeRoutes(prematchedRoutes(listener), state, requestIdle),
      port,
      hostname: host,
      // Bun's connection idle timeout: the wait for a request's head, and keep-alive between requests.
      // `loopwise run --workers N`: each process binds the same port, which Bun shares through SO_REUSEPORT.
      reusePort: cluster.isWorker,
      idleTimeout: state.connectionIdle,
      // No cap of Bun's own (its default is 128 MiB, answered with a bare 413): each route's
      // bodyLimit or multipart.maxBodySize is checked as the body arrives, in FastAPI's shape, as
      // on Node; a body no route reads is dropped by Bun as it comes, never held.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch(request, server) {
        const req = new BunIncomingMessage(request, server);
        const res = new BunServerResponse(req, state);
        req.response = res;
        listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        return res.answer(requestIdle);
      },
      error(error) {
        log.error({ err: error }, 'a request failed outside the pipeline');
        return new Response(LAST_RESORT, { status: 500, headers: { 'content-type': 'application/json' } });
      },
    });
    // The routes are compiled and the port is open: the code that did it can go (bun-api.ts), before
    // listen() resolves and the App starts its loop guard.
    await dropStartupCode();
    const open = this.server.port;
    return { url: serverUrl(host, open), host, port: open };
  }

  /** Closes at once, cutting every connection: for a server that never got to serve. */
  async destroy(): Promise<void> {
    await this.server?.stop(true);
    this.server = null;
  }

  /** Stops accepting connections, lets in-flight requests finish (up to closeTimeout), then cuts what is left. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    const log = this.options.log;
    // Answers from now on say `Connection: close`: a keep-alive client opens a new connection (refused) for its next request.
    this.state.closing = true;
    const stopped = Promise.resolve(server.stop(false));
    // Said once it is true (stop() closes the listening socket at once): a client that reads this
    // line and connects is refused. Said before, it raced the stop and sometimes connected.
    log.info('stopped accepting connections; waiting for in-flight requests');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeout, 'timeout')));
    const outcome = await Promise.race([stopped.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      log.warn(`requests still running after ${this.options.closeTimeout} ms; closing their connections`);
      await server.stop(true);
    }
    this.server = null;
    log.info('server closed');
  }
}

/** Bun's connection idle timeout (s): the wait for a request's head, and keep-alive between requests. */
function connectionIdleSeconds({ keepAliveTimeout, headersTimeout }: ServerLimits): number {
  return Math.min(BUN_MAX_IDLE_SECONDS, Math.max(1, Math.ceil(Math.max(keepAliveTimeout, headersTimeout) / 1000)));
}

/** Bun.serve's `routes` for the routes it can match itself: each calls its route's dispatcher entry with Bun's params. */
function nativeRoutes(routes: readonly PrematchedRoute[], state: BunServerState, requestIdle: number): Record<string, Record<string, BunRouteHandler>> {
  const table: Record<string, Record<string, BunRouteHandler>> = {};
  for (const route of routes) {
    const serve = route.serve;
    (table[route.path] ??= {})[route.method] = (request, server) => {
      const req = new BunIncomingMessage(request, server);
      const res = new BunServerResponse(req, state);
      req.response = res;
      serve(req as unknown as IncomingMessage, res as unknown as ServerResponse, request.params);
      return res.answer(requestIdle);
    };
  }
  return table;
}

/**
 * Limits Bun.serve has no setting for: a value the user chose (not loopwise's default) stops
 * listen() rather than being silently ignored. Bun's own: headers up to 16 KiB, no send timeout,
 * idle timeouts in whole seconds up to 255.
 */
function refuseUnsupportedLimits(limits: ServerLimits): void {
  const unsupported: string[] = [];
  if (limits.requestTimeout > BUN_MAX_IDLE_SECONDS * 1000) unsupported.push(`requestTimeout over 255 s (${limits.requestTimeout} ms)`);
  if (limits.sendTimeout !== DEFAULT_SEND_TIMEOUT) unsupported.push(`sendTimeout (${limits.sendTimeout} ms)`);
  if (limits.maxHeaderSize !== DEFAULT_MAX_HEADER_SIZE) unsupported.push(`maxHeaderSize (${limits.maxHeaderSize} bytes)`);
  if (limits.headersTimeout > BUN_MAX_IDLE_SECONDS * 1000 && limits.headersTimeout !== DEFAULT_HEADERS_TIMEOUT) unsupported.push(`headersTimeout over 255 s`);
  if (unsupported.length === 0) return;
  throw new LoopwiseError(
    'LW_ERR_RUNTIME',
    `Bun's server cannot enforce ${unsupported.join(', ')}: it has idle timeouts of at most 255 s (a connection's, from keepAliveTimeout and headersTimeout; a request's, from requestTimeout), no send timeout and a fixed 16 KiB header limit. ` +
      'Leave these at their defaults on Bun, or run the app on Node (docs/bun.md).',
  );
}
