// A typed HTTP client for a loopwise app, with no code generation: the types come from
// `typeof app` (client-types.ts), the calls go through fetch. Nothing here needs Node: it runs in
// browsers too (import it from 'loopwise/client' there; see docs/client.md).
import { HTTP_METHODS, type HttpMethod } from '../http-types.js';
import { toPathTemplate } from '../openapi/path-template.js';
import type { ClientOf } from './client-types.js';
import { defaultWebSocket, openWebSocket, type WebSocketConstructor } from './websocket-session.js';

export type HeaderValues = Record<string, string>;

export interface ClientOptions {
  /** The fetch to call: the global one unless given (a wrapper that logs or retries, a test double…). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Headers for every call (a call's own win): a record, or a function called per request (e.g. a fresh token). */
  headers?: HeaderValues | (() => HeaderValues | Promise<HeaderValues>);
  /**
   * The WebSocket class `api.ws()` uses: the global one unless given (browsers, Node 22+), else
   * the `ws` package's. Pass `ws`'s WebSocket on Node 22+ to read a refused handshake's status.
   */
  WebSocket?: WebSocketConstructor;
}

interface WebSocketInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  cookies?: Record<string, unknown>;
  protocols?: string | string[];
  openTimeout?: number;
  signal?: AbortSignal;
}

/** How long `api.ws()` waits for the handshake unless told (`openTimeout`). */
const DEFAULT_OPEN_TIMEOUT = 10_000;

interface CallInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  cookies?: Record<string, unknown>;
  body?: unknown;
  form?: Record<string, unknown>;
  signal?: AbortSignal;
}

interface Result {
  status: number;
  ok: boolean;
  data: unknown;
  headers: Headers;
  response: Response;
}

// Statuses that never have a body.
const EMPTY = new Set([204, 205, 304]);

/**
 * `createClient<typeof app>('http://127.0.0.1:8000')`: one method per HTTP method, taking a
 * route's path as declared ("/items/:id") and its params, query, headers, cookies and body, typed
 * from the route; each call resolves to `{ status, ok, data, headers, response }`, typed per
 * declared status. `app` must carry its routes in its type: build it by chaining (docs/client.md).
 */
