// The typed client's WebSocket sessions (`api.ws(path, options)`, docs/client.md): a browser's
// WebSocket, Node's global one (22+) or the `ws` package's (Node 20) behind one small typed API.
// Nothing here needs Node: `ws` is imported only where there is no global WebSocket.
import { WebSocketDisconnect } from '../ws/errors.js';

/** How a session closed: the close frame's code and reason (1005: none given; 1006: the connection dropped). */
export interface WebSocketClose {
  code: number;
  reason: string;
}

/** The WebSocket API as used here: browsers', Node's global one and `ws`'s class all have it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: any) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket`, or `ws`'s `WebSocket` (createClient's `WebSocket` option). */
export type WebSocketConstructor = new (url: string, ...rest: any[]) => WebSocketLike;

/** `ws`'s own events, which tell a refused handshake's HTTP status (the standard API never does). */
interface WsEvents {
  on(event: 'unexpected-response', listener: (request: unknown, response: RefusalResponse) => void): unknown;
  terminate(): void;
}
interface RefusalResponse {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'error', listener: () => void): unknown;
}

const OPEN = 1;
/** A refused handshake's body is read up to this size: its detail, not a flood. */
const MAX_REFUSAL_BODY = 64 * 1024;

/**
 * The server answered the handshake with HTTP instead of switching protocols (a 422 for a bad
 * query, a 401 from a dependency…), or the socket could not be opened. `status` and `detail` are
 * known with `ws`'s WebSocket (Node 20, or createClient's `WebSocket` option); a browser's, and
 * Node's global one, never tell them.
 */
export class WebSocketHandshakeError extends Error {
  /** The HTTP status of the refusal, when the WebSocket implementation tells it. */
  readonly status: number | undefined;
  /** The refusal's body: parsed JSON (`{ detail }`), or its text. */
  readonly detail: unknown;

  constructor(message: string, status?: number, detail?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebSocketHandshakeError';
    this.status = status;
    this.detail = detail;
  }
}

/**
 * One open WebSocket of the typed client: `send()` takes the route's `message` type (sent as
 * JSON), `for await` (or `receive()`) gives what the server sends, typed by the route's `send`
 * schema; `close()` and `closed` tell the close code and reason.
 */
export class ClientWebSocket<Send = unknown, Receive = unknown> implements AsyncIterable<Receive> {
  /** The WebSocket underneath (`protocol`, `bufferedAmount`, …). */
  readonly raw: WebSocketLike;
  /** Resolves with the close code and reason once the socket is closed, by either side. */
  readonly closed: Promise<WebSocketClose>;
  /** The route, for messages: "WS /chat/:room". */
  readonly route: string;
  // Messages arrive whenever the server sends them; they wait here until read.
  private readonly queue: Receive[] = [];
  private readonly readers: { resolve: (value: Receive) => void; reject: (error: Error) => void }[] = [];
  private ending: WebSocketClose | null = null;

  /** @internal Made by `api.ws()`, before the socket opens, so that no event is missed. */
  constructor(raw: WebSocketLike, route: string) {
    this.raw = raw;
    this.route = route;
    raw.binaryType = 'arraybuffer';
    raw.addEventListener('message', (event: { data: unknown }) => {
      const value = decode(event.data) as Receive;
      const reader = this.readers.shift();
      if (reader !== undefined) reader.resolve(value);
      else this.queue.push(value);
    });
    this.closed = new Promise((resolve) => {
      raw.addEventListener('close', (event: { code: number; reason: string }) => {
        this.ending = { code: event.code, reason: event.reason };
        for (const reader of this.readers.splice(0)) reader.reject(this.disconnect());
        resolve(this.ending);
      });
    });
  }

  /** Whether messages can still be sent. */
  get isOpen(): boolean {
    return this.ending === null && this.raw.readyState === OPEN;
  }

  /** The close code and reason, once the socket is closed; null while it is open. */
  get closeInfo(): WebSocketClose | null {
    return this.ending;
  }

  /** Sends the message as JSON, in a text frame. Throws WebSocketDisconnect when the socket is closed. */
  send(message: Send): void {
    this.assertOpen();
    this.raw.send(JSON.stringify(message));
  }

  /** Sends a text frame as it is (a route with `message: 'text'`, or none). */
  sendText(text: string): void {
    this.assertOpen();
    this.raw.send(text);
  }

  /** Sends a binary frame (a route with `message: 'binary'`, or none). */
  sendBytes(bytes: ArrayBuffer | ArrayBufferView | Blob): void {
    this.assertOpen();
    this.raw.send(bytes);
  }

  /**
   * The next message: a JSON text frame parsed (other text as the string), a binary frame as a
   * Uint8Array. Rejects with WebSocketDisconnect (its code and reason) once the socket is closed
   * and every message received before was read.
   */
  receive(): Promise<Receive> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() as Receive);
    if (this.ending !== null) return Promise.reject(this.disconnect());
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** Every message, in order, until the socket closes; the loop then ends without an error. */
  async *[Symbol.asyncIterator](): AsyncIterator<Receive> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift() as Receive;
        continue;
      }
      if (this.ending !== null) return;
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof WebSocketDisconnect) return;
        throw error;
      }
    }
  }

  /** Starts the closing handshake (code 1000 or 3000–4999); resolves with how the socket closed. */
  close(code = 1000, reason = ''): Promise<WebSocketClose> {
    if (this.ending === null) this.raw.close(code, reason);
    return this.closed;
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new WebSocketDisconnect(this.ending?.code ?? 1006, `cannot send on ${this.route}: the socket is closed`);
  }

  private disconnect(): WebSocketDisconnect {
    const { code, reason } = this.ending ?? { code: 1006, reason: '' };
    return new WebSocketDisconnect(code, reason);
  }
}

