import type { IncomingHttpHeaders, OutgoingHttpHeaders, RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import type LightMyRequest from 'light-my-request';
import type { HttpMethod } from '../http-types.js';
import { encodeBody, type BodyOptions } from './request-body.js';
import { takeServerError } from '../pipeline/server-errors.js';

// Loaded on the first inject(), not at import: a served app never uses it.
const require = createRequire(import.meta.url);

export interface InjectOptions extends BodyOptions {
  method?: HttpMethod;
  url: string;
  query?: Record<string, string | string[]>;
  headers?: OutgoingHttpHeaders;
  cookies?: Record<string, string>;
}

export interface InjectResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON; name its type, e.g. `res.json<{ id: number }>()`. */
  json<T = any>(): T;
  /** The unhandled error behind a 500 (what the log got, stack included), when there was one. */
  serverError?: unknown;
}

/**
 * Sends one request through a request listener in memory, with Fastify's light-my-request: the
 * whole pipeline runs, only the socket is simulated.
 */
export async function inject(listener: RequestListener, options: InjectOptions | string): Promise<InjectResponse> {
  const request = typeof options === 'string' ? { url: options } : options;
  const method = request.method ?? 'GET';
  const { payload, contentType } = encodeBody(request, `inject(${method} ${request.url})`);
  const headers = withContentType(request.headers, contentType, request.files !== undefined, `inject(${method} ${request.url})`);
  const lightMyRequest: typeof LightMyRequest = require('light-my-request');
  const response = await lightMyRequest(listener, {
    method,
    url: request.url,
    query: request.query,
    headers,
    cookies: request.cookies,
    payload: payload as LightMyRequest.InjectOptions['payload'],
  });
  // A socket never carries a HEAD response's body (Node drops it); the simulation must not either.
  const body = method === 'HEAD' ? '' : response.body;
  const answer: InjectResponse = {
    statusCode: response.statusCode,
    headers: response.headers as IncomingHttpHeaders,
    body,
    json: () => JSON.parse(body),
  };
  const serverError = takeServerError(response.raw.req);
  if (serverError !== undefined) answer.serverError = serverError;
  return answer;
}

/** The body's media type, unless the caller named one (say `application/merge-patch+json` for `json`). */
function withContentType(headers: OutgoingHttpHeaders | undefined, contentType: string | undefined, multipart: boolean, what: string): OutgoingHttpHeaders | undefined {
  if (contentType === undefined) return headers;
  const named = Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'content-type');
  if (named && multipart) throw new TypeError(`${what}: remove the content-type header: with files, inject() writes multipart/form-data with its own boundary.`);
  return named ? headers : { ...headers, 'content-type': contentType };
}
