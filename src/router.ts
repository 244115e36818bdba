import { LoopwiseError } from './errors.js';
import { isDependency, type Dependency } from './deps/dependency.js';
import type { Handler, HttpMethod, OffloadSetting, ParamsInPath, RouteDefinition, RouteEntries, RouteEntry, RouteOptions, WithRouterOffload } from './route.js';
import type { QueueOffload } from './queue/bullmq-config.js';
import { checkWebSocketOptions, type WebSocketHandler, type WebSocketRouteDefinition, type WebSocketRouteOptions } from './ws/ws-route.js';
import { routeName } from './route-name.js';
import { HTTP_METHODS } from './http-types.js';
import { positiveNumber } from './option-checks.js';
import { routePattern } from './pipeline/route-path.js';
import { isEndpoint, type AddableEndpoint, type EndpointEntries } from './endpoint.js';

export interface RouterOptions {
  /** Prepended to every route's path, e.g. "/items". */
  prefix?: string;
  /** Added to every route's tags (they group operations in the docs). */
  tags?: string[];
  /**
   * Offload every route (that does not say otherwise): `true` to the worker pool, or
   * `{ queue: bullmq(redis(url)) }` to a `loopwise worker` fleet (docs/scaling-out.md).
   */
  offload?: boolean | QueueOffload;
  /** Default `timeout` in ms for every route that does not set its own. */
  timeout?: number;
  /** Leave every route out of the OpenAPI document and docs pages (a route's own `hidden` wins). */
  hidden?: boolean;
  /** Pydantic's strict mode for every route's JSON body (a route's own `strict` wins); see RouteOptions' `strict`. */
  strict?: boolean;
  /** Dependencies run before every route's handler, for their effect (e.g. an auth check); outer routers' run too. */
  dependencies?: Dependency<unknown>[];
}

/** Any router, whatever its routes: what `include` and `mount` take. */
export type AnyRouter = Router<OffloadSetting, any, any>;

/**
 * What a route method returns, for the routes it adds: `(Next & { added: X })['chained']`. Each
 * class says what it returns (an App returns an App), since a subclass cannot re-parameterize `this`.
 */
export interface ChainTo {
  added: unknown;
  chained: unknown;
  /** True where a route's path is its full path (an App's own routes): `params` is then checked against it in the types. */
  fullPaths?: boolean;
}
export interface RouterChain<Offload extends OffloadSetting, Routes, Prefix extends string> extends ChainTo {
  chained: Router<Offload, Routes | this['added'], Prefix>;
}
type Chained<Next extends ChainTo, Added> = (Next & { added: Added })['chained'];

/**
 * `app.get(path, handler)` or `app.get(path, options, handler)`. It returns the router (or app)
 * it was called on, typed with the new route added, so a chain of calls carries every route in
 * its type (docs/client.md); a statement that ignores the result works as before.
 */
export interface RouteMethod<M extends HttpMethod, Offload extends OffloadSetting, Next extends ChainTo> {
  <const P extends string, const O extends RouteOptions>(
    path: P,
    options: O & (Next extends { fullPaths: true } ? ParamsInPath<P, O> : unknown),
    handler: Handler<P, WithRouterOffload<Offload, O>>,
  ): Chained<Next, RouteEntry<M, P, O>>;
  <const P extends string>(path: P, handler: Handler<P, WithRouterOffload<Offload, {}>>): Chained<Next, RouteEntry<M, P, {}>>;
}

/**
 * `app.ws(path, handler)` or `app.ws(path, options, handler)`: like a RouteMethod, it returns the
 * router (or app) typed with the WebSocket route added (method `WS`), for `api.ws(...)` of the
 * typed client (docs/client.md); a statement that ignores the result works as before.
 */
