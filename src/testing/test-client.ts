import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpMethod } from '../http-types.js';
import { CookieJar } from './cookie-jar.js';
import type { InjectOptions, InjectResponse } from './inject.js';
import { WebSocketSession, type WebSocketClose } from './websocket-session.js';
import { openStream, type StreamResponse } from './stream-response.js';

/** What a request of the test client takes besides its method and url. */
export interface TestRequestOptions extends Omit<InjectOptions, 'method' | 'url'> {
  /** Follow 3xx answers with a Location in the app (default: the client's `followRedirects`). */
  followRedirects?: boolean;
  /** Throw a handler's unhandled error in the test instead of returning its 500 (default: the client's). */
  raiseServerExceptions?: boolean;
}

export interface TestClientOptions {
  /** Headers sent with every request and handshake; a request's own headers win. */
  headers?: Record<string, string>;
  /** Cookies the jar starts with (path `/`). */
  cookies?: Record<string, string>;
  /** Follow redirects to the app's own paths, as FastAPI's TestClient does. Default true. */
  followRedirects?: boolean;
  /** Milliseconds any WebSocket wait (handshake, receive, close) may take before it fails. Default 5000. */
  timeout?: number;
  /**
   * A handler's unhandled error (a 500) is thrown in the test, with its stack, as FastAPI's
   * TestClient does (`raise_server_exceptions`). Default true; false returns the 500 as a client sees it.
   */
  raiseServerExceptions?: boolean;
}

export interface WebSocketConnectOptions {
  headers?: Record<string, string>;
  query?: Record<string, string | string[]>;
  /** Cookies for this handshake only, on top of the jar's. */
  cookies?: Record<string, string>;
  /** Subprotocols to offer (the `Sec-WebSocket-Protocol` header). */
  subprotocols?: string[];
  timeout?: number;
}

/** @internal What the client needs of an App; App.testClient() passes it (no import of app.ts here). */
export interface ClientTarget {
  inject(options: InjectOptions): Promise<InjectResponse>;
  /** Compiles the app and runs its lifespan, without a socket. */
  start(): Promise<void>;
  /** The app's server when it listens (its own listen(), or the one the client opened). */
  server(): Server | null;
  /** Serves the app on 127.0.0.1, on a free port; resolves with its URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** The origin relative URLs are resolved against; the app is never reached through it. */
const ORIGIN = 'http://testserver';

/**
 * FastAPI's TestClient: requests through the app in memory (`inject()`), with a cookie jar and
 * default headers kept across calls, redirects followed, and WebSocket sessions on a real socket.
 * The first request (or `start()`) runs the app's lifespan; `close()` ends it, as leaving
 * `with TestClient(app):` does.
 */
export class TestClient {
  /** Sent with every request; change it between calls, e.g. `client.headers.authorization = 'Bearer …'`. */
  readonly headers: Record<string, string>;
  /** Cookies the app set (Set-Cookie) and the ones set by hand, sent back where their Path covers the request. */
  readonly cookies = new CookieJar();
  private readonly followRedirects: boolean;
  private readonly raiseServerExceptions: boolean;
  private readonly timeout: number;
  private serving: Promise<string> | null = null;
  private readonly sessions = new Set<WebSocketSession>();
  private readonly streams = new Set<StreamResponse>();

  constructor(
    private readonly target: ClientTarget,
    options: TestClientOptions = {},
  ) {
    this.headers = lowerCased(options.headers ?? {});
    for (const [name, value] of Object.entries(options.cookies ?? {})) this.cookies.set(name, value);
    this.followRedirects = options.followRedirects ?? true;
    this.raiseServerExceptions = options.raiseServerExceptions ?? true;
    this.timeout = options.timeout ?? 5_000;
  }

  /** Runs the app's lifespan (and starts its worker threads) now, rather than on the first request. */
  start(): Promise<void> {
    return this.target.start();
  }

  get(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('GET', url, options);
  }

  post(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('POST', url, options);
  }

  put(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('PUT', url, options);
  }

  patch(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('PATCH', url, options);
  }

  delete(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('DELETE', url, options);
  }

  head(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('HEAD', url, options);
  }

  options(url: string, options?: TestRequestOptions): Promise<InjectResponse> {
    return this.request('OPTIONS', url, options);
  }

