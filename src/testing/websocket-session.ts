import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { WebSocket as WsSocket } from 'ws';
import { WebSocketDisconnect } from '../ws/errors.js';

// Loaded on the first session: an app that is only served never needs the client side.
const require = createRequire(import.meta.url);

/** A refused handshake's body is read up to this size: a test needs its detail, not a flood. */
const MAX_REFUSAL_BODY = 64 * 1024;

/** How a session closed: the code and reason of the close frame (1006, '' when the connection dropped). */
export interface WebSocketClose {
  code: number;
  reason: string;
}

/**
 * The app answered the WebSocket handshake with an HTTP response instead of switching protocols:
 * a dependency threw an HTTPException, the query failed validation (422), no such route (404)…
 * Starlette's `WebSocketDenialResponse`.
 */
export class WebSocketRefused extends Error {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;

  constructor(path: string, status: number, headers: IncomingHttpHeaders, body: string) {
    super(`the app refused the WebSocket handshake for ${path} with ${status}${body === '' ? '' : `: ${body}`}`);
    this.name = 'WebSocketRefused';
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  json<T = any>(): T {
    return JSON.parse(this.body);
  }
}

export interface SessionOptions {
  headers: Record<string, string>;
  protocols: string[];
  /** Every wait (connect, receive, close) gives up after this many ms. */
  timeout: number;
}

/**
 * One WebSocket connection to the app, on a real socket (FastAPI's `client.websocket_connect()`).
 * Every wait is bounded by the session's timeout, so a test fails with a message, never hangs.
 */
export class WebSocketSession {
  private readonly messages: (string | Buffer)[] = [];
  private wake: (() => void) | null = null;
  private closeInfo: WebSocketClose | null = null;
  private readonly closing: Promise<WebSocketClose>;

  private constructor(
    private readonly ws: WsSocket,
    /** The path the session is on, for messages. */
    readonly path: string,
    private readonly timeout: number,
  ) {
    ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? toBuffer(data) : toBuffer(data).toString('utf8'));
      this.wake?.();
    });
    this.closing = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        this.wake?.();
        resolve(this.closeInfo);
      });
    });
    ws.on('error', () => undefined); // reported as the close (1006) that follows; unhandled, it would end the process
  }

  /** Connects; rejects with WebSocketRefused when the app answers the handshake with HTTP. */
  static open(url: string, path: string, options: SessionOptions): Promise<WebSocketSession> {
    const { WebSocket } = require('ws') as typeof import('ws');
    const ws = new WebSocket(url, options.protocols, { headers: options.headers, handshakeTimeout: options.timeout });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the WebSocket handshake for ${path} did not finish within ${options.timeout} ms`));
      }, options.timeout);
      const settle = (finish: () => void): void => {
        clearTimeout(timer);
        finish();
      };
      ws.once('open', () => settle(() => resolve(new WebSocketSession(ws, path, options.timeout))));
      ws.once('unexpected-response', (request, response) => {
        const parts: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_REFUSAL_BODY) parts.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          request.destroy();
          const body = Buffer.concat(parts).subarray(0, MAX_REFUSAL_BODY).toString('utf8');
          settle(() => reject(new WebSocketRefused(path, response.statusCode ?? 0, response.headers, body)));
        });
        response.on('error', (error) => settle(() => reject(error)));
      });
      ws.once('error', (error) => settle(() => reject(new Error(`could not open the WebSocket ${path}: ${error.message}`, { cause: error }))));
    });
  }

  /** The subprotocol the app accepted ('' when none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  /** How the socket closed; null while it is open. */
  get closed(): WebSocketClose | null {
    return this.closeInfo;
  }

  /** Sends a text frame (a string) or a binary one (a Buffer); resolves once it is written. */
  send(data: string | Buffer | Uint8Array): Promise<void> {
    if (this.closeInfo !== null || this.ws.readyState !== this.ws.OPEN) {
      return Promise.reject(new WebSocketDisconnect(this.closeInfo?.code ?? 1006, `cannot send on ${this.path}: the socket is closed`));
    }
    return new Promise((resolve, reject) => this.ws.send(data, { binary: typeof data !== 'string' }, (error) => (error ? reject(error) : resolve())));
  }

  /** Sends the value as JSON, in a text frame. */
  sendJson(value: unknown): Promise<void> {
    return this.send(JSON.stringify(value));
  }

  /**
   * The next message: a string for a text frame, a Buffer for a binary one. Rejects with
   * WebSocketDisconnect (its code and reason) once the app has closed and every message is read.
   */
  async receive(timeout = this.timeout): Promise<string | Buffer> {
    const deadline = Date.now() + timeout;
    while (this.messages.length === 0) {
      if (this.closeInfo !== null) throw new WebSocketDisconnect(this.closeInfo.code, this.closeInfo.reason);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message on ${this.path} within ${timeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.messages.shift()!;
  }

  /** The next message, which must be a text frame. */
  async receiveText(timeout?: number): Promise<string> {
    const message = await this.receive(timeout);
    if (typeof message !== 'string') throw new TypeError(`${this.path} sent a binary message (${message.length} bytes) where a text one was expected`);
    return message;
  }

  /** The next message, which must be a binary frame. */
  async receiveBytes(timeout?: number): Promise<Buffer> {
    const message = await this.receive(timeout);
    if (typeof message === 'string') throw new TypeError(`${this.path} sent a text message where a binary one was expected: ${JSON.stringify(message.slice(0, 200))}`);
    return message;
  }

  /** The next text message, parsed as JSON. */
  async receiveJson<T = any>(timeout?: number): Promise<T> {
    return JSON.parse(await this.receiveText(timeout)) as T;
  }

  /** Waits for the app to close the socket; resolves with its code and reason. */
  waitClosed(timeout = this.timeout): Promise<WebSocketClose> {
    return bounded(this.closing, timeout, `${this.path} was not closed within ${timeout} ms`);
  }

  /**
   * Closes the socket (1000 by default) and waits for the app's answer to the close handshake;
   * resolves with how it closed. After the timeout the connection is cut.
   */
  async close(code = 1000, reason = ''): Promise<WebSocketClose> {
    if (this.closeInfo !== null) return this.closeInfo;
    this.ws.close(code, reason);
    try {
      return await this.waitClosed();
    } catch {
      this.ws.terminate();
      return this.closing;
    }
  }

  /** @internal Cuts the connection at once, for the client's close(). */
  terminate(): Promise<WebSocketClose> {
    if (this.closeInfo === null) this.ws.terminate();
    return this.closing;
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function bounded<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