export interface WebSocketRouteMethod<Next extends ChainTo> {
  <const P extends string, const O extends WebSocketRouteOptions>(path: P, options: O, handler: WebSocketHandler<P, O>): Chained<Next, RouteEntry<'WS', P, O>>;
  <const P extends string>(path: P, handler: WebSocketHandler<P, {}>): Chained<Next, RouteEntry<'WS', P, {}>>;
}

/**
 * `normalizePrefix` in types: "items/" → "/items", "/" → "". A prefix that is not a literal type
 * (a `string`: no prefix given, or one computed at runtime) adds nothing to the typed paths.
 */
export type NormalizePrefix<S extends string> = string extends S
  ? ''
  : S extends '' | '/'
    ? ''
    : S extends `/${string}`
      ? TrimSlash<S>
      : TrimSlash<`/${S}`>;
type TrimSlash<S extends string> = S extends `${infer Head}/` ? Head : S;

/** `joinPath` in types: the prefix, then the path; a router's root ("/") is its prefix and a slash, as in FastAPI. */
type JoinPath<Prefix extends string, P extends string> = Prefix extends '' ? P : `${Prefix}${P}`;

/** The routes with a (normalized) prefix in front of their paths. */
export type Prefixed<Routes, Prefix extends string> = Prefix extends ''
  ? Routes
  : Routes extends RouteEntry<infer M, infer P, infer O>
    ? RouteEntry<M, JoinPath<Prefix, P>, O>
    : never;

/**
 * Where a router's type keeps its routes: a method's parameter, which TypeScript compares both
 * ways, so `Router<false, SomeRoutes, '/items'>` is assignable to a plain `Router` (and an App with
 * routes to `App`), as code written before routes were typed expects.
 */
type RoutesSlot<Routes> = { carry(routes: Routes): void }['carry'];

/** A router's (or app's) routes as seen from outside it: full paths, its own prefix included. */
export type RoutesOf<R> = R extends { readonly '~routes'?: RoutesSlot<infer Routes>; readonly '~prefix'?: infer Prefix extends string }
  ? Prefixed<Routes, NormalizePrefix<Prefix>>
  : never;

/** What a route table entry is: an HTTP method, or `WS` for a WebSocket route (its handshake is a GET, its name "WS /path"). */
export type RouteKind = HttpMethod | 'WS';

/** What a router keeps of any route, HTTP or WebSocket, to scope it under its prefix, tags and dependencies. */
interface ScopedRoute {
  method: RouteKind;
  path: string;
  options: { tags?: string[]; dependencies?: Dependency<unknown>[] };
}

/**
 * A group of routes sharing a prefix and tags, included into an App (or another Router) with
 * `include`. Routes added to a router before the app starts are all picked up.
 *
 * Its type carries the routes added by chained calls (`Routes`, none by default) and its prefix
 * (`Prefix`; the default `string` reads as none, so that a plain `Router` annotation takes a
 * router of any prefix: hence `out`, declared covariant), for `createClient` (docs/client.md).
 */
export class Router<Offload extends OffloadSetting = false, Routes = never, out Prefix extends string = string> {
  readonly prefix: string;
  readonly tags: readonly string[];
  readonly offload: boolean | QueueOffload | undefined;
  readonly timeout: number | undefined;
  readonly hidden: boolean | undefined;
  readonly strict: boolean | undefined;
  readonly dependencies: readonly Dependency<unknown>[];
  private readonly own: RouteDefinition[] = [];
  private readonly ownWebSockets: WebSocketRouteDefinition[] = [];
  private readonly included: { router: AnyRouter; options: RouterOptions }[] = [];
  /** Set when an app compiled these routes: later additions would be silently lost, so they throw. */
  private frozen = false;

  /**
   * Types only, never set: this router's routes (paths below its prefix) and its prefix, which
   * `include` and `createClient<typeof app>` read (docs/client.md). The routes are compared
   * bivariantly, so a router with routes is still a `Router` wherever one is expected.
   */
  declare readonly '~routes'?: RoutesSlot<Routes>;
  declare readonly '~prefix'?: Prefix;

