import { request, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { withTimeout } from '../support/with-timeout.js';

export const TIMEOUT = 5_000;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** A request over a real socket to 127.0.0.1, body read in full, failing after `timeout` ms. */
export function fetchRaw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; timeout?: number } = {},
): Promise<Answer> {
  const method = options.method ?? 'GET';
  const run = new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return withTimeout(run, options.timeout ?? TIMEOUT, `${method} ${path}`);
}

/** Opens a request and hands back the response as soon as its headers arrive (the body is left to the caller). */
export function open(port: number, path: string, headers: Record<string, string> = {}): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  const run = new Promise<{ req: ClientRequest; res: IncomingMessage }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end();
  });
  return withTimeout(run, TIMEOUT, `GET ${path} (headers)`);
}

/** Resolves when `condition()` holds, checking every 10 ms; fails after `ms` naming what it waited for. */
export async function waitFor(condition: () => boolean, what: string, ms = TIMEOUT): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
