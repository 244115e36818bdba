import type { IncomingMessage } from 'node:http';

// HTTP's own words, shared by routes, dependencies, the pipeline and the client: a leaf, so
// none of them has to import another for a name. src/route.ts re-exports them.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** Every HttpMethod, in the order the docs and `loopwise routes` list them. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const satisfies readonly HttpMethod[];

/** The body encodings loopwise decodes; `multipart/form-data` only where a route `consumes` it (docs/forms.md). */
export type BodyMediaType = 'application/json' | 'application/x-www-form-urlencoded' | 'text/plain' | 'multipart/form-data';

/** What an offloaded handler sees of Node's request: everything that can cross to a worker thread. */
export type RequestSnapshot = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'httpVersion'>;
