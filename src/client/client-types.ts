// The typed client's types: from the routes an App carries in its type (docs/client.md), what a
// call may send and what it can get back. Types only; create-client.ts is the runtime.
import type { Kind, OptionalKind, Static, TProperties, TSchema } from '@sinclair/typebox';
import type { HttpMethod, PathParams, RouteEntry } from '../route.js';
import type { RoutesOf } from '../router.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { ClientWebSocket } from './websocket-session.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type StaticOf<S> = S extends TSchema ? Static<S> : unknown;

// ---------------------------------------------------------------------------------------------
// A schema's input form: what a caller sends, before the server fills in defaults.

/** A property the caller may leave out: `t.Optional(...)`, or one with a `default` the server fills in. */
type OmittableKey<P extends TProperties> = {
  [K in keyof P]: P[K] extends { [OptionalKind]: 'Optional' } ? K : P[K] extends { default: unknown } ? K : never;
}[keyof P];

type InputObject<P extends TProperties> = Simplify<
  { [K in Exclude<keyof P, OmittableKey<P>>]: Input<P[K]> } & { [K in OmittableKey<P>]?: Input<P[K]> }
>;

/**
 * What a caller sends for a schema: its static type, except that object properties with a
 * `default` are optional (in objects and arrays of objects, at any depth; not inside unions).
 */
export type Input<S> = S extends { [Kind]: 'Object'; properties: infer P extends TProperties }
  ? InputObject<P>
  : S extends { [Kind]: 'Array'; items: infer I }
    ? Input<I>[]
    : StaticOf<S>;

// ---------------------------------------------------------------------------------------------
// A call's options.

/** A query value: repeated keys for an array, as the server parses them. */
export type QueryValue = string | number | boolean;
type LooseQuery = Record<string, QueryValue | readonly QueryValue[] | undefined>;
/** Headers any call may add (auth, tracing…), besides those the route declares. */
type LooseHeaders = Record<string, string | number | boolean | readonly string[] | undefined>;

/** A part the caller must pass when it has a required key, may leave out otherwise. */
type Part<Name extends string, T> = {} extends T ? { [K in Name]?: T } : { [K in Name]: T };

// ---------------------------------------------------------------------------------------------
// Dependencies' own request parts: the server merges a dependency's `query`, `headers` and
// `cookies` (and its own dependencies', at any depth) into the route's, so a call sends them too.

