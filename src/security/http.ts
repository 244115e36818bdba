import { createDependency, type Dependency } from '../deps/dependency.js';
import { splitAuthorization, unauthorized } from './unauthorized.js';

export interface HttpAuthorizationCredentials {
  /** As sent, e.g. "Bearer". */
  scheme: string;
  credentials: string;
}

export interface HttpBasicCredentials {
  username: string;
  password: string;
}

interface SchemeOptions {
  /** The scheme's name in the OpenAPI document (and in Swagger UI's Authorize dialog). */
  schemeName?: string;
  description?: string;
}

interface AutoError<A extends boolean> {
  /** `false`: a request without valid credentials gets `null` instead of 401, for routes that work either way. */
  autoError?: A;
}

/**
 * `Authorization: Bearer <token>` (FastAPI's HTTPBearer): the token, unchecked; check it in your
 * own dependency. No header, no token or another scheme: 401 "Not authenticated" with
 * `WWW-Authenticate: Bearer` (current FastAPI's answer for each).
 */
export function httpBearer(options?: SchemeOptions & AutoError<true> & { bearerFormat?: string }): Dependency<HttpAuthorizationCredentials>;
export function httpBearer(options: SchemeOptions & AutoError<false> & { bearerFormat?: string }): Dependency<HttpAuthorizationCredentials | null>;
export function httpBearer(options: SchemeOptions & AutoError<boolean> & { bearerFormat?: string } = {}): Dependency<unknown> {
  const schemeName = options.schemeName ?? 'HTTPBearer';
  const scheme = { type: 'http', scheme: 'bearer', ...describe(options), ...(options.bearerFormat !== undefined ? { bearerFormat: options.bearerFormat } : {}) };
  return createDependency(
    { name: schemeName },
    ({ request }) => {
      const found = splitAuthorization(request.headers.authorization);
      if (found === null || found.scheme.toLowerCase() !== 'bearer') return fail(options, 'Bearer');
      return found;
    },
    { schemeName, scheme, scopes: [] },
  );
}

/**
 * `Authorization: Basic <base64 user:password>` (FastAPI's HTTPBasic): the username and password,
 * unchecked; compare them in your own dependency (with crypto.timingSafeEqual). Every failure is
 * 401 "Not authenticated" with the `Basic` challenge. `autoError: false` gives null when the Basic
 * scheme is absent; Basic credentials that do not decode are still a 401 (as in FastAPI: the client
 * tried to authenticate and got it wrong).
 */
export function httpBasic(options?: SchemeOptions & AutoError<true> & { realm?: string }): Dependency<HttpBasicCredentials>;
export function httpBasic(options: SchemeOptions & AutoError<false> & { realm?: string }): Dependency<HttpBasicCredentials | null>;
export function httpBasic(options: SchemeOptions & AutoError<boolean> & { realm?: string } = {}): Dependency<unknown> {
  const schemeName = options.schemeName ?? 'HTTPBasic';
  const challenge = options.realm === undefined ? 'Basic' : `Basic realm="${options.realm.replace(/["\\]/g, '\\$&')}"`;
  return createDependency(
    { name: schemeName },
    ({ request }) => {
      const raw = request.headers.authorization;
      const header = typeof raw === 'string' ? raw.trim() : '';
      if (!isBasicScheme(header)) return fail(options, challenge);
      const decoded = decodeBasic(header.slice(BASIC.length).trim());
      if (decoded === null) throw unauthorized(challenge);
      return decoded;
    },
    { schemeName, scheme: { type: 'http', scheme: 'basic', ...describe(options) }, scopes: [] },
  );
}

const BASIC = 'basic';

/** "Basic", "basic xyz": the scheme is the text up to the first space. */
function isBasicScheme(header: string): boolean {
  return header.length >= BASIC.length && header.slice(0, BASIC.length).toLowerCase() === BASIC && (header.length === BASIC.length || header[BASIC.length] === ' ');
}

/** Fatal: bytes that are not UTF-8 would otherwise become U+FFFD, and two different passwords compare equal. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBasic(credentials: string): HttpBasicCredentials | null {
  if (credentials.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return null;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(credentials, 'base64'));
  } catch {
    return null; // 401, as FastAPI's HTTPBasic answers bytes it cannot decode
  }
  const colon = text.indexOf(':');
  return colon === -1 ? null : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** @internal Shared by the helpers: throw the 401, or answer null when the route asked for that. */
export function fail(options: AutoError<boolean>, challenge: string): null {
  if (options.autoError === false) return null;
  throw unauthorized(challenge);
}

/** @internal */
export function describe(options: { description?: string }): { description?: string } {
  return options.description === undefined ? {} : { description: options.description };
}
