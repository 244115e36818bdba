// Route values: a route declared on its own, one per statement (`export const getNote =
// endpoint.get(...)`), and added to an App or Router with one `add(...)` call whose return type
// carries every route. That is how an app written statement by statement gets typed for
// `createClient<typeof app>` (docs/client.md): TypeScript cannot widen a variable's type through
// statements whose result is ignored, but it can through one call.
import type { Handler, HttpMethod, RouteEntries, RouteOptions } from './route.js';

/**
 * One route, not yet added anywhere: its methods, path, options and handler. `app.add(value)`
 * (or `router.add(value)`) registers it exactly as `app.get(path, options, handler)` would: the same
 * checks, and the router's prefix, tags, dependencies, `offload` and `timeout` apply to it.
 */
export interface Endpoint<M extends HttpMethod = HttpMethod, P extends string = string, O = RouteOptions> {
  readonly methods: readonly M[];
  readonly path: P;
  readonly options: O;
  readonly handler: (context: never) => unknown;
}

/** Any route value, whatever its method, path and options. */
export type AnyEndpoint = Endpoint<HttpMethod, string, unknown>;

/** The routes a list of route values adds, as the client types see them (one entry per method). */
export type EndpointEntries<E> = E extends Endpoint<infer M, infer P, infer O> ? RouteEntries<M, P, O> : never;

/**
 * What `add` takes. A value's handler is typed when it is declared, before any router: on an
 * offloaded router (or App) it must say `offload: true` or `false` itself, so that its handler's
 * `request` is typed as what it will get (a snapshot on a worker thread, or Node's request).
 */
export type AddableEndpoint<Offload extends boolean> = Offload extends true ? Endpoint<HttpMethod, string, { offload: boolean }> : AnyEndpoint;

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
}

const ENDPOINTS = new WeakSet<object>();

function make(methods: readonly HttpMethod[], path: unknown, optionsOrHandler: unknown, maybeHandler: unknown): AnyEndpoint {
  const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
  // Checked when added (router.ts), where the route's full name is known; kept as given until then.
  const value = Object.freeze({ methods: Object.freeze([...methods]), path, options, handler }) as AnyEndpoint;
  ENDPOINTS.add(value);
  return value;
}

function method<M extends HttpMethod>(name: M): EndpointMethod<M> {
  return ((path: unknown, optionsOrHandler: unknown, maybeHandler?: unknown) => make([name], path, optionsOrHandler, maybeHandler)) as EndpointMethod<M>;
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
});

export function isEndpoint(value: unknown): value is AnyEndpoint {
  return typeof value === 'object' && value !== null && ENDPOINTS.has(value);
}
