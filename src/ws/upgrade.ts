import { validateHeaderName, validateHeaderValue, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import FindMyWay from 'find-my-way';
import type FastJson from 'fast-json-stringify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { HTTPException, LoopwiseError, RequestValidationError } from '../errors.js';
import type { LoopGuard } from '../guard/loop-guard.js';
import type { BackgroundRunner } from '../deps/background-tasks.js';
import { afterResponse } from '../deps/background-tasks.js';
import { isDependency, type Dependency } from '../deps/dependency.js';
import { assertNoCycle, withDependencyParts } from '../deps/dependency-graph.js';
import { DependencyScope, settleAll, type DependencyRuntime } from '../deps/request-scope.js';
import { compileChecks } from '../pipeline/compile-route.js';
import { RequestContext, contextWithoutRoute } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { protocolError } from '../server/protocol-check.js';
import type { Reply } from '../pipeline/reply.js';
import type { HttpMethod, RouteDefinition } from '../route.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import { CloseCode } from './close-codes.js';
import { WebSocketDisconnect, WebSocketException } from './errors.js';
import { compileMessageDecoder } from './message.js';
import { WebSocketConnection, type ConnectionSettings } from './typed-socket.js';
import { UpgradeHttp, afterEarlierResponses } from './upgrade-http.js';
import type { WebSocketContext, WebSocketMethod, WebSocketRouteDefinition, WebSocketRouteOptions } from './ws-route.js';

// ws and fast-json-stringify load when the first WebSocket route is compiled (at listen), not at
// import: an app without WebSocket routes never needs them.
const require = createRequire(import.meta.url);

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
export const DEFAULT_HEARTBEAT = 30_000;
/** Messages received and not yet read before the socket stops reading from the peer. */
export const MAX_QUEUED_MESSAGES = 32;
/** How long `close()` lets sockets answer its 1001 before cutting them. */
export const CLOSE_HANDSHAKE_GRACE = 1_000;

/** What the app lends its WebSocket routes when it starts listening. */
export interface WebSocketRuntime {
  errors: ErrorResponder;
  log: Logger;
  dependencies: DependencyRuntime;
  background: BackgroundRunner;
  guard: LoopGuard | null;
  /** The App's own `dependencies`, run for every route (WebSocket ones too, as in FastAPI). */
  appDependencies: readonly Dependency<unknown>[];
  maxParamLength: number;
}

type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, unknown>, rawQuery: string) => void;
type Match = { handler: (...args: unknown[]) => unknown; params: Record<string, unknown>; searchParams: unknown; store: Upgrade | null };

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The app's WebSocket routes: registered with `app.ws()`, compiled when the app listens into one
 * `'upgrade'` listener (find-my-way on the paths, then the route's checks and dependencies, then
 * `ws`'s handshake), and the open sockets, closed with 1001 when the app closes.
 */
export class WebSocketRoutes {
  private readonly defined: WebSocketRouteDefinition[] = [];
  private readonly keys = new Map<string, string>();
  private readonly open = new Set<WebSocketConnection<unknown, unknown>>();
  private closing = false;

  /** `app.ws`: checks the registration at once (path, handler, deps), like the HTTP methods. */
  method(assertNotFrozen: (action: string) => void): WebSocketMethod {
    return ((path: string, optionsOrHandler: unknown, maybeHandler?: unknown) => {
      const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
      assertNotFrozen(`add WS ${path}`);
      this.add(path, options as WebSocketRouteOptions, handler);
    }) as WebSocketMethod;
  }

  /** The routes registered so far. */
  get routes(): readonly WebSocketRouteDefinition[] {
    return this.defined;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.open.size;
  }

  /**
   * Compiles the routes and serves upgrades on `server`. Without WebSocket routes it adds no
   * listener, so Node keeps serving every request (an `Upgrade: h2c` one too) as before.
   */
  attach(server: Server, runtime: WebSocketRuntime): void {
    if (this.defined.length === 0) return;
    const listener = this.compile(runtime, new UpgradeHttp(server, runtime.errors));
    this.closing = false;
    server.on('upgrade', listener);
  }

  /**
   * Closes every open socket with 1001 ("going away"), lets them answer for up to a second, then
   * cuts those that did not; handshakes arriving from now on are refused with 503. Never rejects.
   */
  async close(): Promise<void> {
    this.closing = true;
    const open = [...this.open];
    if (open.length === 0) return;
    for (const connection of open) connection.close(CloseCode.GOING_AWAY, 'Server shutting down');
    const all = Promise.all(open.map((connection) => connection.closed));
    if ((await within(all, CLOSE_HANDSHAKE_GRACE)) === 'timeout') {
      for (const connection of open) if (this.open.has(connection)) connection.terminate();
      await within(all, CLOSE_HANDSHAKE_GRACE);
    }
  }

  private add(path: string, options: WebSocketRouteOptions, handler: unknown): void {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the path of WS ${String(path)} must start with "/".`);
    }
    if (typeof handler !== 'function') {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `WS ${path} needs a handler function as its last argument.`);
    }
    for (const [key, value] of Object.entries(options.deps ?? {})) {
      if (!isDependency(value)) throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `deps.${key} of WS ${path} is not a dependency: wrap the function in dependency().`);
    }
    if (options.dependencies !== undefined && (!Array.isArray(options.dependencies) || !options.dependencies.every(isDependency))) {
      throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `the dependencies of WS ${path} must be a list of dependencies made with dependency().`);
    }
    const message = options.message;
    if (message !== undefined && message !== 'text' && message !== 'binary' && (typeof message !== 'object' || message === null)) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the message option of WS ${path} must be a schema built with t, 'text' or 'binary', not ${JSON.stringify(message)}.`);
    }
    checkPositive(options.maxPayload, 'maxPayload', path);
    checkPositive(options.highWaterMark, 'highWaterMark', path, true);
    if (options.heartbeat !== false) checkPositive(options.heartbeat, 'heartbeat', path);
    // Parameter names do not change what a path matches: "/chat/:room" and "/chat/:id" collide.
    const key = path.replace(/:[^/(.-]+/g, ':');
    const earlier = this.keys.get(key);
    if (earlier !== undefined) {
      throw new LoopwiseError('LW_ERR_DUPLICATE_ROUTE', `WS ${path} matches the same requests as WS ${earlier}; remove one, or give them different paths.`);
    }
    this.keys.set(key, path);
    this.defined.push({ path, options, handler: handler as WebSocketRouteDefinition['handler'] });
  }

  private compile(runtime: WebSocketRuntime, http: UpgradeHttp): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
    const { log } = runtime;
    const router = FindMyWay({
      caseSensitive: true,
      ignoreTrailingSlash: false,
      maxParamLength: runtime.maxParamLength,
      querystringParser: (query: string) => query as never,
      onBadUrl: () => new HTTPException(400, 'Bad Request: the URL is not valid percent-encoding'),
      onMaxParamLength: () => new HTTPException(414, `URI Too Long: a path parameter is longer than ${runtime.maxParamLength} characters`),
    } as FindMyWay.Config<FindMyWay.HTTPVersion.V1>);
    for (const route of this.defined) {
      const upgrade = this.compileRoute(route, runtime, http);
      try {
        router.on('GET', route.path, () => undefined, upgrade);
      } catch (error) {
        throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the router rejected WS ${route.path}: ${(error as Error).message}`, { cause: error });
      }
    }

    const accept = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (socket.destroyed || !socket.writable) {
        socket.destroy(); // an earlier response on this connection ended it (Connection: close)
        return;
      }
      // Not a WebSocket upgrade (curl --http2 sends `Upgrade: h2c`): an ordinary request, served as one.
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        http.serve(req, socket);
        return;
      }
      // What the server's listener refuses before routing, a handshake is refused for too.
      const protocolRefusal = protocolError(req);
      if (protocolRefusal !== null) {
        http.refuse(req, socket, contextWithoutRoute(req), protocolRefusal, 'protocol check');
        return;
      }
      const match = router.find('GET', req.url ?? '/') as Match | null;
      if (match === null || match.store === null) {
        const error = match === null ? new HTTPException(404, 'Not Found') : match.handler();
        http.refuse(req, socket, contextWithoutRoute(req), error, 'router');
        return;
      }
      const handshakeError = checkHandshake(req);
      if (handshakeError !== null) {
        http.refuse(req, socket, contextWithoutRoute(req), handshakeError, 'router');
        return;
      }
      if (this.closing) {
        http.refuse(req, socket, contextWithoutRoute(req), new HTTPException(503, 'Service Unavailable: the server is shutting down', { 'retry-after': '1' }), 'router');
        return;
      }
      const guard = runtime.guard;
      if (guard !== null && guard.settings.enabled && guard.shedding) {
        guard.noteShed('loop');
        const overloaded = new HTTPException(503, 'Service Unavailable: the server is overloaded, retry shortly', { 'retry-after': '1' });
        http.refuse(req, socket, contextWithoutRoute(req), overloaded, 'loop guard');
        return;
      }
      match.store(req, socket, head, match.params, match.searchParams as string);
    };

    return (req, socket, head) => {
      // Node's HTTP server stops watching an upgraded socket: an error on it must not go unheard.
      socket.on('error', destroyOnError);
      // This runs in Node's parser callback (or a response's 'finish'): a throw would end the process.
      const guarded = (): void => {
        try {
          accept(req, socket, head);
        } catch (error) {
          log.error({ err: error, url: req.url }, 'WebSocket upgrade failed');
          socket.destroy();
        }
      };
      afterEarlierResponses(socket, guarded);
    };
  }

  /** One route, compiled once: its checks, its dependencies, its message decoder and serializer, its `ws` server. */
  private compileRoute(route: WebSocketRouteDefinition, runtime: WebSocketRuntime, http: UpgradeHttp): Upgrade {
    const { log, background } = runtime;
    const name = `WS ${route.path}`;
    const options = route.options;
    const effects = [...runtime.appDependencies, ...(options.dependencies ?? [])];
    // The HTTP pipeline's own checks and dependency merging, on the route seen as a GET.
    const asRoute: RouteDefinition = {
      method: 'WS' as HttpMethod,
      path: route.path,
      options: { params: options.params, query: options.query, headers: options.headers, cookies: options.cookies, deps: options.deps, dependencies: effects },
      handler: route.handler as never,
    };
    assertNoCycle(asRoute, runtime.dependencies.overrides);
    const checks = compileChecks(withDependencyParts(asRoute, runtime.dependencies.overrides), name);
    const deps = options.deps ?? {};
    const hasDependencies = Object.keys(deps).length > 0 || effects.length > 0;
    const settings: ConnectionSettings<unknown, unknown> = {
      decode: compileMessageDecoder(options.message, name),
      serialize: compileSendSerializer(options.send, name),
      highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      maxQueued: MAX_QUEUED_MESSAGES,
      heartbeat: options.heartbeat === false ? 0 : (options.heartbeat ?? DEFAULT_HEARTBEAT),
      onRefused: (code, reason, detail) => log.debug({ route: name, code, reason, detail }, `${name}: closed with ${code} for a message it does not take`),
      onError: (error) => log.debug({ err: error, route: name }, `${name}: socket error: ${error.message}`),
      onFault: (error) => log.error({ err: error, route: name }, `${name}: failed while handling a frame; closing with 1011`),
    };
    const { WebSocketServer } = require('ws') as typeof import('ws');
    const server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false });
    // Headers and cookies the dependencies set (`reply.header`, `reply.cookie`) go out with the 101.
    const replies = new WeakMap<IncomingMessage, Reply>();
    server.on('headers', (lines, req) => {
      const reply = replies.get(req);
      if (reply === undefined) return;
      try {
        lines.push(...headerLines(reply, name, log));
      } catch (error) {
        // A header value whose String() throws: ws calls this listener inside the handshake.
        log.error({ err: error, route: name }, `${name}: headers set by a dependency could not be written; left out of the handshake`);
      }
    });

    /** After the handler (or a refusal): dependencies' cleanups, then background tasks if nothing failed. */
    const finish = (context: RequestContext, error: unknown): Promise<void> => {
      const scope = context.scope;
      const tasks = context.backgroundState;
      return afterResponse().then(async () => {
        if (scope !== undefined) await scope.close(error, name);
        if (tasks !== undefined && tasks.tasks.length > 0 && error === undefined) background.run(tasks, name);
      });
    };

    const serve = (ws: WebSocket, socket: Duplex, context: RequestContext, refusal: WebSocketException | null): void => {
      socket.off('error', destroyOnError);
      let connection: WebSocketConnection<unknown, unknown>;
      try {
        connection = new WebSocketConnection(ws, socket, settings);
      } catch (error) {
        log.error({ err: error, route: name }, `${name}: failed to set up the connection`);
        ws.terminate();
        background.track(finish(context, error));
        return;
      }
      this.open.add(connection);
      void connection.closed.then(() => this.open.delete(connection));
      if (refusal !== null) {
        connection.close(refusal.code, refusal.reason);
        background.track(finish(context, refusal));
        return;
      }
      const argument: WebSocketContext = {
        params: context.params,
        query: context.query as WebSocketContext['query'],
        headers: context.headers as WebSocketContext['headers'],
        cookies: context.cookies as WebSocketContext['cookies'],
        deps: context.deps as WebSocketContext['deps'],
        request: context.request,
        state: runtime.dependencies.state,
      };
      const run = (async () => {
        let failure: unknown;
        try {
          await route.handler(connection, argument);
        } catch (error) {
          failure = error;
        }
        closeAfter(connection, failure, name, log);
        // A peer that left is the normal end of a socket, not a failure to show the cleanups.
        await finish(context, failure instanceof WebSocketDisconnect ? undefined : failure);
      })().catch((error: unknown) => {
        log.error({ err: error, route: name }, `${name}: failed to end the connection`);
        connection.terminate(); // not left open with no handler reading it
      });
      background.track(run);
    };

    const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, context: RequestContext, refusal: WebSocketException | null): void => {
      if (socket.destroyed || !socket.readable || !socket.writable) {
        // The client left while its dependencies resolved.
        socket.destroy();
        background.track(finish(context, undefined));
        return;
      }
      if (this.closing) {
        http.refuse(req, socket, context, new HTTPException(503, 'Service Unavailable: the server is shutting down', { 'retry-after': '1' }), name);
        background.track(finish(context, undefined));
        return;
      }
      if (context.replyState !== undefined) replies.set(req, context.replyState);
      let accepted = false;
      server.handleUpgrade(req, socket, head, (ws) => {
        accepted = true;
        serve(ws, socket, context, refusal);
      });
      // ws refused the handshake itself (and answered it), or the socket went: nothing to serve.
      if (!accepted) background.track(finish(context, undefined));
    };

    return (req, socket, head, params, rawQuery) => {
      const context = new RequestContext(req, params, rawQuery);
      const issues: ValidationIssue[] = [];
      try {
        for (const check of checks) check(context, issues);
        void context.query; // parsed now, while the handshake can still be refused: broken percent-encoding is a 400
      } catch (error) {
        http.refuse(req, socket, context, error, name);
        return;
      }
      if (issues.length > 0) {
        http.refuse(req, socket, context, new RequestValidationError(issues), name);
        return;
      }
      if (!hasDependencies) {
        upgrade(req, socket, head, context, null);
        return;
      }
      const scope = new DependencyScope(context, runtime.dependencies);
      context.scope = scope;
      settleAll([scope.resolveAll(deps), scope.resolveEach(effects)]).then(
        ([values]) => {
          context.deps = values as Record<string, unknown>;
          upgrade(req, socket, head, context, null);
        },
        (error: unknown) => {
          // WebSocketException: accept, then close with its code, which browsers can read; anything else refuses the handshake.
          if (error instanceof WebSocketException) {
            upgrade(req, socket, head, context, error);
            return;
          }
          http.refuse(req, socket, context, error, name);
          background.track(finish(context, error));
        },
      ).catch((error: unknown) => {
        // A throw in the handshake after the dependencies: no rejection left unhandled (it would end the process).
        log.error({ err: error, route: name }, `${name}: upgrade failed`);
        socket.destroy();
      });
    };
  }
}

/** Closes the socket as the handler's end calls for, unless it is already closing. */
function closeAfter(connection: WebSocketConnection<unknown, unknown>, failure: unknown, name: string, log: Logger): void {
  if (failure === undefined || failure instanceof WebSocketDisconnect) {
    connection.close(CloseCode.NORMAL);
    return;
  }
  if (failure instanceof WebSocketException) {
    log.debug({ route: name, code: failure.code, reason: failure.reason }, `${name}: closed by the handler with ${failure.code}`);
    connection.close(failure.code, failure.reason);
    return;
  }
  if (failure instanceof HTTPException) {
    // Shared code written for HTTP routes: after the handshake its status can only become a policy violation.
    const detail = typeof failure.detail === 'string' ? failure.detail : JSON.stringify(failure.detail);
    log.debug({ route: name, status: failure.statusCode, detail }, `${name}: HTTPException ${failure.statusCode} after the handshake; closing with 1008`);
    connection.close(CloseCode.POLICY_VIOLATION, detail);
    return;
  }
  log.error({ err: failure, route: name }, `Unhandled error in ${name}`);
  connection.close(CloseCode.INTERNAL_ERROR, 'Internal Server Error');
}

/** The handshake's own requirements (RFC 6455 §4.2.1), checked before any dependency runs. */
function checkHandshake(req: IncomingMessage): HTTPException | null {
  if (req.httpVersionMinor !== 1) return new HTTPException(505, 'HTTP Version Not Supported: a WebSocket handshake needs HTTP/1.1', { connection: 'close' });
  if (req.method !== 'GET') return new HTTPException(405, 'Method Not Allowed: a WebSocket handshake is a GET', { allow: 'GET' });
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return new HTTPException(400, 'Bad Request: missing or invalid Sec-WebSocket-Key header');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    return new HTTPException(426, 'Upgrade Required: missing or unsupported Sec-WebSocket-Version (this server speaks 13)', { 'sec-websocket-version': '13' });
  }
  return null;
}

function headerLines(reply: Reply, name: string, log: Logger): string[] {
  const lines: string[] = [];
  for (const [header, value] of Object.entries(reply.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) {
      try {
        validateHeaderName(header);
        validateHeaderValue(header, one);
        lines.push(`${header}: ${one}`);
      } catch (error) {
        log.error({ err: error, route: name, header }, `${name}: header ${header} set by a dependency is not valid HTTP; left out of the handshake`);
      }
    }
  }
  return lines;
}

function compileSendSerializer(schema: WebSocketRouteOptions['send'], name: string): (value: unknown) => string {
  if (schema === undefined) return (value) => JSON.stringify(value) ?? 'null';
  const fastJson: typeof FastJson = require('fast-json-stringify');
  let serialize: (value: unknown) => string;
  try {
    serialize = fastJson(schema as unknown as Parameters<typeof FastJson>[0]) as (value: unknown) => string;
  } catch (error) {
    throw new LoopwiseError('LW_ERR_SCHEMA_INVALID', `the send schema of ${name} cannot be compiled (${(error as Error).message}).`, { cause: error });
  }
  return (value) => {
    try {
      return serialize(value);
    } catch (error) {
      throw new LoopwiseError('LW_ERR_RESPONSE_SERIALIZATION', `a message sent by ${name} does not fit its send schema (${(error as Error).message})`, { cause: error });
    }
  };
}

function checkPositive(value: number | undefined, option: string, path: string, zeroAllowed = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${option} of WS ${path} must be a positive number, not ${String(value)}.`);
  }
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, ms, 'timeout')));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