  readonly get: RouteMethod<'GET', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('GET');
  readonly post: RouteMethod<'POST', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('POST');
  readonly put: RouteMethod<'PUT', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('PUT');
  readonly patch: RouteMethod<'PATCH', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('PATCH');
  readonly delete: RouteMethod<'DELETE', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('DELETE');
  readonly head: RouteMethod<'HEAD', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('HEAD');
  readonly options: RouteMethod<'OPTIONS', Offload, RouterChain<Offload, Routes, Prefix>> = this.method('OPTIONS');
  /** A WebSocket endpoint: `ws(path, options?, handler)`, typed like a route, scoped like one (docs/websockets.md); chained, it is in the router's type. */
  readonly ws: WebSocketRouteMethod<RouterChain<Offload, Routes, Prefix>> = this.webSocketMethod();

  // `offload` and `prefix` are type parameters too: handlers of an offloaded router are typed as
  // offloaded, and the routes a client sees carry the prefix.
  constructor(options: RouterOptions & { offload?: Offload; prefix?: Prefix } = {}) {
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.tags = options.tags ?? [];
    this.offload = options.offload;
    if (options.timeout !== undefined) assertTimeout(options.timeout, 'the timeout option');
    this.timeout = options.timeout;
    this.hidden = options.hidden;
    this.strict = options.strict;
    this.dependencies = checkDependencies(options.dependencies, 'the dependencies option');
  }

  /** One handler for several methods: `route(['GET', 'POST'], '/path', options, handler)`. */
  route<M extends HttpMethod, const P extends string, const O extends RouteOptions>(
    methods: M | M[],
    path: P,
    options: O,
    handler: Handler<P, WithRouterOffload<Offload, O>>,
  ): Router<Offload, Routes | RouteEntries<M, P, O>, Prefix> {
    for (const method of Array.isArray(methods) ? methods : [methods]) this.addRoute(method, path, options, handler as (context: never) => unknown);
    return this as never;
  }

  /**
   * Adds route values (`endpoint.get(...)`, src/endpoint.ts), each exactly as the same
   * `get(path, options, handler)` call would; typed with them added, so an app or router written
   * one route per statement still carries its routes for `createClient` (docs/client.md).
   */
  add<const E extends readonly AddableEndpoint<Offload>[]>(...endpoints: E): Router<Offload, Routes | EndpointEntries<E[number]>, Prefix> {
    this.addEndpoints(endpoints);
    return this as never;
  }

  /** Adds a router's routes under this one, below `options.prefix`; typed with them (and the prefixes) added. */
  include<R extends AnyRouter, const IncludePrefix extends string = ''>(
    router: R,
    options: RouterOptions & { prefix?: IncludePrefix } = {},
  ): Router<Offload, Routes | Prefixed<RoutesOf<R>, NormalizePrefix<IncludePrefix>>, Prefix> {
    this.assertNotFrozen('include a router');
    if ((router as AnyRouter) === this) throw new LoopwiseError('LW_ERR_INVALID_ROUTE', 'a router cannot include itself.');
    this.included.push({ router, options });
    return this as never;
  }

  /** Every route of this router and the ones it includes, with prefixes and tags applied. */
  routes(): RouteDefinition[] {
    return this.collect(this.own, (router) => router.routes(), withDefaults);
  }

  /** Every WebSocket route of this router and the ones it includes, with prefixes, tags and dependencies applied as to its HTTP routes. */
  webSocketRoutes(): WebSocketRouteDefinition[] {
    return this.collect(this.ownWebSockets, (router) => router.webSocketRoutes(), (route) => route);
  }

  /** Called by the app when it compiles: this router and every router it includes stop changing. */
  freeze(): void {
    this.frozen = true;
    for (const { router } of this.included) router.freeze();
  }

