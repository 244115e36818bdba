import { createDependency, type Dependency } from '../deps/dependency.js';
import { describe, fail } from './http.js';

interface ApiKeyOptions<A extends boolean> {
  /** The header, query parameter or cookie that carries the key. */
  name: string;
  /** The scheme's name in the OpenAPI document; default APIKeyHeader, APIKeyQuery or APIKeyCookie. */
  schemeName?: string;
  description?: string;
  /** `false`: a request without the key gets `null` instead of 401. */
  autoError?: A;
}

type Where = 'header' | 'query' | 'cookie';
const DEFAULT_NAMES: Record<Where, string> = { header: 'APIKeyHeader', query: 'APIKeyQuery', cookie: 'APIKeyCookie' };

function apiKey(where: Where, options: ApiKeyOptions<boolean>): Dependency<unknown> {
  const schemeName = options.schemeName ?? DEFAULT_NAMES[where];
  // Header names arrive lowercased from Node; the document keeps the name as the user wrote it.
  const headerName = options.name.toLowerCase();
  return createDependency(
    { name: schemeName },
    ({ request, query, cookies }) => {
      const raw = where === 'header' ? request.headers[headerName] : where === 'query' ? query[options.name] : cookies[options.name];
      const key = Array.isArray(raw) ? raw[0] : raw;
      // FastAPI's challenge for keys: not a standard scheme, but it tells the client what is missing.
      if (typeof key !== 'string' || key === '') return fail(options, 'APIKey');
      return key;
    },
    { schemeName, scheme: { type: 'apiKey', in: where, name: options.name, ...describe(options) }, scopes: [] },
  );
}

/** An API key in a header (FastAPI's APIKeyHeader): the key, unchecked; missing → 401. */
export function apiKeyHeader(options: ApiKeyOptions<true>): Dependency<string>;
export function apiKeyHeader(options: ApiKeyOptions<false>): Dependency<string | null>;
export function apiKeyHeader(options: ApiKeyOptions<boolean>): Dependency<unknown> {
  return apiKey('header', options);
}

/** An API key in the query string (FastAPI's APIKeyQuery). */
export function apiKeyQuery(options: ApiKeyOptions<true>): Dependency<string>;
export function apiKeyQuery(options: ApiKeyOptions<false>): Dependency<string | null>;
export function apiKeyQuery(options: ApiKeyOptions<boolean>): Dependency<unknown> {
  return apiKey('query', options);
}

/** An API key in a cookie (FastAPI's APIKeyCookie). */
export function apiKeyCookie(options: ApiKeyOptions<true>): Dependency<string>;
export function apiKeyCookie(options: ApiKeyOptions<false>): Dependency<string | null>;
export function apiKeyCookie(options: ApiKeyOptions<boolean>): Dependency<unknown> {
  return apiKey('cookie', options);
}
