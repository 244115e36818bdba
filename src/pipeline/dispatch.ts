import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HTTPException } from '../errors.js';
import type { HttpMethod } from '../route.js';
import type { CompiledRoute } from './compile-route.js';
import type { LoopGuard } from '../guard/loop-guard.js';
import { shedAnswer } from '../guard/shed.js';
import type { ErrorResponder } from './handle-error.js';
import { contextWithoutRoute } from './context.js';
import { ROUTE_NAME } from './access-log.js';
import { createRouteTree } from './route-tree.js';
import { routePattern, type ParamsAdapter } from './route-path.js';
import { slashRedirect } from './trailing-slash.js';
import { proxyPrefix } from '../proxy/forwarded.js';

export interface RouteTableEntry {
  method: HttpMethod;
  path: string;
  handler: CompiledRoute;
  /** The route as registered ("GET /items/:id"); a GET's automatic HEAD keeps the GET's name. */
  name: string;
  /** Answered even while the server sheds load (health, readiness, metrics). */
  alwaysServe?: boolean;
}

export interface DispatchOptions {
  maxParamLength: number;
  responder: ErrorResponder;
  /** When set, requests are answered 503 while it says the loop is overloaded. */
  guard: LoopGuard | null;
  /** When set (metrics on), told of every response once it is written. */
  observe: RequestObserver | null;
  /** Access log on: leave the matched route's name ("GET /items/:id") on the request for its line. */
  recordRoute?: boolean;
  /** Starlette's `redirect_slashes`: a miss whose path with the trailing slash toggled matches a route gets 307 there (trailing-slash.ts). */
  redirectSlashes?: boolean;
}

/** `route` is the pattern ("GET /items/:id"), or "unmatched" for 404s and 405s. */
export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;