/** A text frame parsed as JSON (the text itself when it is not JSON), a binary frame as bytes. */
function decode(data: unknown): unknown {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  }
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export interface OpenWebSocket {
  url: string;
  /** "WS /chat/:room", for messages. */
  route: string;
  /** Headers for the handshake (empty where they cannot be sent: a browser). */
  headers: Record<string, string>;
  protocols: string | string[] | undefined;
  openTimeout: number;
  signal: AbortSignal | undefined;
  WebSocket: WebSocketConstructor;
}

/** Opens the socket; resolves once the server accepted the handshake, rejects with WebSocketHandshakeError otherwise. */
export function openWebSocket<Send, Receive>(options: OpenWebSocket): Promise<ClientWebSocket<Send, Receive>> {
  const { route, openTimeout, signal } = options;
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  const socket = createSocket(options);
  const session = new ClientWebSocket<Send, Receive>(socket, route);
  const ws = isWs(socket) ? socket : null;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve(session);
        return;
      }
      // An abandoned handshake is ended, not left to finish on its own.
      if (ws !== null) ws.terminate();
      else if (socket.readyState <= OPEN) socket.close();
      reject(error);
    };
    const onAbort = (): void => settle(signal?.reason);
    const timer = setTimeout(() => settle(new WebSocketHandshakeError(`the WebSocket handshake for ${route} did not finish within ${openTimeout} ms (openTimeout).`)), openTimeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.addEventListener('open', () => settle());
    socket.addEventListener('error', (event: { message?: string; error?: unknown }) => {
      const why = ws !== null && typeof event.message === 'string' ? `: ${event.message}` : ': the server refused the handshake or could not be reached (this WebSocket does not tell the HTTP status)';
      settle(new WebSocketHandshakeError(`could not open ${route}${why}.`, undefined, undefined, { cause: event.error }));
    });
    socket.addEventListener('close', (event: { code: number; reason: string }) => {
      settle(new WebSocketHandshakeError(`could not open ${route}: the connection closed (${event.code}${event.reason === '' ? '' : `: ${event.reason}`}) before the handshake finished.`));
    });
    ws?.on('unexpected-response', (_request, response) => {
      readRefusal(response).then(
        (detail) => settle(new WebSocketHandshakeError(`the server refused the WebSocket handshake for ${route} with ${response.statusCode}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`, response.statusCode, detail)),
        (error: unknown) => settle(new WebSocketHandshakeError(`the server refused the WebSocket handshake for ${route} with ${response.statusCode}.`, response.statusCode, undefined, { cause: error })),
      );
    });
  });
}

/** `ws` takes headers and a handshake timeout as a third argument; Node's global WebSocket takes `{ protocols, headers }`; a browser's, protocols alone. */
function createSocket({ url, headers, protocols, openTimeout, WebSocket }: OpenWebSocket): WebSocketLike {
  if (typeof (WebSocket.prototype as Partial<WsEvents>).on === 'function') {
    return new WebSocket(url, protocols ?? [], { headers, handshakeTimeout: openTimeout });
  }
  if (Object.keys(headers).length > 0) return new WebSocket(url, protocols === undefined ? { headers } : { protocols, headers });
  return protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
}

function isWs(socket: WebSocketLike): socket is WebSocketLike & WsEvents {
  return typeof (socket as Partial<WsEvents>).on === 'function' && typeof (socket as Partial<WsEvents>).terminate === 'function';
}

/** The refusal's body, up to MAX_REFUSAL_BODY: JSON parsed when it says so, the text otherwise. */
function readRefusal(response: RefusalResponse): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    response.on('data', (chunk) => {
      if (size < MAX_REFUSAL_BODY) chunks.push(chunk);
      size += chunk.length;
    });
    response.on('error', () => reject(new Error('the refusal could not be read')));
    response.on('end', () => {
      const bytes = new Uint8Array(Math.min(size, MAX_REFUSAL_BODY));
      let at = 0;
      for (const chunk of chunks) {
        const part = chunk.subarray(0, bytes.length - at);
        bytes.set(part, at);
        at += part.length;
      }
      const text = new TextDecoder().decode(bytes);
      const type = String(response.headers['content-type'] ?? '');
      try {
        resolve(/^application\/(?:[\w.+-]+\+)?json\b/i.test(type) ? JSON.parse(text) : text);
      } catch {
        resolve(text);
      }
    });
  });
}

/**
 * The WebSocket class to use: the global one (browsers, Node 22+), else `ws`'s (Node 20), imported
 * only then, by a name bundlers do not follow, so a browser bundle never includes it.
 */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return global;
  const name = 'ws';
  try {
    const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
    const found = module.WebSocket ?? module.default;
    if (found !== undefined) return found;
  } catch (error) {
    throw new Error('api.ws() needs a WebSocket: this runtime has no global one (browsers and Node 22+ do) and the "ws" package could not be loaded. Install ws, or pass one: createClient(url, { WebSocket }).', { cause: error });
  }
  throw new Error('api.ws() needs a WebSocket: the "ws" package has no WebSocket export. Pass one: createClient(url, { WebSocket }).');
}
