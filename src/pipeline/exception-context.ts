import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { AppState } from '../deps/dependency.js';
import type { RequestSnapshot } from '../http-types.js';
import { parseCookies, parseQuery, type RequestContext } from './context.js';
import { requestIdOf } from './request-id.js';

/**
 * What an exception handler gets beside the error (`app.exceptionHandler(key, (error, context) => …)`):
 * the request as far as it got, never the pipeline's own state. Starlette's `request`, in the
 * parts an error answer reads.
 */
export interface ExceptionContext {
  /** Node's request; on a worker thread (an offloaded route), a copy of its line and headers. */
  readonly request: IncomingMessage | RequestSnapshot;
  /** `GET`, `POST`… */
  readonly method: string;
  /** The URL's path as this App received it, without the query string: `/items/7`. */
  readonly path: string;
  /** The route that took the request (`GET /items/:id`, `WS /chat`), or null: a miss (404, 405), a middleware's error, a refused request. */
  readonly route: string | null;
  /** The path parameters, as validated when they were (strings otherwise); `{}` without a route. */
  readonly params: Record<string, unknown>;
  /** The query string, parsed; `{}` when it could not be (the error may be about it). */
  readonly query: Record<string, string | string[]>;
  /** Every request header, as Node gives them (lowercased names). */
  readonly headers: IncomingHttpHeaders;
  readonly cookies: Record<string, string | undefined>;
  /**
   * The body as decoded when the error came (FastAPI's `exc.body` of a RequestValidationError):
   * the JSON value, the form's fields; undefined when none was read.
   */
  readonly body: unknown;
  /** What the lifespan and startup hooks set up (`app.state`). */
  readonly state: AppState;
  /** The App's logger, with the request's `reqId` bound when it has one. */
  readonly log: Logger;
}

const ROUTE_NAME = /^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|WS) \//;

/**
 * The handler's view of a request's context, made only when a handler runs (the error path): a
 * plain object, so a spread or a log shows what it holds, and nothing of the pipeline's state.
 */
export function exceptionContext(context: RequestContext, route: string, state: AppState, appLog: Logger): ExceptionContext {
  const request = context.request;
  const url = request.url ?? '/';
  const mark = url.indexOf('?');
  return {
    request,
    method: request.method ?? 'GET',
    path: mark === -1 ? url : url.slice(0, mark),
    route: ROUTE_NAME.test(route) ? route : null,
    params: context.params,
    query: readOr(() => (context.parsedQuery as Record<string, string | string[]> | undefined) ?? parseQuery(context.rawQuery)),
    headers: request.headers,
    cookies: readOr(() => (context.parsedCookies as Record<string, string | undefined> | undefined) ?? parseCookies(request.headers.cookie)),
    body: context.body,
    state,
    log: (context as { log?: Logger }).log ?? withRequestId(appLog, request),
  };
}

/** A query string or Cookie header that cannot be parsed reads as empty: the error being answered may be about it. */
function readOr<T extends object>(read: () => T): T {
  try {
    return read();
  } catch {
    return {} as T;
  }
}

function withRequestId(log: Logger, request: object): Logger {
  const id = requestIdOf(request);
  return id === undefined ? log : log.child({ reqId: id });
}
