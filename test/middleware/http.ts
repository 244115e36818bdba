// A raw HTTP client for the middleware tests: any method and headers (Host and Accept-Encoding
// included, which fetch would set itself), the body as bytes, as the server sent them.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pino, type Logger } from 'pino';
import { App, type AppOptions } from '../../src/index.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent: still compressed if it was. */
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Fails the request after this many ms. Default 5000. */
  timeout?: number;
}

export function send(port: number, path: string, options: RawRequest = {}): Promise<RawResponse> {
  const { method = 'GET', headers = {}, body, timeout = 5_000 } = options;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(parts);
        resolve({ status: res.statusCode!, headers: res.headers, body: bytes, text: bytes.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A pino logger whose JSON lines land in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A quiet app without docs pages, for a test to add middleware and routes to, then `serve()`. */
export function quietApp(options: AppOptions = {}): App {
  return new App({ logger: false, openapi: false, ...options });
}

/** Listens on 127.0.0.1:0; returns the port and a close function. */
export async function serve(app: App): Promise<{ port: number; url: string; close: () => Promise<void> }> {
  const { port, url } = await app.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
  return { port, url, close: () => app.close() };
}
