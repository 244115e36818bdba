import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { LoopGuard } from '../guard/loop-guard.js';
import type { BackgroundRunner } from '../deps/background-tasks.js';
import { assertNoCycle, withDependencyParts } from '../deps/dependency-graph.js';
import type { DependencyRuntime } from '../deps/request-scope.js';
import { withRequestLog } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { assertUniqueRoutes } from '../router.js';
import type { ValidationLimits } from '../schema/validation-limits.js';
import type { SchemaNamespace } from '../schema/validator.js';
import { CloseCode } from './close-codes.js';
import { compileWebSocketRoute, type SocketRegistry } from './compile-ws-route.js';
import type { WebSocketConnection } from './typed-socket.js';
import { UpgradeHttp } from './upgrade-http.js';
import { createUpgradeListener } from './upgrade-listener.js';
import type { WebSocketRouteDefinition } from './ws-route.js';

/** How long `close()` lets sockets answer its 1001 before cutting them. */
export const CLOSE_HANDSHAKE_GRACE = 1_000;

/** What the app lends its WebSocket routes when it starts listening: what its HTTP routes get. */
export interface WebSocketRuntime {
  responder: ErrorResponder;
  log: Logger;
  dependencies: DependencyRuntime;
  background: BackgroundRunner;
  guard: LoopGuard | null;
  maxParamLength: number;
  /** The App's `validation` limits for a 422; the defaults without it. */
  validation?: ValidationLimits;
  /** The App's named schemas' ajv instances, as its HTTP routes compile in. */
  schemas?: SchemaNamespace;
}

/**
 * The app's WebSocket routes (its own and its routers', as `webSocketRoutes()` gives them),
 * compiled when the app listens into one 'upgrade' listener (src/ws/upgrade-listener.ts), and
 * the open sockets, closed with 1001 when the app closes.
 */
export class WebSocketRoutes implements SocketRegistry {
  private readonly open = new Set<WebSocketConnection<unknown, unknown>>();
  private shuttingDown = false;

  constructor(private readonly source: () => WebSocketRouteDefinition[]) {}

  /** The routes, with their routers' prefixes, tags and dependencies applied. */
  get routes(): readonly WebSocketRouteDefinition[] {
    return this.source();
  }

  /** True once `close()` has started: handshakes are then refused with 503. */
  get closing(): boolean {
    return this.shuttingDown;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.open.size;
  }

  add(connection: WebSocketConnection<unknown, unknown>): void {
    this.open.add(connection);
    void connection.closed.then(() => this.open.delete(connection));
  }

  /**
   * Compiles the routes and serves upgrades on `server`. Without WebSocket routes it adds no
   * listener, so Node keeps serving every request (an `Upgrade: h2c` one too) as before.
   */
  attach(server: Server, runtime: WebSocketRuntime): void {
    const defined = this.source();
    if (defined.length === 0) return;
    // The checks an HTTP route gets when the app compiles: one route per path, no dependency cycle, dependencies' parts merged.
    assertUniqueRoutes(defined);
    const { overrides } = runtime.dependencies;
    for (const route of defined) assertNoCycle(route, overrides);
    const http = new UpgradeHttp(server, runtime.responder);
    const services = { ...runtime, contextClass: withRequestLog(runtime.log, runtime.dependencies.state) };
    const routes = defined.map((route) => ({ path: route.path, upgrade: compileWebSocketRoute(withDependencyParts(route, overrides), services, http, this) }));
    const guard = runtime.guard !== null && runtime.guard.settings.enabled ? runtime.guard : null;
    const listener = createUpgradeListener({ routes, http, log: runtime.log, guard, maxParamLength: runtime.maxParamLength, closing: () => this.shuttingDown });
    this.shuttingDown = false;
    server.on('upgrade', listener);
  }

  /**
   * Closes every open socket with 1001 ("going away"), lets them answer for up to a second, then
   * cuts those that did not; handshakes arriving from now on are refused with 503. Never rejects.
   */
  async close(): Promise<void> {
    this.shuttingDown = true;
    const open = [...this.open];
    if (open.length === 0) return;
    for (const connection of open) connection.close(CloseCode.GOING_AWAY, 'Server shutting down');
    const all = Promise.all(open.map((connection) => connection.closed));
    if ((await within(all, CLOSE_HANDSHAKE_GRACE)) === 'timeout') {
      for (const connection of open) if (this.open.has(connection)) connection.terminate();
      await within(all, CLOSE_HANDSHAKE_GRACE);
    }
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, ms, 'timeout')));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