  /** Any method; the verbs above call it. */
  async request(method: HttpMethod, url: string, options: TestRequestOptions = {}): Promise<InjectResponse> {
    const { followRedirects = this.followRedirects, raiseServerExceptions = this.raiseServerExceptions, cookies, headers, ...rest } = options;
    let request: InjectOptions = { ...rest, method, url };
    for (let redirects = 0; ; redirects++) {
      const path = new URL(request.url, ORIGIN).pathname;
      const response = await this.target.inject({ ...request, headers: this.headersFor(path, headers, cookies) });
      if (raiseServerExceptions && response.serverError !== undefined) throw response.serverError;
      this.cookies.store(response.headers['set-cookie'], path);
      const location = response.headers.location;
      if (!followRedirects || !REDIRECTS.has(response.statusCode) || typeof location !== 'string') return response;
      const next = new URL(location, new URL(request.url, ORIGIN));
      if (next.origin !== ORIGIN) return response; // another site: the test sees the redirect itself
      if (redirects === MAX_REDIRECTS) throw new Error(`${method} ${url}: more than ${MAX_REDIRECTS} redirects (the last to ${location})`);
      // 303, and 301/302 after a POST, turn into a GET without the body, as browsers and httpx do.
      const toGet = response.statusCode === 303 ? request.method !== 'HEAD' : (response.statusCode === 301 || response.statusCode === 302) && request.method === 'POST';
      request = toGet ? { method: 'GET', url: next.pathname + next.search } : { ...request, url: next.pathname + next.search, query: undefined };
    }
  }

  /**
   * Opens a WebSocket session on `path` (FastAPI's `client.websocket_connect()`): the app is
   * served on 127.0.0.1 on a free port (once, for the client's life, unless it listens already),
   * with the client's headers and cookies in the handshake. Rejects with WebSocketRefused when
   * the app answers the handshake with an HTTP status.
   */
  async websocket(path: string, options: WebSocketConnectOptions = {}): Promise<WebSocketSession> {
    const url = await this.servedUrl(path, options.query);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const session = await WebSocketSession.open(url.href, url.pathname, {
      headers: this.headersFor(url.pathname, options.headers, options.cookies) as Record<string, string>,
      protocols: options.subprotocols ?? [],
      timeout: options.timeout ?? this.timeout,
    });
    this.sessions.add(session);
    return session;
  }

  /**
   * Opens a streamed answer (SSE, `stream()`) and reads it as it arrives, FastAPI's
   * `client.stream()`: over a real socket, as WebSocket sessions are; each read waits at most the
   * client's `timeout`. `close()` the stream when the test has read enough; `close()` on the
   * client closes the ones left open.
   */
  async stream(method: HttpMethod, path: string, options: Pick<TestRequestOptions, 'headers' | 'cookies' | 'query'> & { json?: unknown; timeout?: number } = {}): Promise<StreamResponse> {
    const url = await this.servedUrl(path, options.query);
    const headers = { ...this.headersFor(url.pathname, options.headers, options.cookies) };
    const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await openStream(url, method, headers, body, options.timeout ?? this.timeout);
    this.cookies.store(response.headers['set-cookie'], url.pathname);
    this.streams.add(response);
    return response;
  }

  /**
   * Closes what the client opened and the app with it, as leaving `with TestClient(app):` does:
   * open WebSocket sessions are cut, then `app.close()` runs the lifespan's teardown and stops
   * the server and worker threads. The app is shared: its other clients' next request starts it again.
   */
  async close(): Promise<WebSocketClose[]> {
    const closes = await Promise.all([...this.sessions].map((session) => session.terminate()));
    this.sessions.clear();
    for (const stream of this.streams) stream.close();
    this.streams.clear();
    this.serving = null;
    await this.target.close();
    return closes;
  }

  /** `path` with its query on the server WebSocket sessions and streams use, started on first need. */
  private async servedUrl(path: string, query: Record<string, string | string[]> | undefined): Promise<URL> {
    const base = await (this.serving ??= this.serve().catch((error: unknown) => {
      this.serving = null;
      throw error;
    }));
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, item);
    }
    return url;
  }

  private async serve(): Promise<string> {
    const address = this.target.server()?.address();
    if (address !== null && address !== undefined && typeof address === 'object') return `http://${connectHost(address)}:${address.port}`;
    return this.target.listen();
  }

  /** The client's headers under the request's own, and the jar's cookies for `path` (unless a Cookie header is given). */
  private headersFor(path: string, own: InjectOptions['headers'] = {}, cookies?: Record<string, string>): InjectOptions['headers'] {
    const headers = { ...this.headers, ...lowerCased(own) };
    if (headers.cookie === undefined) {
      const cookie = this.cookies.header(path, cookies);
      if (cookie !== undefined) headers.cookie = cookie;
    }
    return headers;
  }
}

function lowerCased<T>(headers: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Where to reach a server listening on `address`: an unspecified address (all interfaces) is reached on loopback. */
function connectHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
