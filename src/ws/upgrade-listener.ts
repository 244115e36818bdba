import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HTTPException, LoopwiseError } from '../errors.js';
import type { LoopGuard } from '../guard/loop-guard.js';
import { shedAnswer } from '../guard/shed.js';
import { contextWithoutRoute } from '../pipeline/context.js';
import { protocolError } from '../server/protocol-check.js';
import { createRouteTree } from '../pipeline/route-tree.js';
import { routePattern, type ParamsAdapter } from '../pipeline/route-path.js';
import type { Upgrade } from './compile-ws-route.js';
import { handshakeError, shuttingDownError } from './handshake.js';
import { afterEarlierResponses, destroyOnError, type UpgradeHttp } from './upgrade-http.js';

/** A route's upgrade, and for a route with parameters the check (an empty segment is no match) and renaming of its match (route-path.ts). */
type Store = { upgrade: Upgrade; adapt: ParamsAdapter | null };
type Match = { handler: (...args: unknown[]) => unknown; params: Record<string, unknown>; searchParams: unknown; store: Store | null };

export interface UpgradeListenerOptions {
  /** The compiled routes, by path. */
  routes: readonly { path: string; upgrade: Upgrade }[];
  http: UpgradeHttp;
  log: Logger;
  /** When set, handshakes are refused as HTTP requests are while it sheds load. */
  guard: LoopGuard | null;
  maxParamLength: number;
  /** True once the app has started closing: handshakes are then refused with 503. */
  closing: () => boolean;
}

/**
 * The server's 'upgrade' listener: it decides, before any route's own steps, whether an upgrade
 * request is a handshake to take. It checks what every request is checked for (the protocol,
 * the path, load shedding, as the HTTP dispatcher does) and the handshake's own requirements,
 * and refuses with an HTTP answer in the app's error shapes; an Upgrade that is not WebSocket
 * is served as an ordinary request.
 */
export function createUpgradeListener(options: UpgradeListenerOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { http, log, guard } = options;
  const refuseUnrouted = (req: IncomingMessage, socket: Duplex, error: unknown, by: string): void => http.refuse(req, socket, contextWithoutRoute(req), error, by);
  const tree = createRouteTree<Duplex>(options.maxParamLength, (req, socket, error) => refuseUnrouted(req, socket, error, 'router'));
  for (const { path, upgrade } of options.routes) {
    try {
      const { treePath, adapt } = routePattern(path);
      tree.on('GET', treePath, () => undefined, { upgrade, adapt } satisfies Store);
    } catch (error) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the router rejected WS ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  function take(req: IncomingMessage, socket: Duplex, head: Buffer): void {
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
      refuseUnrouted(req, socket, protocolRefusal, 'protocol check');
      return;
    }
    const match = tree.find('GET', req.url ?? '/') as Match | null;
    const store = match === null ? null : match.store;
    if (match !== null && store === null) {
      match.handler(req, socket); // a URL the tree refused (400, 414): answered by createRouteTree's refusal
      return;
    }
    // Starlette redirects only HTTP requests: a handshake to a path that differs by its trailing slash is a miss like any other.
    const params = match === null || store === null ? null : store.adapt === null ? match.params : store.adapt(match.params);
    if (params === null || match === null || store === null) {
      refuseUnrouted(req, socket, new HTTPException(404, 'Not Found'), 'router');
      return;
    }
    const malformed = handshakeError(req);
    if (malformed !== null) {
      refuseUnrouted(req, socket, malformed, 'router');
      return;
    }
    if (options.closing()) {
      refuseUnrouted(req, socket, shuttingDownError(), 'router');
      return;
    }
    if (guard !== null && guard.shedding) {
      refuseUnrouted(req, socket, shedAnswer(guard), 'loop guard');
      return;
    }
    store.upgrade(req, socket, head, params, match.searchParams as string);
  }

  return (req, socket, head) => {
    // Node's HTTP server stops watching an upgraded socket: an error on it must not go unheard.
    socket.on('error', destroyOnError);
    // This runs in Node's parser callback (or a response's 'finish'): a throw would end the process.
    const guarded = (): void => {
      try {
        take(req, socket, head);
      } catch (error) {
        log.error({ err: error, url: req.url }, 'WebSocket upgrade failed');
        socket.destroy();
      }
    };
    afterEarlierResponses(socket, guarded);
  };
}