  protected assertNotFrozen(action: string): void {
    if (this.frozen) {
      throw new LoopwiseError(
        'LW_ERR_ROUTES_FROZEN',
        `cannot ${action}: the app has started and its routes are compiled. Register everything before listen() or inject().`,
      );
    }
  }

  protected addRoute(method: HttpMethod, path: string, options: RouteOptions, handler: (context: never) => unknown): void {
    this.assertNotFrozen(`add ${method} ${path}`);
    if (!HTTP_METHODS.includes(method)) {
      throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `unknown method "${method}"; use one of ${HTTP_METHODS.join(', ')}.`);
    }
    checkRoute(method, path, options, handler);
    if (options.timeout !== undefined) assertTimeout(options.timeout, `the timeout of ${method} ${path}`);
    this.own.push({ method, path, options, handler });
  }

  private addEndpoints(endpoints: readonly unknown[]): void {
    for (const [index, value] of endpoints.entries()) {
      if (!isEndpoint(value)) {
        const hint = typeof value === 'function' ? ': a handler goes in get(path, handler)' : typeof value === 'string' ? ': a path goes in get(path, options, handler)' : '';
        throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `add() takes route values made with endpoint.get(path, options, handler) (or post, put…), but argument ${index + 1} is ${value === null ? 'null' : typeof value}${hint}.`);
      }
      if (value.methods[0] === 'WS') this.addWebSocket(value.path, value.options as WebSocketRouteOptions, value.handler);
      else for (const method of value.methods as readonly HttpMethod[]) this.addRoute(method, value.path, value.options as RouteOptions, value.handler);
    }
  }

  /** The same checks as an HTTP route's, then the WebSocket-only options (message, limits). */
  private addWebSocket(path: string, options: WebSocketRouteOptions, handler: unknown): void {
    this.assertNotFrozen(`add WS ${path}`);
    checkRoute('WS', path, options, handler);
    checkWebSocketOptions(options, `WS ${path}`);
    this.ownWebSockets.push({ method: 'WS', path, options, handler: handler as WebSocketRouteDefinition['handler'] });
  }

  // Typed by the property it initializes (a Router's or, re-declared, an App's).
  private webSocketMethod(): never {
    return ((path: string, optionsOrHandler: unknown, maybeHandler?: unknown) => {
      const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
      this.addWebSocket(path, options as WebSocketRouteOptions, handler);
      return this;
    }) as never;
  }

  // Typed by the property it initializes (a Router's or, re-declared, an App's).
  private method(method: HttpMethod): never {
    return ((path: string, optionsOrHandler: unknown, maybeHandler?: unknown) => {
      const [options, handler] =
        typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
      this.addRoute(method, path, options as RouteOptions, handler as (context: never) => unknown);
      return this;
    }) as never;
  }

  /** This router's routes, then each included router's, scoped by the include and then by this router. */
  private collect<R extends ScopedRoute>(own: readonly R[], inner: (router: AnyRouter) => R[], defaults: (route: R, from: InheritedDefaults) => R): R[] {
    const all: R[] = own.map((route) => this.scoped(route, defaults, '', []));
    for (const { router, options } of this.included) {
      const prefix = normalizePrefix(options.prefix ?? '');
      const dependencies = checkDependencies(options.dependencies, 'the dependencies of include()');
      for (const route of inner(router)) all.push(this.scoped(defaults(route, options), defaults, prefix, options.tags ?? [], dependencies));
    }
    return all;
  }

  /** This router's prefix goes outside the include's prefix, which goes outside the route's path. */
  private scoped<R extends ScopedRoute>(
    route: R,
    defaults: (route: R, from: InheritedDefaults) => R,
    includePrefix: string,
    includeTags: readonly string[],
    includeDependencies: readonly Dependency<unknown>[] = [],
  ): R {
    const tags = [...this.tags, ...includeTags, ...(route.options.tags ?? [])];
    // Outer routers' dependencies run first, as their prefixes come first.
    const dependencies = [...this.dependencies, ...includeDependencies, ...(route.options.dependencies ?? [])];
    const defaulted = defaults(route, this);
    let options = tags.length > 0 ? { ...defaulted.options, tags: [...new Set(tags)] } : defaulted.options;
    if (dependencies.length > 0) options = { ...options, dependencies };
    return { ...defaulted, path: joinPath(this.prefix + includePrefix, route.path), options };
  }
}