type UnionToIntersection<U> = [U] extends [never] ? unknown : (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The dependencies a route (or a dependency) names in `deps` and `dependencies`. */
type DependenciesOf<O> = (O extends { deps: infer D } ? D[keyof D] : never) | (O extends { dependencies: readonly (infer L)[] } ? L : never);
type DeclaredBy<Dep> = Dep extends { readonly __parts?: infer Parts } ? NonNullable<Parts> : never;

/** What every dependency of a route declared, down its `deps` (a few levels: deeper chains are rare, and cost tsc time). */
type DependencyParts<O, Depth extends unknown[] = []> = Depth['length'] extends 4
  ? never
  : DeclaredBy<DependenciesOf<O>> extends infer Parts
    ? Parts | (Parts extends unknown ? DependencyParts<Parts, [...Depth, unknown]> : never)
    : never;

type DependencySchemas<O, K extends string> = DependencyParts<O> extends infer Parts ? (Parts extends { [P in K]: infer S } ? S : never) : never;

/** Whether the route or one of its dependencies declares the part. */
type Declares<O, K extends string> = O extends { [P in K]: unknown } ? true : [DependencySchemas<O, K>] extends [never] ? false : true;

/** The part's input as the server validates it: the route's schema merged with its dependencies'. */
type MergedInput<O, K extends string> = Simplify<
  (O extends { [P in K]: infer S } ? Input<S> : unknown) & UnionToIntersection<DependencySchemas<O, K> extends infer S ? (S extends unknown ? Input<S> : never) : never>
>;

/** Path parameters: the `params` schema's types, strings (or numbers) for those it does not declare. */
type ParamsOf<P extends string, O> = O extends { params: infer S }
  ? Simplify<Omit<UndeclaredParams<P>, keyof Input<S>> & Input<S>>
  : UndeclaredParams<P>;
type UndeclaredParams<P extends string> = { [K in keyof PathParams<P>]: string | number };

type ParamsPart<P extends string, O> = keyof PathParams<P> extends never
  ? O extends { params: unknown }
    ? Part<'params', ParamsOf<P, O>>
    : { params?: never }
  : { params: ParamsOf<P, O> };

type QueryPart<O> = Declares<O, 'query'> extends true ? Part<'query', MergedInput<O, 'query'>> : { query?: LooseQuery };

type HeadersPart<O> = Declares<O, 'headers'> extends true ? Part<'headers', MergedInput<O, 'headers'> & LooseHeaders> : { headers?: LooseHeaders };

/** Cookies are typed when declared, but never required: a browser sends its own. */
type CookiesPart<O> = Declares<O, 'cookies'> extends true ? { cookies?: MergedInput<O, 'cookies'> } : { cookies?: Record<string, string> };

/**
 * A JSON body typed by the schema, or by its named parts (an object with a key per part, needed when
 * a part is); a form or multipart route takes the encoded body as it is, or its fields as `form`
 * (typed by the schema, sent URL-encoded, as a multipart route reads too).
 */
type BodyPart<O> = O extends { body: infer S }
  ? O extends { consumes: readonly (infer C)[] }
    ? 'application/json' extends C
      ? BodyOf<S>
      : FormOf<S>
    : BodyOf<S>
  : { body?: never; form?: never };
type FormOf<S> = S extends TSchema ? FormChoice<S extends { [OptionalKind]: 'Optional' } ? Input<S> | undefined : Input<S>> : FormChoice<InputObject<S & TProperties>>;
type FormChoice<Fields> = undefined extends Fields
  ? { body?: FormData | URLSearchParams; form?: Fields }
  : {} extends Fields
    ? { body?: FormData | URLSearchParams; form?: Fields }
    : { body: FormData | URLSearchParams; form?: never } | { form: Fields; body?: never };
type BodyOf<S> = S extends TSchema
  ? S extends { [OptionalKind]: 'Optional' }
    ? { body?: Input<S> }
    : { body: Input<S> }
  : S extends TProperties
    ? Part<'body', InputObject<S>>
    : never;

interface CallExtras {
  /** Aborts the request (and the wait for its response). */
  signal?: AbortSignal;
}

/** What one route's call takes, besides its path. */
export type CallOptions<R> =
  R extends RouteEntry<HttpMethod, infer P, infer O>
    ? BodyPart<O> extends infer Body
      ? Body extends unknown
        ? Simplify<ParamsPart<P, O> & QueryPart<O> & HeadersPart<O> & CookiesPart<O> & Body & CallExtras>
        : never
      : never
    : never;

type IsUnion<T, All = T> = T extends unknown ? ([All] extends [T] ? false : true) : never;

/**
 * The options argument, optional when nothing in it is required, and when the path is not one
 * route's (a wrong path then reads as such, not as a missing argument: `never` when the app's
 * type carries no routes of that method).
 */
export type CallArgs<P, R> = [R] extends [never]
  ? [options?: never]
  : true extends IsUnion<P>
    ? [options?: CallOptions<R>]
    : {} extends CallOptions<R>
      ? [options?: CallOptions<R>]
      : [options: CallOptions<R>];

// ---------------------------------------------------------------------------------------------
// A call's result.

/** FastAPI's 422 body, which every route that validates input can answer. */
export interface HTTPValidationError {
  detail: ValidationIssue[];
}

type Digit = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
type ToNumber<S> = S extends `${infer N extends number}` ? N : never;
/** Every status from 100 to 599 but the 2xx: the ones a route may answer without declaring them. */
type NonSuccessStatus = ToNumber<`${1 | 3 | 4 | 5}${Digit}${Digit}`>;

/**
 * A non-2xx status the route does not declare (401 from a security check, 404 of an unknown id
 * raised as HTTPException, 500, 503 while shedding load…): each one a literal, so that
 * `res.status === 200` narrows to the declared 200 alone.
 */
export type UndeclaredStatus<Declared = never> = Exclude<NonSuccessStatus, Declared>;

interface ResultBase {
  /** The response's headers. */
  headers: Headers;
  /** The fetch Response itself (its body already read). */
  response: Response;
}

/** One declared status: `ok` says whether it is 2xx, as `Response.ok`. */
export type ClientResult<Status extends number, Data> = Simplify<
  { status: Status; ok: `${Status}` extends `2${string}` ? true : false; data: Data } & ResultBase
>;

/**
 * Any other non-2xx status: its body as sent, so `unknown` (loopwise's own errors and
 * HTTPException send `{ detail }`). A 2xx the route does not declare is not typed: declare it.
 */
export type UndeclaredResult<Declared = never> = Simplify<{ status: UndeclaredStatus<Declared>; ok: false; data: unknown } & ResultBase>;

type SuccessStatus<O> = O extends { status: infer S extends number } ? S : 200;
type DeclaredResponses<O> = O extends { response: infer R } ? R : {};
type EmptyStatus = 204 | 205 | 304;

type DataOf<O, S> = S extends EmptyStatus
  ? undefined
  : S extends keyof DeclaredResponses<O>
    ? StaticOf<DeclaredResponses<O>[S]>
    : unknown;

/** Whether the route declares an input part, so it can answer 422 (the OpenAPI document says so too). */
type Validates<O> = O extends { params: unknown } | { query: unknown } | { headers: unknown } | { cookies: unknown } | { body: unknown }
  ? true
  : true extends Declares<O, 'query'> | Declares<O, 'headers'> | Declares<O, 'cookies'>
    ? true
    : false;

type StatusesOf<O> = (keyof DeclaredResponses<O> & number) | SuccessStatus<O>;

/** 422 when the route validates input and does not declare 422 itself. */
type ValidationStatus<O> = Validates<O> extends true ? (422 extends StatusesOf<O> ? never : 422) : never;

type RouteResults<O> =
  | { [S in StatusesOf<O>]: ClientResult<S, DataOf<O, S>> }[StatusesOf<O>]
  | (ValidationStatus<O> extends never ? never : ClientResult<422, HTTPValidationError>)
  | UndeclaredResult<StatusesOf<O> | ValidationStatus<O>>;

/**
 * What a call resolves to: one member per declared status (the route's `status` or 200, each
 * `response` status, 422 when it validates input), discriminated by `status`, and one for any
 * other status. HTTP errors are results too, never thrown; network failures reject.
 */
export type ClientResponse<R> = R extends RouteEntry<HttpMethod, string, infer O> ? RouteResults<O> : never;

// ---------------------------------------------------------------------------------------------
// The client.

/**
 * The routes of some methods by path, as they were declared ("/items/:id"): computed once per
 * client type and method, so a call looks its route up instead of searching the union.
 */
export type RoutesByPath<Routes, M extends HttpMethod | 'WS'> = {
  [R in Routes as R extends { method: M; path: infer P extends string } ? P : never]: R;
};

/**
 * What the path argument's type reads as when the client has no path to offer: tsc then says
 * `Argument of type '"/notes"' is not assignable to parameter of type '"typeof app carries no routes: …"'`.
 */
export type NoRoutes = 'typeof app carries no routes: chain the route calls, or declare routes with endpoint.get(...) and app.add(...) (docs/client.md)';
/** The same, for a method none of the app's typed routes has. */
export type NoRoutesFor<M extends HttpMethod> = `typeof app has no ${M} route: add it by a chained call or app.add(...), not a statement (docs/client.md)`;

/** The paths a call may take, or, when there is none, a message saying why. */
type PathArg<Paths, Missing extends string> = [keyof Paths] extends [never] ? Missing : keyof Paths & string;
type RouteAt<Paths, P> = Paths[P & keyof Paths];

/** One HTTP method's calls: the path of one of its routes, then that route's options. */
export type MethodCall<Paths, Missing extends string = NoRoutes> = <P extends PathArg<Paths, Missing>>(
  path: P,
  ...options: CallArgs<P, RouteAt<Paths, P>>
) => Promise<ClientResponse<RouteAt<Paths, P>>>;

/** A HEAD call: to a HEAD route or any GET route (the server answers HEAD for each); never a body. */
export type HeadCall<Paths, Missing extends string = NoRoutes> = <P extends PathArg<Paths, Missing>>(
  path: P,
  ...options: CallArgs<P, RouteAt<Paths, P>>
) => Promise<WithoutBody<ClientResponse<RouteAt<Paths, P>>>>;
type WithoutBody<Result> = Result extends unknown ? Simplify<Omit<Result, 'data'> & { data: undefined }> : never;

// ---------------------------------------------------------------------------------------------
// WebSocket routes: `api.ws(path, options)` opens a session (websocket-session.ts).

/** What `send()` takes: the route's `message` schema in input form; a `'binary'` route takes no JSON (`sendBytes`). */
export type WebSocketSendOf<O> = O extends { message: infer M } ? (M extends 'binary' ? never : M extends 'text' ? unknown : Input<M>) : unknown;
/** What arrives: the route's `send` schema's type (the server drops fields it does not name); `unknown` without one. */
export type WebSocketReceiveOf<O> = O extends { send: infer S extends TSchema } ? Static<S> : unknown;

interface WebSocketExtras {
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /** Milliseconds to wait for the handshake before giving up (the socket is then closed). Default 10 000. */
  openTimeout?: number;
  /** Aborts the handshake (and the wait for it). */
  signal?: AbortSignal;
}

/** What one WebSocket route's `api.ws()` takes, besides its path: the handshake's parts, as an HTTP call's. */
export type WebSocketCallOptions<R> =
  R extends RouteEntry<'WS', infer P, infer O> ? Simplify<ParamsPart<P, O> & QueryPart<O> & HeadersPart<O> & CookiesPart<O> & WebSocketExtras> : never;

type WebSocketCallArgs<P, R> = [R] extends [never]
  ? [options?: never]
  : true extends IsUnion<P>
    ? [options?: WebSocketCallOptions<R>]
    : {} extends WebSocketCallOptions<R>
      ? [options?: WebSocketCallOptions<R>]
      : [options: WebSocketCallOptions<R>];

/** The session a route's `api.ws()` resolves to: `send()` typed by its `message` schema, messages by its `send` schema. */
export type WebSocketSessionOf<R> = R extends RouteEntry<'WS', string, infer O> ? ClientWebSocket<WebSocketSendOf<O>, WebSocketReceiveOf<O>> : never;

/** The WebSocket routes' paths, as declared, when the client has none to offer. */
export type NoWebSocketRoutes = 'typeof app has no WebSocket route: chain app.ws(...), or declare it with endpoint.ws(...) and app.add(...) (docs/client.md)';

/** `api.ws(path, options)`: the path of one of the app's WebSocket routes, then its handshake's parts. */
export type WebSocketCall<Paths, Missing extends string = NoWebSocketRoutes> = <P extends PathArg<Paths, Missing>>(
  path: P,
  ...options: WebSocketCallArgs<P, RouteAt<Paths, P>>
) => Promise<WebSocketSessionOf<RouteAt<Paths, P>>>;

/** A client for the routes of `App` (`typeof app`), from `createClient<typeof app>(baseUrl)`. */
export interface Client<Routes> {
  get: MethodCall<RoutesByPath<Routes, 'GET'>, Missing<Routes, 'GET'>>;
  post: MethodCall<RoutesByPath<Routes, 'POST'>, Missing<Routes, 'POST'>>;
  put: MethodCall<RoutesByPath<Routes, 'PUT'>, Missing<Routes, 'PUT'>>;
  patch: MethodCall<RoutesByPath<Routes, 'PATCH'>, Missing<Routes, 'PATCH'>>;
  delete: MethodCall<RoutesByPath<Routes, 'DELETE'>, Missing<Routes, 'DELETE'>>;
  head: HeadCall<RoutesByPath<Routes, 'GET' | 'HEAD'>, Missing<Routes, 'HEAD'>>;
  options: MethodCall<RoutesByPath<Routes, 'OPTIONS'>, Missing<Routes, 'OPTIONS'>>;
  /** Opens a WebSocket to one of the app's `app.ws()` routes: resolves once the server accepted it. */
  ws: WebSocketCall<RoutesByPath<Routes, 'WS'>, [Routes] extends [never] ? NoRoutes : NoWebSocketRoutes>;
}
type Missing<Routes, M extends HttpMethod> = [Routes] extends [never] ? NoRoutes : NoRoutesFor<M>;

/** The client of an App or Router type: `ClientOf<typeof app>`. */
export type ClientOf<T> = Client<RoutesOf<T>>;
