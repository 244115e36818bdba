import type { IncomingHttpHeaders, OutgoingHttpHeaders, RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import type LightMyRequest from 'light-my-request';
import type { HttpMethod } from '../http-types.js';

// Loaded on the first inject(), not at import: a served app never uses it.
const require = createRequire(import.meta.url);

export interface InjectOptions {
  method?: HttpMethod;
  url: string;
  query?: Record<string, string | string[]>;
  headers?: OutgoingHttpHeaders;
  cookies?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as given. */
  body?: unknown;
}

export interface InjectResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

/**
 * Sends one request through a request listener in memory, with Fastify's light-my-request: the
 * whole pipeline runs, only the socket is simulated.
 */
export async function inject(listener: RequestListener, options: InjectOptions | string): Promise<InjectResponse> {
  const request = typeof options === 'string' ? { url: options } : options;
  const lightMyRequest: typeof LightMyRequest = require('light-my-request');
  const response = await lightMyRequest(listener, {
    method: request.method ?? 'GET',
    url: request.url,
    query: request.query,
    headers: request.headers,
    cookies: request.cookies,
    payload: request.body as string | object | Buffer | undefined,
  });
  // A socket never carries a HEAD response's body (Node drops it); the simulation must not either.
  const body = request.method === 'HEAD' ? '' : response.body;
  return {
    statusCode: response.statusCode,
    headers: response.headers as IncomingHttpHeaders,
    body,
    json: () => JSON.parse(body),
  };
}
