// A `ws` client for the WebSocket tests (test/ws/): real sockets on 127.0.0.1, every wait bounded.
import type { IncomingMessage } from 'node:http';
import { WebSocket, type ClientOptions } from 'ws';
import { withTimeout } from './with-timeout.js';

export interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Client {
  ws: WebSocket;
  /** Every message received, text as strings, binary as Buffers. */
  messages: (string | Buffer)[];
  /** The next message not yet taken by next(); waits up to `ms`. */
  next(ms?: number): Promise<string | Buffer>;
  /** next(), parsed as JSON. */
  json(ms?: number): Promise<unknown>;
  sendJson(value: unknown): void;
  /** The close code and reason, once the server closed (or the connection dropped). */
  closed(ms?: number): Promise<{ code: number; reason: string }>;
}

/** Opens a socket; rejects with the HTTP answer if the server refuses the handshake. */
export function connect(url: string, options: ClientOptions = {}, ms = 5_000): Promise<Client> {
  const ws = new WebSocket(url, options);
  const messages: (string | Buffer)[] = [];
  let taken = 0;
  let wake: (() => void) | null = null;
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? (data as Buffer) : data.toString());
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const client: Client = {
    ws,
    messages,
    async next(wait = 5_000) {
      const until = Date.now() + wait;
      while (taken >= messages.length) {
        if (ws.readyState === WebSocket.CLOSED) throw new Error('the socket closed before another message came');
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no message within ${wait} ms`);
        await withTimeout(new Promise<void>((resolve) => (wake = resolve)), left, 'the next message').catch(() => undefined);
        wake = null;
      }
      return messages[taken++]!;
    },
    async json(wait) {
      return JSON.parse((await client.next(wait)).toString());
    },
    sendJson(value) {
      ws.send(JSON.stringify(value));
    },
    closed(wait = 5_000) {
      return withTimeout(closed, wait, `the close of ${url}`);
    },
  };
  const opened = new Promise<Client>((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        req.destroy();
        reject(Object.assign(new Error(`refused with ${res.statusCode}`), { refusal: { status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString() } }));
      });
    });
    ws.once('error', reject);
  });
  return withTimeout(opened, ms, `connecting to ${url}`);
}

/** The HTTP answer of a handshake the server must refuse; fails if it accepts. */
export async function refusal(url: string, options: ClientOptions = {}): Promise<Refusal> {
  try {
    const client = await connect(url, options);
    client.ws.terminate();
  } catch (error) {
    const found = (error as { refusal?: Refusal }).refusal;
    if (found !== undefined) return found;
    throw error;
  }
  throw new Error(`${url}: the handshake was accepted`);
}