export function createClient<App extends { readonly '~routes'?: unknown }>(baseUrl: string, options: ClientOptions = {}): ClientOf<App> {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//i.test(baseUrl)) {
    throw new TypeError(`createClient() needs the server's base URL, such as "http://127.0.0.1:8000", not ${JSON.stringify(baseUrl)}.`);
  }
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  const paths = new Map<string, (params: Record<string, unknown> | undefined) => string>();

  const call = async (method: HttpMethod, path: string, input: CallInput = {}): Promise<Result> => {
    let fill = paths.get(path);
    if (fill === undefined) {
      fill = compilePath(path);
      paths.set(path, fill);
    }
    const url = base + fill(input.params) + queryString(input.query);
    const headers = new Headers();
    const defaults = typeof options.headers === 'function' ? await options.headers() : options.headers;
    for (const [name, value] of Object.entries(defaults ?? {})) headers.set(name, value);
    setHeaders(headers, input.headers);
    if (input.cookies !== undefined) {
      const cookie = cookieHeader(input.cookies);
      if (cookie !== '') headers.set('cookie', headers.has('cookie') ? `${headers.get('cookie')}; ${cookie}` : cookie);
    }
    const init: RequestInit = { method, headers };
    if (input.signal !== undefined) init.signal = input.signal;
    if (input.form !== undefined) {
      if (input.body !== undefined) throw new TypeError(`a call to ${method} ${path} takes a body or a form, not both.`);
      init.body = formBody(input.form);
    } else if (input.body !== undefined) {
      if (isEncodedBody(input.body)) {
        init.body = input.body as NonNullable<RequestInit['body']>;
      } else {
        init.body = JSON.stringify(input.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const response = await fetchImpl(url, init);
    const data = await readBody(response, method);
    return { status: response.status, ok: response.ok, data, headers: response.headers, response };
  };

  const client: Record<string, (path: string, input?: CallInput) => Promise<Result>> = {};
  for (const method of HTTP_METHODS) client[method.toLowerCase()] = (path, input) => call(method, path, input);

  const webSocketBase = base.replace(/^http/i, 'ws'); // http → ws, https → wss
  const ws = async (path: string, input: WebSocketInput = {}): Promise<unknown> => {
    const route = `WS ${path}`;
    let fill = paths.get(path);
    if (fill === undefined) {
      fill = compilePath(path);
      paths.set(path, fill);
    }
    const url = webSocketBase + fill(input.params) + queryString(input.query);
    const openTimeout = input.openTimeout ?? DEFAULT_OPEN_TIMEOUT;
    if (typeof openTimeout !== 'number' || !(openTimeout > 0)) throw new TypeError(`openTimeout of ${route} must be a number of milliseconds above 0, not ${String(openTimeout)}.`);
    const WebSocket = options.WebSocket ?? (await defaultWebSocket());
    const headers = new Headers();
    // A browser's WebSocket sends no headers of ours: the client's are left out, a call's own are an error.
    const sendsHeaders = isNode() || typeof (WebSocket.prototype as { on?: unknown }).on === 'function';
    if (sendsHeaders) {
      const defaults = typeof options.headers === 'function' ? await options.headers() : options.headers;
      for (const [name, value] of Object.entries(defaults ?? {})) headers.set(name, value);
    } else if (Object.values(input.headers ?? {}).some((value) => value !== undefined) || Object.values(input.cookies ?? {}).some((value) => value !== undefined)) {
      throw new TypeError(`${route}: a browser's WebSocket cannot send headers or cookies; pass a token in the query (or let the browser send its cookies).`);
    }
    setHeaders(headers, input.headers);
    if (input.cookies !== undefined) {
      const cookie = cookieHeader(input.cookies);
      if (cookie !== '') headers.set('cookie', headers.has('cookie') ? `${headers.get('cookie')}; ${cookie}` : cookie);
    }
    return openWebSocket({ url, route, headers: Object.fromEntries(headers), protocols: input.protocols, openTimeout, signal: input.signal, WebSocket });
  };
  (client as Record<string, unknown>).ws = ws;
  return client as unknown as ClientOf<App>;
}

/** Node (and runtimes like it): its WebSockets take headers, unlike a browser's. */
function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

/**
 * A function that fills a route path's parameters (find-my-way's syntax: `:name`, `:name(regex)`,
 * several in a segment, `*` or `*name`, `::` for a literal colon), each value URI-encoded; the
 * wildcard's "/" are kept, so "a/b.txt" stays a path.
 */
function compilePath(path: string): (params: Record<string, unknown> | undefined) => string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`a route path starts with "/", not ${JSON.stringify(path)}.`);
  const { template, params } = toPathTemplate(path);
  if (params.length === 0) return () => template;
  // The template names each parameter `{name}` ('{wildcard}' for an unnamed "*"), in the order of `params`.
  const pieces = template.split(/\{[^}]*\}/);
  if (pieces.length !== params.length + 1) throw new TypeError(`cannot read the parameters of the path ${JSON.stringify(path)}.`);
  return (values) => {
    let url = pieces[0]!;
    for (let i = 0; i < params.length; i++) {
      const { key, wildcard } = params[i]!;
      const value = values?.[key];
      if (value === undefined || value === null || (value === '' && wildcard !== true)) {
        throw new TypeError(`the path ${path} needs a value for the parameter "${key}" (params: { ${JSON.stringify(key)}: … }).`);
      }
      const text = String(value);
      url += (wildcard === true ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text)) + pieces[i + 1]!;
    }
    return url;
  };
}

/** `?a=1&tag=x&tag=y`: arrays as repeated keys, as the server reads them; undefined values left out. */
function queryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return '';
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(scalar(item, `query.${key}`))}`);
    }
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

/** A form's fields, URL-encoded (fetch sends its content type): arrays as repeated fields, as the server reads them. */
function formBody(form: Record<string, unknown>): URLSearchParams {
  const fields = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) fields.append(name, scalar(item, `form.${name}`));
    }
  }
  return fields;
}

function setHeaders(headers: Headers, values: Record<string, unknown> | undefined): void {
  for (const [name, value] of Object.entries(values ?? {})) {
    if (value === undefined) continue;
    headers.delete(name);
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, scalar(item, `headers.${name}`));
  }
}

function cookieHeader(cookies: Record<string, unknown>): string {
  return Object.entries(cookies)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(scalar(value, `cookies.${name}`))}`)
    .join('; ');
}

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new TypeError(`${where} must be a string, number or boolean, not ${value === null ? 'null' : typeof value}.`);
}

/** A body fetch sends as it is, with its own content type: form data, URL-encoded pairs, a Blob. */
function isEncodedBody(body: unknown): boolean {
  return (
    (typeof FormData !== 'undefined' && body instanceof FormData) ||
    (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) ||
    (typeof Blob !== 'undefined' && body instanceof Blob)
  );
}

/** JSON when the response says so, text otherwise; `undefined` when there is no body (204, HEAD…). */
async function readBody(response: Response, method: HttpMethod): Promise<unknown> {
  if (method === 'HEAD' || EMPTY.has(response.status)) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await response.text();
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(type) ? JSON.parse(text) : text;
}