/** Parameter names do not change what a path matches: "/items/:id" and "/items/:name" collide, as "/files/*" and "/files/*file_path". */
export function routeKey(kind: RouteKind, path: string): string {
  return `${kind} ${routePattern(path).treePath.replace(/:[^/(.-]+/g, ':')}`;
}

/** Throws LW_ERR_DUPLICATE_ROUTE, naming both, at the first route that matches the same requests as an earlier one. */
export function assertUniqueRoutes(routes: readonly { method: RouteKind; path: string }[]): void {
  const seen = new Map<string, string>();
  for (const { method, path } of routes) {
    const key = routeKey(method, path);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new LoopwiseError('LW_ERR_DUPLICATE_ROUTE', `${routeName(method, path)} matches the same requests as ${earlier}; remove one, or give them different paths.`);
    }
    seen.set(key, routeName(method, path));
  }
}

/** The checks every route gets at registration, HTTP or WebSocket: its path, its handler, its dependencies. */
function checkRoute(kind: RouteKind, path: string, options: Pick<RouteOptions, 'deps' | 'dependencies'>, handler: unknown): void {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the path of ${kind} ${String(path)} must start with "/".`);
  }
  routePattern(path); // throws for a wildcard that does not end the path
  if (typeof handler !== 'function') {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `${kind} ${path} needs a handler function as its last argument.`);
  }
  checkDependencies(options.dependencies, `the dependencies of ${kind} ${path}`);
  for (const [key, value] of Object.entries(options.deps ?? {})) {
    if (!isDependency(value)) throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `deps.${key} of ${kind} ${path} is not a dependency: wrap the function in dependency().`);
  }
}

const INHERITED = ['offload', 'timeout', 'hidden', 'strict'] as const;
type InheritedDefaults = Pick<RouterOptions, (typeof INHERITED)[number]>;

/** A route's own `offload`, `timeout`, `hidden` and `strict` win over its router's (and the nearest router's over outer ones). */
function withDefaults(route: RouteDefinition, defaults: InheritedDefaults): RouteDefinition {
  const missing = INHERITED.filter((key) => route.options[key] === undefined && defaults[key] !== undefined);
  if (missing.length === 0) return route;
  const options: Record<string, unknown> = { ...route.options };
  for (const key of missing) options[key] = defaults[key];
  return { ...route, options };
}

function checkDependencies(dependencies: Dependency<unknown>[] | undefined, what: string): Dependency<unknown>[] {
  if (dependencies === undefined) return [];
  if (!Array.isArray(dependencies) || !dependencies.every(isDependency)) {
    throw new LoopwiseError('LW_ERR_INVALID_DEPENDENCY', `${what} must be a list of dependencies made with dependency().`);
  }
  return dependencies;
}

function assertTimeout(timeout: number, what: string): void {
  positiveNumber(timeout, what, { unit: 'milliseconds', code: 'LW_ERR_INVALID_ROUTE' });
}

function normalizePrefix(prefix: string): string {
  if (prefix === '' || prefix === '/') return '';
  const withSlash = prefix.startsWith('/') ? prefix : `/${prefix}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

/**
 * "/items" + "/" is "/items/", as FastAPI's `APIRouter(prefix="/items")` with `@router.get("/")`:
 * "/items" reaches it by the App's trailing-slash redirect (redirectSlashes).
 */
function joinPath(prefix: string, path: string): string {
  return prefix + path;
}
