import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { parse as parseQueryString } from 'fast-querystring';
import { parse as parseCookieHeader } from 'cookie';
import type { ServerTiming } from '../guard/server-timing.js';
import { Reply } from './reply.js';
import { BackgroundTasks } from '../deps/background-tasks.js';
import { checkPercentEncoding } from './percent-encoding.js';
import { refuseProtoKey } from './forbidden-keys.js';
import type { DependencyScope } from '../deps/request-scope.js';
import type { AppState } from '../deps/dependency.js';
import { requestIdOf } from './request-id.js';
import { clientHost, clientIp, clientProtocol } from '../proxy/forwarded.js';

const NO_DEPS: Record<string, unknown> = Object.freeze({});

/**
 * The object a handler receives. One class, so every request's context has the same shape for
 * V8; the query, cookies and reply are built only when the handler (or its schema) asks for them.
 */
export class RequestContext {
  readonly request: IncomingMessage;
  params: Record<string, unknown>;
  /** The raw query string, when the router had it at hand; else read from the URL on first use (see rawQuery). */
  private queryText: string | undefined;
  // Defaults on the prototype (see below), own properties once set: most requests set none of
  // them, and every field an object is made with costs each request its definition.
  /** Set when the route declares headers: the validated ones replace the request's for the handler. */
  declare private declaredHeaders: Record<string, unknown> | undefined;
  declare body: unknown;
  declare parsedQuery: unknown;
  declare parsedCookies: unknown;
  declare replyState: Reply | undefined;
  /** Set only when the route sends Server-Timing. */
  declare timing: ServerTiming | undefined;
  /** The declared headers (the route's and its dependencies'), validated; the handler's `headers` when it declared them. */
  declare validHeaders: Record<string, unknown> | undefined;
  /** The values of the route's `deps`. */
  declare deps: Record<string, unknown>;
  /** Set when the route has dependencies: their per-request cache and cleanups. */
  declare scope: DependencyScope | undefined;
  declare backgroundState: BackgroundTasks | undefined;
  /** `ip` as read by keepIp(), for what runs after the answer. */
  declare private keptIp: string | undefined;
  static {
    Object.assign(this.prototype, {
      declaredHeaders: undefined,
      body: undefined,
      parsedQuery: undefined,
      parsedCookies: undefined,
      replyState: undefined,
      timing: undefined,
      validHeaders: undefined,
      deps: NO_DEPS,
      scope: undefined,
      backgroundState: undefined,
      keptIp: undefined,
    });
  }

  /** `rawQuery` undefined: Bun's own router matched the path, and the URL is read only if the query is. */
  constructor(request: IncomingMessage, params: Record<string, unknown>, rawQuery: string | undefined) {
    this.request = request;
    this.params = params;
    this.queryText = rawQuery;
  }

  /** The query string as sent, without its '?': what the route's query schema and `query` read. */
  get rawQuery(): string {
    return (this.queryText ??= queryOf(this.request.url ?? '/'));
  }

  set rawQuery(raw: string) {
    this.queryText = raw;
  }

  // Read through, not copied at construction: on Bun the request's headers are built only when read.
  get headers(): Record<string, unknown> {
    return this.declaredHeaders ?? this.request.headers;
  }

  set headers(headers: Record<string, unknown>) {
    this.declaredHeaders = headers;
  }

  get query(): unknown {
    return (this.parsedQuery ??= parseQuery(this.rawQuery));
  }

  get cookies(): unknown {
    return (this.parsedCookies ??= parseCookies(this.request.headers.cookie));
  }

  get reply(): Reply {
    return (this.replyState ??= new Reply());
  }

  get background(): BackgroundTasks {
    return (this.backgroundState ??= new BackgroundTasks());
  }

  // Worked out when read, from the socket or a trusted proxy's X-Forwarded-* (docs/behind-a-proxy.md).
  get ip(): string {
    return this.keptIp ?? clientIp(this.request);
  }

  /**
   * Reads `ip` now and keeps it, for code that runs once the answer is out (background tasks):
   * by then the connection may be closed (Node) or the request finished (Bun's server no longer
   * gives its address), and FastAPI's `request.client` is still there.
   * @internal
   */
  keepIp(): void {
    this.keptIp ??= clientIp(this.request);
  }

  get protocol(): string {
    return clientProtocol(this.request);
  }

  get host(): string {
    return clientHost(this.request);
  }
}

/** A RequestContext that also has `log` and `state`: what an App's routes build (see {@link withRequestLog}). */
export type LoggedRequestContext = RequestContext & { readonly log: Logger; readonly state: AppState };
export type RequestContextClass = new (request: IncomingMessage, params: Record<string, unknown>, rawQuery: string | undefined) => LoggedRequestContext;

/**
 * The context class of one App's routes: RequestContext plus `log` and `state` getters, so the
 * App's logger and state are found through the prototype and a request that never reads them
 * pays nothing for them (no field, no store). The first read of `log` makes a child logger with
 * the request's `reqId` (from the requestId() middleware or the access log; the App's logger
 * itself when there is none) and caches it on the object, so later reads are a plain field.
 * `state` is the App's own object (on a worker thread, the worker's App's), as dependencies see it.
 */
export function withRequestLog(log: Logger, state: AppState): RequestContextClass {
  return class extends RequestContext {
    get state(): AppState {
      return state;
    }

    get log(): Logger {
      const id = requestIdOf(this.request);
      const child = id === undefined ? log : log.child({ reqId: id });
      Object.defineProperty(this, 'log', { value: child, enumerable: false });
      return child;
    }
  };
}

/**
 * Repeated keys become arrays (`?tag=a&tag=b` → `{tag: ["a","b"]}`), as FastAPI's list params.
 * Broken percent-encoding (`%ZZ`, `%FF`) and a `__proto__` key throw a 400 HTTPException.
 */
export function parseQuery(raw: string): Record<string, string | string[]> {
  if (raw.length === 0) return {};
  checkPercentEncoding(raw, 'query string');
  const parsed = parseQueryString(raw) as Record<string, string | string[]>;
  refuseProtoKey(parsed, 'query string');
  return parsed;
}

export function parseCookies(header: string | undefined): Record<string, string | undefined> {
  return header === undefined ? {} : parseCookieHeader(header);
}

/**
 * A context for a request no route has taken (a miss, a refusal, a middleware's or mount's error):
 * no path parameters, the raw query from the URL, so exception handlers can still read it.
 */
export function contextWithoutRoute(req: IncomingMessage): RequestContext {
  return new RequestContext(req, {}, queryOf(req.url ?? '/'));
}

/** The query string of a request target: what follows its first '?', or '' without one. */
function queryOf(url: string): string {
  const mark = url.indexOf('?');
  return mark === -1 ? '' : url.slice(mark + 1);
}
