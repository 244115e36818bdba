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
import { exactPaths, type ExactPath } from './exact-routes.js';
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

type StaticRoute = { handler: CompiledRoute; store: RouteStore };
/** A static route's params, shaped as the tree's: an object with no prototype to inherit keys from. */
const NoParams = function NoParams() {} as unknown as new () => Record<string, unknown>;
NoParams.prototype = Object.create(null);

/** `adapt` (route-path.ts) is set for routes with parameters: a match it refuses is a miss. */
type RouteStore = { alwaysServe: boolean; name: string; adapt: ParamsAdapter | null };
/** `searchParams` undefined: matched without the URL (a prematched route), the query is read from it if used. */
type Match = { handler: unknown; params: Record<string, unknown>; searchParams: string | undefined; store: RouteStore | null };

/**
 * A route another router matched already (Bun's own, src/server/bun-server.ts), with the
 * dispatcher's work after the lookup: the guard, metrics, the access log's route name. `params`
 * are that router's, decoded; any it could have read differently from find-my-way (too long for
 * maxParamLength, a failed escape, a '%' or '#', or spelling an overlapping static path) send the
 * request through find-my-way instead.
 */
export interface PrematchedRoute {
  method: string;
  /** The path in find-my-way's syntax, which Bun's router shares for these (src/pipeline/exact-routes.ts). */
  path: string;
  serve(req: IncomingMessage, res: ServerResponse, params: Record<string, string> | undefined): void;
}

const PREMATCHED = Symbol('loopwise.prematchedRoutes');

/** The routes a listener made by createDispatcher can be handed already matched; none for any other listener (middleware in front). */
export function prematchedRoutes(listener: RequestListener): readonly PrematchedRoute[] {
  return (listener as { [PREMATCHED]?: PrematchedRoute[] })[PREMATCHED] ?? [];
}

/**
 * Builds the server's request listener: one radix-tree lookup (find-my-way, Fastify's router),
 * then the route's compiled function. Misses are resolved to 405 with `Allow`, a 307 to the path
 * with its trailing slash toggled, or 404, in Starlette's order.
 */
export function createDispatcher(routes: RouteTableEntry[], options: DispatchOptions): RequestListener {
  const { responder } = options;
  const router = createRouteTree<ServerResponse>(options.maxParamLength, (req, res, error) => responder.respond(contextWithoutRoute(req), res, error, 'router'));

  const methods = new Set<string>();
  const patterns = routes.map((route) => routePattern(route.path));
  const exact = new Map(exactPaths(patterns.map((pattern) => pattern.treePath)).map((entry) => [entry.path, entry]));
  const staticRoutes = new Map<string, Map<string, StaticRoute>>();
  const prematched: PrematchedRoute[] = [];
  routes.forEach((route, i) => {
    const { treePath, adapt } = patterns[i]!;
    const store: RouteStore = { alwaysServe: route.alwaysServe === true, name: route.name, adapt };
    router.on(route.method, treePath, route.handler as never, store);
    methods.add(route.method);
    const exactPath = exact.get(treePath);
    if (exactPath === undefined) return;
    prematched.push({ method: route.method, path: treePath, serve: exactPath.isStatic ? prematchedStatic(route.handler, store) : prematchedParams(route.handler, store, exactPath.spellsStatic) });
    if (exactPath.isStatic) {
      let table = staticRoutes.get(route.method);
      if (table === undefined) staticRoutes.set(route.method, (table = new Map()));
      table.set(treePath, { handler: route.handler, store });
    }
  });
  const guard = options.guard;
  const sharesSliceStart = guard !== null && guard.sharesSliceStart;
  const maxParamLength = options.maxParamLength;

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
    // On Bun, shedCheck() keeps the clock reading it took for the handler's first slice (a constant false on Node).
    if (guard !== null && (sharesSliceStart ? guard.shedCheck() : guard.shedding) && match!.store?.alwaysServe !== true) {
      shed(req, res);
      return;
    }
    if (!sharesSliceStart) {
      (match!.handler as CompiledRoute)(req, res, params, match!.searchParams);
      return;
    }
    try {
      (match!.handler as CompiledRoute)(req, res, params, match!.searchParams);
    } finally {
      guard!.sliceStart = -1; // that reading is for a slice in this call only
    }
  }

  const observe = options.observe;
  // A request read just after a stall waited for the loop before dispatch: its duration says so.
  const clock = guard === null ? null : guard.clock;
  // What follows the lookup, in one of four variants chosen once, here: with metrics and the access log off, serve() itself.
  const routed: typeof serve =
    options.recordRoute !== true
      ? observe === null
        ? serve
        : function routedObserved(req, res, match, params) {
            const start = performance.now();
            const waited = clock === null ? 0 : clock.waited(start);
            const route = countedRoute(match, params);
            // Metrics on: one 'finish' listener per request, so every answer counts (errors, 404s, shed ones).
            res.once('finish', () => observe(route, req.method!, res.statusCode, (performance.now() - start + waited) / 1000));
            serve(req, res, match, params);
          }
      : observe === null
        ? function routedRecorded(req, res, match, params) {
            recordRoute(req, countedRoute(match, params));
            serve(req, res, match, params);
          }
        : function routedObservedRecorded(req, res, match, params) {
            const start = performance.now();
            const waited = clock === null ? 0 : clock.waited(start);
            const route = countedRoute(match, params);
            recordRoute(req, route);
            res.once('finish', () => observe(route, req.method!, res.statusCode, (performance.now() - start + waited) / 1000));
            serve(req, res, match, params);
          };

  function dispatch(req: IncomingMessage, res: ServerResponse): void {
    const match = find(req.method!, req.url!);
    routed(req, res, match, paramsOf(match));
  }

  function prematchedStatic(handler: CompiledRoute, store: RouteStore): PrematchedRoute['serve'] {
    // The lookup's answer, the same for every request (serve() reads the params passed beside it).
    const match: Match = { handler, store, params: {}, searchParams: undefined };
    return function serveStatic(req, res) {
      routed(req, res, match, new NoParams());
    };
  }

  function prematchedParams(handler: CompiledRoute, store: RouteStore, spellsStatic: ExactPath['spellsStatic']): PrematchedRoute['serve'] {
    const adapt = store.adapt;
    const match: Match = { handler, store, params: {}, searchParams: undefined };
    return function serveWithParams(req, res, found) {
      const readAsTree = found !== undefined && readAlike(found, maxParamLength) && (spellsStatic === null || !spellsStatic(found));
      const params = !readAsTree ? null : adapt === null ? found : adapt(found);
      if (params === null) dispatch(req, res);
      else routed(req, res, match, params);
    };
  }

  (dispatch as { [PREMATCHED]?: PrematchedRoute[] })[PREMATCHED] = prematched;
  return dispatch;
}

/**
 * Whether another router's decoded params are the ones find-my-way would give: not over its
 * length limit (a 414 there), no U+FFFD (an escape that did not decode is a 400 there, and Bun
 * puts U+FFFD in its place), no '%' or '#' (what an odd escape or find-my-way's end of path may leave).
 */
function readAlike(params: Record<string, string>, maxParamLength: number): boolean {
  for (const key in params) {
    const value = params[key]!;
    if (value.length > maxParamLength || value.includes('\uFFFD') || value.includes('%') || value.includes('#')) return false;
  }
  return true;
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
