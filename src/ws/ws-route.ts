import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Static, TSchema } from '@sinclair/typebox';
import { LoopwiseError } from '../errors.js';
import type { AppState, Dependency, ResolvedDeps } from '../deps/dependency.js';
import type { PathParams } from '../route.js';
import type { MessageOption } from './message.js';
import type { WebSocketConnection } from './typed-socket.js';
import { nonNegativeNumber, positiveNumber } from '../option-checks.js';

/** What a WebSocket route declares: the handshake's parts (as an HTTP route's), its messages, its limits. */
export interface WebSocketRouteOptions {
  /** Path parameters; undeclared ones are strings named by the path itself. Invalid → the handshake is refused with 422. */
  params?: TSchema;
  /** The handshake's query string (browsers cannot set headers on a WebSocket: tokens often come this way). */
  query?: TSchema;
  /** The handshake's headers, matched lowercased. */
  headers?: TSchema;
  cookies?: TSchema;
  /** Dependencies resolved once, at connect; their values are the handler's `deps`. An HTTPException refuses the handshake with its status. */
  deps?: Record<string, Dependency<unknown>>;
  /** Dependencies run at connect for their effect (e.g. a check that throws 401); its routers' (and the App's) run first. */
  dependencies?: Dependency<unknown>[];
  /** Group the route under these names (in `loopwise routes`); its routers' tags are added. */
  tags?: string[];
  /**
   * Incoming messages. A schema: each must be a JSON text frame matching it (else close 1007; a
   * binary frame, 1003), and arrives parsed and typed. `'text'`: strings; `'binary'`: Buffers
   * (the other kind closes with 1003). Omitted: text frames as strings, binary ones as Buffers.
   */
  message?: MessageOption;
  /** Outgoing JSON messages: `send()` takes this type, and fields the schema does not name are dropped. */
  send?: TSchema;
  /** Largest incoming message in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Bytes buffered for a slow peer above which `send()` waits for them to drain. Default 64 KiB. */
  highWaterMark?: number;
  /** Ping every this many ms and cut a peer that did not answer the previous ping; `false`: never. Default 30 s. */
  heartbeat?: number | false;
}

type Declared<O, K extends string, Fallback> = O extends { [P in K]: infer S extends TSchema } ? Static<S> : Fallback;

/** The type of a route's incoming messages, from its `message` option. */
export type IncomingOf<O> = O extends { message: infer M }
  ? M extends 'text'
    ? string
    : M extends 'binary'
      ? Buffer
      : M extends TSchema
        ? Static<M>
        : string | Buffer
  : string | Buffer;

/** The type `send()` takes, from the route's `send` schema. */
export type OutgoingOf<O> = O extends { send: infer S extends TSchema } ? Static<S> : unknown;

/** The handler's second argument: the handshake's parts, typed from the route's schemas, and its dependencies' values. */
export interface WebSocketContext<P extends string = string, O extends WebSocketRouteOptions = WebSocketRouteOptions> {
  params: Declared<O, 'params', PathParams<P>>;
  query: Declared<O, 'query', Record<string, string | string[] | undefined>>;
  headers: Declared<O, 'headers', IncomingHttpHeaders>;
  cookies: Declared<O, 'cookies', Record<string, string | undefined>>;
  /** The values of the route's `deps`, resolved once when the socket connected. */
  deps: O extends { deps: infer D } ? ResolvedDeps<D> : {};
  /** The handshake request (Node's IncomingMessage). */
  request: IncomingMessage;
  /** What the app's lifespan and startup hooks set. */
  state: AppState;
}

export type WebSocketHandler<P extends string, O extends WebSocketRouteOptions> = (
  socket: WebSocketConnection<IncomingOf<O>, OutgoingOf<O>>,
  context: WebSocketContext<P, O>,
) => unknown;

/** `app.ws(path, handler)` or `app.ws(path, options, handler)`. */
export interface WebSocketMethod {
  <const P extends string, const O extends WebSocketRouteOptions>(path: P, options: O, handler: WebSocketHandler<P, O>): void;
  <const P extends string>(path: P, handler: WebSocketHandler<P, {}>): void;
}

/** @internal A WebSocket route as stored until the app listens: in the route table, its kind is `WS`. */
export interface WebSocketRouteDefinition {
  method: 'WS';
  path: string;
  options: WebSocketRouteOptions;
  handler: (socket: WebSocketConnection<unknown, unknown>, context: WebSocketContext) => unknown;
  /** @internal Set when dependencies' parts were merged in: whether the route declared `headers` itself. */
  ownParts?: { headers: boolean };
}

/** The registration checks only a WebSocket route has (its path, handler and dependencies are checked as an HTTP route's). */
export function checkWebSocketOptions(options: WebSocketRouteOptions, name: string): void {
  const message = options.message;
  if (message !== undefined && message !== 'text' && message !== 'binary' && (typeof message !== 'object' || message === null)) {
    throw new LoopwiseError('LW_ERR_INVALID_ROUTE', `the message option of ${name} must be a schema built with t, 'text' or 'binary', not ${JSON.stringify(message)}.`);
  }
  const check = { code: 'LW_ERR_INVALID_ROUTE' } as const;
  if (options.maxPayload !== undefined) positiveNumber(options.maxPayload, `maxPayload of ${name}`, { ...check, unit: 'bytes' });
  if (options.highWaterMark !== undefined) nonNegativeNumber(options.highWaterMark, `highWaterMark of ${name}`, { ...check, unit: 'bytes' });
  if (options.heartbeat !== undefined && options.heartbeat !== false) positiveNumber(options.heartbeat, `heartbeat of ${name}`, { ...check, unit: 'milliseconds' });
}