/** A static route's path with nothing the tree would read differently from the raw request: no escapes, parameters, wildcards or separators. */
const PLAIN_STATIC_PATH = /^\/[A-Za-z0-9\-._~!$&'+,=@/]*$/;
type StaticRoute = { handler: CompiledRoute; store: RouteStore };
/** A static route's params, shaped as the tree's: an object with no prototype to inherit keys from. */
const NoParams = function NoParams() {} as unknown as new () => Record<string, unknown>;
NoParams.prototype = Object.create(null);

/** `adapt` (route-path.ts) is set for routes with parameters: a match it refuses is a miss. */
type RouteStore = { alwaysServe: boolean; name: string; adapt: ParamsAdapter | null };
type Match = { handler: unknown; params: Record<string, unknown>; searchParams: unknown; store: RouteStore | null };

/**
 * Builds the server's request listener: one radix-tree lookup (find-my-way, Fastify's router),
 * then the route's compiled function. Misses are resolved to 405 with `Allow`, a 307 to the path
 * with its trailing slash toggled, or 404, in Starlette's order.
 */
export function createDispatcher(routes: RouteTableEntry[], options: DispatchOptions): RequestListener {
  const { responder } = options;
  const router = createRouteTree<ServerResponse>(options.maxParamLength, (req, res, error) => responder.respond(contextWithoutRoute(req), res, error, 'router'));

  const methods = new Set<string>();
  const staticRoutes = new Map<string, Map<string, StaticRoute>>();
  for (const route of routes) {
    const { treePath, adapt } = routePattern(route.path);
    const store: RouteStore = { alwaysServe: route.alwaysServe === true, name: route.name, adapt };
    router.on(route.method, treePath, route.handler as never, store);
    methods.add(route.method);
    if (adapt === null && PLAIN_STATIC_PATH.test(treePath)) {
      let table = staticRoutes.get(route.method);
      if (table === undefined) staticRoutes.set(route.method, (table = new Map()));
      table.set(treePath, { handler: route.handler, store });
    }
  }
  const guard = options.guard;

  /**
   * find-my-way's answer, from a Map first for a path sent exactly as a static route's: the tree
   * would find that route too (a static route wins over a parametric one), and its query string
   * is the same raw text. Anything else (percent-escapes, '#', an absolute URL, parameters) goes
   * to the tree, which decodes and checks it.
   */
  function find(method: string, url: string): Match | null {
    const table = staticRoutes.get(method);
    if (table !== undefined) {
      const query = url.indexOf('?');
      const hit = table.get(query === -1 ? url : url.slice(0, query));
      if (hit !== undefined) return { handler: hit.handler, store: hit.store, params: new NoParams(), searchParams: query === -1 ? '' : url.slice(query + 1) };
    }
    return router.find(method as never, url) as Match | null;
  }
  const redirectSlashes = options.redirectSlashes === true;

  /** Whether a route of `method` takes `url`: a match its parameters' check refuses does not count. */
  function takes(method: string, url: string): boolean {
    return paramsOf(router.find(method as never, url) as Match | null) !== null;
  }

  function miss(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    // `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7): the methods it serves. No other method takes `*`.
    if (url === '*') {
      if (req.method === 'OPTIONS') res.writeHead(204, { allow: [...methods].sort().join(', ') }).end();
      else responder.respond(contextWithoutRoute(req), res, new HTTPException(400, "Bad Request: the request target '*' is only valid with OPTIONS"), 'router');
      return;
    }
    const allowed = [...methods].filter((method) => method !== req.method && takes(method, url));
    if (allowed.length > 0) {
      responder.respond(contextWithoutRoute(req), res, new HTTPException(405, 'Method Not Allowed', { allow: allowed.sort().join(', ') }), 'router');
      return;
    }
    // As Starlette's RedirectResponse: 307, the Location, an empty body.
    const sentUrl = (req as { originalUrl?: string }).originalUrl ?? url;
    const location = redirectSlashes ? slashRedirect(url, sentUrl, (path) => [...methods].some((method) => takes(method, path)), proxyPrefix(req)) : null;
    if (location !== null) res.writeHead(307, { location, 'content-length': 0 }).end();
    else responder.respond(contextWithoutRoute(req), res, new HTTPException(404, 'Not Found'), 'router');
  }

  function shed(req: IncomingMessage, res: ServerResponse): void {
    responder.respond(contextWithoutRoute(req), res, shedAnswer(guard!), 'loop guard');
  }

  /** `params`: paramsOf(match), worked out once per request by the dispatcher; null is a miss. */
  function serve(req: IncomingMessage, res: ServerResponse, match: Match | null, params: Record<string, unknown> | null): void {
    if (params === null) {
      miss(req, res);
      return;
    }
    if (guard !== null && guard.shedding && match!.store?.alwaysServe !== true) {
      shed(req, res);
      return;
    }
    (match!.handler as CompiledRoute)(req, res, params, match!.searchParams as string);
  }

  const observe = options.observe;
  // A request read just after a stall waited for the loop before dispatch: its duration says so.
  const clock = guard === null ? null : guard.clock;
  // Four variants chosen once, here: with metrics and the access log off, the first is the whole listener.
  if (options.recordRoute !== true) {
    if (observe === null) {
      return function dispatch(req, res) {
        const match = find(req.method!, req.url!);
        serve(req, res, match, paramsOf(match));
      };
    }
    // Metrics on: one 'finish' listener per request, so every answer counts (errors, 404s, shed ones).
    return function dispatchObserved(req, res) {
      const start = performance.now();
      const waited = clock === null ? 0 : clock.waited(start);
      const match = find(req.method!, req.url!);
      const params = paramsOf(match);
      const route = countedRoute(match, params);
      res.once('finish', () => observe(route, req.method!, res.statusCode, (performance.now() - start + waited) / 1000));
      serve(req, res, match, params);
    };
  }
  if (observe === null) {
    return function dispatchRecorded(req, res) {
      const match = find(req.method!, req.url!);
      const params = paramsOf(match);
      recordRoute(req, countedRoute(match, params));
      serve(req, res, match, params);
    };
  }
  return function dispatchObservedRecorded(req, res) {
    const start = performance.now();
    const waited = clock === null ? 0 : clock.waited(start);
    const match = find(req.method!, req.url!);
    const params = paramsOf(match);
    const route = countedRoute(match, params);
    recordRoute(req, route);
    res.once('finish', () => observe(route, req.method!, res.statusCode, (performance.now() - start + waited) / 1000));
    serve(req, res, match, params);
  };
}

/**
 * The params the matched route gets, or null for a miss: no match, or one its parameters' check
 * refuses (route-path.ts: an empty segment, as in Starlette). Once per request: the counted route
 * name, the access log and the handler all use it.
 */
function paramsOf(match: Match | null): Record<string, unknown> | null {
  if (match === null) return null;
  // No store: find-my-way's own answer to a bad URL or an over-long parameter (route-tree.ts), served as it is.
  const adapt = match.store?.adapt;
  return adapt == null ? match.params : adapt(match.params);
}

/** The first App to match keeps its route: under a mount, the outer App's ("MOUNT /legacy") stays. */
function recordRoute(req: IncomingMessage, route: string): void {
  if (route !== 'unmatched') (req as { [ROUTE_NAME]?: string })[ROUTE_NAME] ??= route;
}

/** The route a response is counted under: "unmatched" for a miss (and for find-my-way's own refusals). */
function countedRoute(match: Match | null, params: Record<string, unknown> | null): string {
  return params === null ? 'unmatched' : (match!.store?.name ?? 'unmatched');
}
