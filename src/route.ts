import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { OptionalKind, Static, TObject, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { HttpResponse } from './responses/http-response.js';
import type { Reply } from './pipeline/reply.js';
import type { BackgroundTasks } from './deps/background-tasks.js';
import type { AppState, Dependency, ResolvedDeps } from './deps/dependency.js';
import type { MultipartOptions } from './forms/multipart-options.js';
import type { BodyMediaType, HttpMethod, RequestSnapshot } from './http-types.js';
import type { BodyParts } from './schema/body-parts.js';
import type { QueueOffload } from './queue/bullmq-config.js';

// Re-exported: users (and src/index.ts) have always found them here.
export type { BodyMediaType, HttpMethod, RequestSnapshot };

/** A streamed answer a route declares: `sse()`, `stream()` or `file()` (RouteOptions' `responseClass`). */
export type ResponseClass = 'sse' | 'stream' | 'file';

/** What a route declares once: its request parts, its responses, and its documentation. */
export interface RouteOptions {
  /** Path parameters; undeclared ones are strings named by the path itself. */
  params?: TSchema;
  query?: TSchema;
  /** Header names are matched lowercased, as HTTP/1.1 and Node deliver them. */
  headers?: TSchema;
  cookies?: TSchema;
  /**
   * One schema for the whole body, or named parts (`{ item: Item, user: User }`): the body is then
   * an object with a key per part, as FastAPI nests several body parameters (and `Body(embed=True)`).
   */
  body?: TSchema | BodyParts;
  /**
   * A schema per status; a returned value is written with (and filtered by) the one for its status.
   * Once declared, the route's `status` needs one (a startup error otherwise), and a value returned
   * with another status set by `reply.status()` is a logged 500, unless that status is in `unfiltered`.
   */
  response?: { [status: number]: TSchema };
  /**
   * Statuses the handler may set with `reply.status()` whose values are sent as they are, every
   * field (`JSON.stringify`), on a route that declares `response`: the explicit way out of filtering
   * for them. Documented with an open schema. See docs/security.md (API3).
   */
  unfiltered?: number[];
  /**
   * Leave out of the response the fields the returned value does not have, instead of writing their
   * defaults (FastAPI's `response_model_exclude_unset`). A field present with its default's value is
   * written. Applies to the schema of the route's `status`, nested objects included.
   */
  responseExcludeUnset?: boolean;
  /**
   * Only these top-level fields of the response (FastAPI's `response_model_include`), of the
   * route's `status` schema (an object, or an array of objects). A shortcut: a response schema of
   * its own says the same and documents it (the OpenAPI document still shows the whole schema).
   */
  responseInclude?: string[];
  /** Every top-level field of the response but these (FastAPI's `response_model_exclude`); see `responseInclude`. */
  responseExclude?: string[];
  /**
   * What the route answers with, when it is not JSON (FastAPI's `response_class`): `'sse'` for
   * `sse()`, `'stream'` for `stream()`, `'file'` for `file()`. Optional, and worth declaring: the
   * OpenAPI document then gives the route's status its real media type (`text/event-stream`, or
   * `mediaType`), and an offloaded route that declares one is refused at startup, since a stream
   * cannot come back from a worker thread (docs/streaming.md).
   */
  responseClass?: ResponseClass;
  /** The media type a `'stream'` or `'file'` route sends (`'application/pdf'`, `'text/csv'`), for the docs; `application/octet-stream` unless set. */
  mediaType?: string;
  /** Status for a returned value, 200 unless set (FastAPI's `status_code`). */
  status?: number;
  /** Bytes a body may have before the request is answered 413; the App's `bodyLimit` otherwise. Multipart bodies have `multipart.maxBodySize` instead. */
  bodyLimit?: number;
  /** Limits and storage for a `multipart/form-data` body (file size, body size, files, fields, spooling), over the App's `multipart`. */
  multipart?: MultipartOptions;
  /** Group the operation under these names in the docs. */
  tags?: string[];
  /** One line for the docs; by default made from the handler's name ("listItems" → "List Items") or its method and path. */
  summary?: string;
  /** Markdown, shown under the summary in the docs. */
  description?: string;
  /** Unique across the app; by default made from method and path ("GET /items/:id" → "getItemsById"). */
  operationId?: string;
  deprecated?: boolean;
  /** Leave the route out of the OpenAPI document and the docs pages (FastAPI's `include_in_schema=False`). */
  hidden?: boolean;
  /**
   * The body's content types, each documented: any other is never decoded and gets FastAPI's 422
   * (pipeline/refused-body.ts). Without it, only JSON is read: a form or plain-text body is one a
   * page on another site can send with the user's cookies (CSRF, docs/security.md), so a route takes
   * it only when it lists it here. A body with `upload()` fields must list `multipart/form-data`
   * alone (a multipart route reads urlencoded forms too, as FastAPI's do).
   */
  consumes?: BodyMediaType[];
  /** Dependencies whose values the handler gets as `deps`, typed: `deps: { user: currentUser }`. */
  deps?: Record<string, Dependency<unknown>>;
  /** Dependencies run for their effect (e.g. a check that throws 401), before the handler; their values are not passed. */
  dependencies?: Dependency<unknown>[];
  /** Fields merged as given into the route's OpenAPI operation (FastAPI's `openapi_extra`), e.g. `x-` extensions. */
  openapi?: Record<string, unknown>;
  /**
   * Run the handler on a worker thread (the App's offload pool), so blocking code never stalls
   * the event loop. The main thread still parses and validates; see docs/offload.md.
   * `{ queue: bullmq(redis(url)) }` runs it on a `loopwise worker` fleet instead (docs/scaling-out.md).
   */
  offload?: boolean | QueueOffload;
  /**
   * Pydantic's strict mode for the JSON body: its types are taken exactly as sent, so `"50.5"` for
   * a number is a 422 (`float_type`). Default false: a body that fails validation is converted as
   * Pydantic's lax mode converts it (`"50.5"` → 50.5, `"3"` → 3, `"yes"` → true) and validated
   * again. Path, query, header, cookie and form values are strings and always parsed. See docs/errors.md.
   */
  strict?: boolean;
  /**
   * Milliseconds before the client gets 504. An offloaded handler past it is stopped for real (its
   * worker is terminated and replaced); an inline async one is answered and left to finish unseen.
   */
  timeout?: number;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

// "id(^\\d+)", "from-:to", "name.json" → the parameter's own name.
type ParamName<S extends string> = S extends `${infer N}(${string}`
  ? N
  : S extends `${infer N}-${string}`
    ? N
    : S extends `${infer N}.${string}`
      ? N
      : S;

// Several parameters may share a segment ("from-:to", "file.:ext"): read on after each name.
type AfterName<Rest extends string, N extends string> = Rest extends `${N}-${infer More}` | `${N}.${infer More}` ? SegmentParams<More> : {};

type SegmentParams<S extends string> = S extends `:${infer Rest}`
  ? { [K in ParamName<Rest>]: string } & AfterName<Rest, ParamName<Rest>>
  : S extends '*'
    ? { '*': string }
    : S extends `*${infer Name}`
      ? { [K in Name]: string }
      : {};

type CollectParams<P extends string> = P extends `${infer Segment}/${infer Rest}`
  ? SegmentParams<Segment> & CollectParams<Rest>
  : SegmentParams<P>;

/**
 * `'/users/:id/files/*'` → `{ id: string; '*': string }`, `'/files/*file_path'` → `{ file_path: string }`,
 * read from the path string itself.
 */
export type PathParams<P extends string> = Simplify<CollectParams<P>>;

/**
 * A compile error at the route call for a `params` key the path does not have (every request
 * would lack it: a 422 each time): `options` must then also be `{ params: "<the message>" }`,
 * which no schema is. Only where the path is the route's full path (an App's own routes); a
 * Router's may get parameters from a prefix, so they are checked at startup (ready()) alone.
 */
export type ParamsInPath<P extends string, O> = string extends P
  ? unknown
  : O extends { params: TObject<infer Props> }
    ? [Exclude<keyof Props & string, keyof PathParams<P>>] extends [never]
      ? unknown
      : { params: `params declares "${Exclude<keyof Props & string, keyof PathParams<P>>}", which the path ${P} does not have: rename the key or the path parameter` }
    : unknown;

/** Named body parts' object: one key per part, `?` for `t.Optional(...)` ones; writable, as a handler's own value. */
type PartsStatic<B extends BodyParts> = { -readonly [K in keyof Static<TObject<B>>]: Static<TObject<B>>[K] };

type Declared<O, K extends string, Fallback> = O extends { [P in K]: infer S extends TSchema } ? Static<S> : Fallback;

/** The handler's argument: every declared part typed from its schema, with no annotation. */
export interface Context<P extends string = string, O extends RouteOptions = RouteOptions> {
  params: Declared<O, 'params', PathParams<P>>;
  query: Declared<O, 'query', Record<string, string | string[] | undefined>>;
  headers: Declared<O, 'headers', IncomingHttpHeaders>;
  cookies: Declared<O, 'cookies', Record<string, string | undefined>>;
  /** `undefined` when the body is declared `t.Optional(...)` and none was sent. */
  body: O extends { body: infer S extends TSchema }
    ? S extends { [OptionalKind]: 'Optional' }
      ? Static<S> | undefined
      : Static<S>
    : O extends { body: infer B extends BodyParts }
      ? PartsStatic<B>
      : undefined;
  /**
   * Node's request, for what the declared parts do not cover (raw streams, the socket). On a
   * worker thread it is a copy of the request line and headers: the socket stays on the main thread.
   */
  request: O extends { offload: true | QueueOffload } ? RequestSnapshot : IncomingMessage;
  /** Status, headers and cookies to send with the returned value. */
  reply: Reply;
  /** The values of the route's `deps`, each resolved once for this request. */
  deps: O extends { deps: infer D } ? ResolvedDeps<D> : {};
  /** Work to run after the response is sent (FastAPI's BackgroundTasks). */
  background: BackgroundTasks;
  /**
   * The client's IP address (FastAPI's `request.client.host`): the socket's peer or, with the
   * App's `trustProxy`, the one a trusted proxy forwarded in X-Forwarded-For. Read when used.
   */
  readonly ip: string;
  /** 'http' or 'https' as the client used it: a trusted proxy's X-Forwarded-Proto, else the socket's. */
  readonly protocol: string;
  /** The host the client asked for: a trusted proxy's X-Forwarded-Host, else the Host header. */
  readonly host: string;
  /**
   * The App's logger for this request: a child with `reqId` bound when the request has an id
   * (the requestId() middleware's, or the access log's), so its lines match the access line and
   * the error lines. Made on first read; a handler that never reads it pays nothing.
   */
  log: Logger;
  /**
   * What the app's lifespan and startup hooks set (`app.state`, typed by augmenting `AppState`),
   * as dependencies see it; on a worker thread, that thread's own lifespan's (docs/offload.md).
   */
  state: AppState;
}

/**
 * A handler returns one of its declared responses (extra fields allowed, then filtered) or an
 * HttpResponse; a route with `unfiltered` statuses may return anything for them, so anything.
 */
export type HandlerResult<O> = O extends { unfiltered: readonly number[] }
  ? unknown
  : O extends { response: infer R }
    ? { [S in keyof R]: R[S] extends TSchema ? Static<R[S]> : never }[keyof R] | HttpResponse
    : unknown;

export type Handler<P extends string, O extends RouteOptions> = (
  context: Context<P, O>,
) => HandlerResult<O> | Promise<HandlerResult<O>>;

/** What a Router's or App's `offload` may be: a worker thread (`true`), inline (`false`), or a queue. */
export type OffloadSetting = boolean | QueueOffload;

/** A route's own options as its handler sees them: its Router's (or App's) `offload` (true or a queue) applies unless it says otherwise. */
export type WithRouterOffload<Offload extends OffloadSetting, O> = O extends { offload: OffloadSetting }
  ? O
  : Offload extends true
    ? O & { offload: true }
    : Offload extends QueueOffload
      ? O & { offload: Offload }
      : O;

/**
 * One route as the types know it: its method (`WS` for a WebSocket route), its path (below its router's prefix until the router
 * is included) and the options it declared; not its handler. A router's routes are a union of
 * these, carried as a type parameter so `typeof app` can type a client (src/client/,
 * docs/client.md); nothing of it exists at runtime.
 */
export interface RouteEntry<M extends HttpMethod | 'WS' = HttpMethod, P extends string = string, O = RouteOptions> {
  method: M;
  path: P;
  options: O;
}

/** One entry per method, so `route(['GET', 'POST'], …)` adds two routes, not one with a union method. */
export type RouteEntries<M extends HttpMethod | 'WS', P extends string, O> = M extends HttpMethod | 'WS' ? RouteEntry<M, P, O> : never;

/** A route as stored until the app compiles it. */
export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  options: RouteOptions;
  handler: (context: never) => unknown;
  /** @internal Set when dependencies' parts were merged in: whether the route declared `headers` itself. */
  ownParts?: { headers: boolean };
}
