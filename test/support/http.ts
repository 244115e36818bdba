// The tests' one HTTP client and one way to listen. Requests go over a real socket to 127.0.0.1
// with http.request, so the path goes out as given (no client normalizes `..` or encodings) and
// no header is added that the test did not set beyond Host; every wait is bounded, so a server
// that never answers fails the test instead of hanging it. Bytes no client would send: raw-http.ts.
import { createServer, request as httpRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/index.js';
import { withTimeout } from './with-timeout.js';

export const TIMEOUT = 5_000;

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent: still compressed if it was. */
  body: Buffer;
  text: string;
  json(): any;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false (the default) opens a connection of its own for this request. */
  agent?: Agent | false;
  /** Fails the request after this many ms. Default 5000. */
  timeout?: number;
}

/** A request to 127.0.0.1:`port`, its body read in full. Rejects with the client's error (ECONNRESET…). */
export function request(port: number, path: string, options: HttpRequest = {}): Promise<HttpAnswer> {
  const { method = 'GET', headers = {}, body, agent = false, timeout = TIMEOUT } = options;
  let req: ClientRequest | undefined;
  const run = new Promise<HttpAnswer>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(parts);
        const text = bytes.toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body: bytes, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
      // Node 20 may only say `aborted` when the server cuts a response short.
      res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    });
    req.on('error', reject);
    req.end(body);
  });
  return withTimeout(run, timeout, `${method} ${path}`).catch((error: unknown) => {
    req?.destroy();
    throw error;
  });
}

/** Opens a GET and hands back the response as soon as its headers arrive; the body is left to the caller. */
export function openResponse(port: number, path: string, headers: Record<string, string> = {}): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  const run = new Promise<{ req: ClientRequest; res: IncomingMessage }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end();
  });
  return withTimeout(run, TIMEOUT, `GET ${path} (headers)`);
}

export interface Listening {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 without signal handlers (the test runner owns the process). */
export async function serveApp(app: App): Promise<Listening> {
  const { port, url } = await withTimeout(app.listen({ port: 0, host: '127.0.0.1', handleSignals: false }), TIMEOUT, 'app.listen()');
  return { port, url, close: () => app.close() };
}

/** A bare Node server on 127.0.0.1:0; close() cuts open connections rather than waiting for keep-alive ones. */
export async function serveServer(server: Server): Promise<Listening> {
  await withTimeout(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), TIMEOUT, 'server.listen()');
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { port, url: `http://127.0.0.1:${port}`, close };
}

/** A bare Node server with `handler` as its whole request listener. */
export function serveHandler(handler: RequestListener): Promise<Listening> {
  return serveServer(createServer(handler));
}
