// Route values: a route declared on its own, one per statement (`export const getNote =
// endpoint.get(...)`), and added to an App or Router with one `add(...)` call whose return type
// carries every route. That is how an app written statement by statement gets typed for
// `createClient<typeof app>` (docs/client.md): TypeScript cannot widen a variable's type through
// statements whose result is ignored, but it can through one call.
import type { QueueOffload } from './queue/bullmq-config.js';
import type { Handler, HttpMethod, OffloadSetting, RouteEntries, RouteOptions } from './route.js';
import type { WebSocketHandler, WebSocketRouteOptions } from './ws/ws-route.js';

/**
 * One route, not yet added anywhere: its methods, path, options and handler. `app.add(value)`
 * (or `router.add(value)`) registers it exactly as `app.get(path, options, handler)` would: the same
 * checks, and the router's prefix, tags, dependencies, `offload` and `timeout` apply to it.
 */
export interface Endpoint<M extends HttpMethod | 'WS' = HttpMethod, P extends string = string, O = RouteOptions> {
  readonly methods: readonly M[];
  readonly path: P;
  readonly options: O;
  readonly handler: (context: never) => unknown;
}

/** Any route value, whatever its method, path and options. */
export type AnyEndpoint = Endpoint<HttpMethod | 'WS', string, unknown>;

/** The routes a list of route values adds, as the client types see them (one entry per method). */
export type EndpointEntries<E> = E extends Endpoint<infer M, infer P, infer O> ? RouteEntries<M, P, O> : never;

/**
 * What `add` takes. A value's handler is typed when it is declared, before any router: on an
 * offloaded router (or App) it must say `offload: true` or `false` itself, so that its handler's
 * `request` is typed as what it will get (a snapshot on a worker thread, or Node's request).
 */
// A WebSocket route is never offloaded (its handler runs where the socket is), so it need not say.
export type AddableEndpoint<Offload extends OffloadSetting> = Offload extends true | QueueOffload ? Endpoint<HttpMethod, string, { offload: OffloadSetting }> | Endpoint<'WS', string, unknown> : AnyEndpoint;

/** `endpoint.get(path, handler)` or `endpoint.get(path, options, handler)`: typed as `app.get(...)`'s handler is. */
export interface EndpointMethod<M extends HttpMethod> {
  <const P extends string, const O extends RouteOptions>(path: P, options: O, handler: Handler<P, O>): Endpoint<M, P, O>;
  <const P extends string>(path: P, handler: Handler<P, {}>): Endpoint<M, P, {}>;
}

export interface EndpointFactory {
  get: EndpointMethod<'GET'>;
  post: EndpointMethod<'POST'>;
  put: EndpointMethod<'PUT'>;
  patch: EndpointMethod<'PATCH'>;
  delete: EndpointMethod<'DELETE'>;
  head: EndpointMethod<'HEAD'>;
  options: EndpointMethod<'OPTIONS'>;
  /** One handler for several methods, as `app.route(methods, path, options, handler)`. */
  route<M extends HttpMethod, const P extends string, const O extends RouteOptions>(methods: M | M[], path: P, options: O, handler: Handler<P, O>): Endpoint<M, P, O>;
  /** A WebSocket route, as `app.ws(path, options, handler)` (docs/websockets.md). */
  ws: WebSocketEndpointMethod;
}

/** `endpoint.ws(path, handler)` or `endpoint.ws(path, options, handler)`: typed as `app.ws(...)`'s handler is. */
export interface WebSocketEndpointMethod {
  <const P extends string, const O extends WebSocketRouteOptions>(path: P, options: O, handler: WebSocketHandler<P, O>): Endpoint<'WS', P, O>;
  <const P extends string>(path: P, handler: WebSocketHandler<P, {}>): Endpoint<'WS', P, {}>;
}

const ENDPOINTS = new WeakSet<object>();

function make(methods: readonly (HttpMethod | 'WS')[], path: unknown, optionsOrHandler: unknown, maybeHandler: unknown): AnyEndpoint {
  const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
  // Checked when added (router.ts), where the route's full name is known; kept as given until then.
  const value = Object.freeze({ methods: Object.freeze([...methods]), path, options, handler }) as AnyEndpoint;
  ENDPOINTS.add(value);
  return value;
}

function method<M extends HttpMethod | 'WS'>(name: M): never {
  return ((path: unknown, optionsOrHandler: unknown, maybeHandler?: unknown) => make([name], path, optionsOrHandler, maybeHandler)) as never;
}

/**
 * Declares a route as a value, FastAPI's path operation on its own: `export const getNote =
 * endpoint.get('/notes/:id', { params: … }, handler)`, then `new App().add(getNote, …)`.
 */
export const endpoint: EndpointFactory = Object.freeze({
  get: method('GET'),
  post: method('POST'),
  put: method('PUT'),
  patch: method('PATCH'),
  delete: method('DELETE'),
  head: method('HEAD'),
  options: method('OPTIONS'),
  route: ((methods: unknown, path: unknown, options: unknown, handler: unknown) =>
    make(Array.isArray(methods) ? methods : [methods as HttpMethod], path, options, handler)) as EndpointFactory['route'],
  ws: method('WS'),
});

export function isEndpoint(value: unknown): value is AnyEndpoint {
  return typeof value === 'object' && value !== null && ENDPOINTS.has(value);
}
