import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type CorsPackage from 'cors';
import { LoopwiseError } from '../errors.js';
import type { Middleware } from './middleware.js';

/**
 * Who may call the API from a browser page on another origin:
 * - `'*'`: any origin, without credentials (the default);
 * - an origin (`'https://app.example.com'`), a RegExp, or a list of both: those only;
 * - a function `(origin, req) => boolean | Promise<boolean>`, asked per request that has an Origin;
 * - `true`: any origin, reflected back (so it also works with credentials: use with care).
 */
export type CorsOrigin =
  | string
  | RegExp
  | ReadonlyArray<string | RegExp>
  | true
  | ((origin: string, req: IncomingMessage) => boolean | Promise<boolean>);

export interface CorsOptions {
  /** Allowed origins; default `'*'`. See {@link CorsOrigin}. */
  origin?: CorsOrigin;
  /** Methods a preflight allows. Default `GET,HEAD,PUT,PATCH,POST,DELETE`; `'*'` is every standard method (as Starlette's). */
  methods?: string | readonly string[];
  /** Request headers a preflight allows (besides the CORS-safelisted ones). Default, or `'*'`: those the preflight asks for (Access-Control-Request-Headers). */
  allowedHeaders?: string | readonly string[];
  /** Response headers the page may read besides the safelisted ones (Access-Control-Expose-Headers). */
  exposedHeaders?: string | readonly string[];
  /** Let the page send cookies and Authorization (Access-Control-Allow-Credentials: true). Default false. */
  credentials?: boolean;
  /** How long a browser may cache a preflight's answer, in seconds (Access-Control-Max-Age). Default 600. */
  maxAge?: number;
}

export const DEFAULT_CORS_MAX_AGE = 600;

// Loaded by cors(), not at import: an app that adds no CORS does not pay for the package at start.
const require = createRequire(import.meta.url);

type PackageHandler = ReturnType<typeof CorsPackage>;
type PackageOrigin = NonNullable<CorsPackage.CorsOptions['origin']>;

/**
 * Cross-origin resource sharing, by the `cors` package (Express's). Preflights (OPTIONS with Origin
 * and Access-Control-Request-Method) are answered here, before routing, as Starlette's
 * CORSMiddleware answers them: 200 `OK`, or 400 `Disallowed CORS origin` (`, method`, `, headers`)
 * naming what the configuration refuses; so no route needs an OPTIONS handler. Other requests go on
 * with the Access-Control-Allow-* headers set. An origin not allowed gets no
 * Access-Control-Allow-Origin (the browser then refuses the response to the page); `Vary: Origin` is
 * set whenever the answer depends on the origin.
 */
export function cors(options: CorsOptions = {}): Middleware {
  const origin = options.origin ?? '*';
  const corsPackage: typeof CorsPackage = require('cors');
  checkOrigin(origin, options.credentials === true);
  const preflight = preflightChecks(options);
  const base: CorsPackage.CorsOptions = {
    methods: [...preflight.methods].join(','),
    // '*' reflects the headers asked for (as Starlette): a literal '*' means nothing to a browser with credentials.
    allowedHeaders: preflight.headers === null ? undefined : list(options.allowedHeaders),
    exposedHeaders: list(options.exposedHeaders),
    credentials: options.credentials === true,
    maxAge: options.maxAge ?? DEFAULT_CORS_MAX_AGE,
    // The package only sets a preflight's headers; the answer (200 or 400) is written below.
    preflightContinue: true,
  };

  if (typeof origin !== 'function') {
    // One origin is a list of one: a request from any other gets no Access-Control-Allow-Origin
    // (the package would send the configured origin to everyone).
    const allowed = typeof origin === 'string' && origin !== '*' ? [origin] : origin;
    const handler = corsPackage({ ...base, origin: allowed as PackageOrigin });
    return function corsMiddleware(req, res, next) {
      return runPackage(handler, req, res, preflight) ? next() : undefined;
    };
  }

  // The package skips CORS altogether (no Vary either) when its origin callback says no, and lets a
  // refused preflight through to routing (a 405 here). So we ask the user's function ourselves and
  // give the package an answer it handles like a list's: the origin itself, or an empty list.
  const allow = corsPackage({ ...base, origin: (requestOrigin, callback) => callback(null, requestOrigin) });
  const refuse = corsPackage({ ...base, origin: [] });
  return async function corsMiddleware(req, res, next) {
    const requestOrigin = req.headers.origin;
    const allowed = typeof requestOrigin === 'string' && requestOrigin !== '' && (await origin(requestOrigin, req)) === true;
    return runPackage(allowed ? allow : refuse, req, res, preflight) ? next() : undefined;
  };
}

/**
 * Runs the package's middleware, which is synchronous with these options. True when the request
 * goes on to routing; false when it was a preflight, answered here.
 */
function runPackage(handler: PackageHandler, req: IncomingMessage, res: ServerResponse, checks: PreflightChecks): boolean {
  const origin = req.headers.origin;
  const requestedMethod = req.headers['access-control-request-method'];
  // As Starlette: a preflight has an Origin and Access-Control-Request-Method. The package takes
  // every OPTIONS for one; any other OPTIONS is an ordinary request (it goes to routing), so it is
  // shown to the package as one.
  const preflight = req.method === 'OPTIONS' && typeof origin === 'string' && typeof requestedMethod === 'string';
  const seen = req.method === 'OPTIONS' && !preflight ? (Object.create(req, { method: { value: 'GET' } }) as IncomingMessage) : req;
  let proceed = false;
  let failure: unknown;
  handler(seen as never, res as never, (error?: unknown) => {
    if (error !== undefined && error !== null) failure = error;
    else proceed = true;
  });
  if (failure !== undefined) throw failure;
  if (!preflight) return proceed;
  answerPreflight(res, checks, requestedMethod, req.headers['access-control-request-headers']);
  return false;
}

interface PreflightChecks {
  methods: ReadonlySet<string>;
  /** Lowercased; null: any header (the default reflects what the preflight asks for, or `'*'`). */
  headers: ReadonlySet<string> | null;
}

// What `methods: '*'` stands for, as Starlette's ALL_METHODS.
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
// Request headers a page may always send (the CORS-safelisted ones, as Starlette allows them too).
const SAFELISTED_HEADERS = ['accept', 'accept-language', 'content-language', 'content-type'];

function preflightChecks(options: CorsOptions): PreflightChecks {
  const methods = names(options.methods ?? 'GET,HEAD,PUT,PATCH,POST,DELETE');
  const headers = options.allowedHeaders === undefined ? null : names(options.allowedHeaders).map((name) => name.toLowerCase());
  return {
    methods: new Set(methods.includes('*') ? ALL_METHODS : methods),
    headers: headers === null || headers.includes('*') ? null : new Set([...SAFELISTED_HEADERS, ...headers]),
  };
}

/**
 * Starlette's answer: 200 `OK`, or 400 naming each part refused, in plain text. The origin was judged
 * by the package (an allowed one got its Access-Control-Allow-Origin); the browser refuses the
 * request either way, the text is for the developer reading the network tab.
 */
function answerPreflight(res: ServerResponse, checks: PreflightChecks, method: string, requestedHeaders: string | undefined): void {
  const failures: string[] = [];
  if (res.getHeader('access-control-allow-origin') === undefined) failures.push('origin');
  if (!checks.methods.has(method)) failures.push('method');
  if (checks.headers !== null && requestedHeaders !== undefined) {
    const allowed = checks.headers;
    const refused = requestedHeaders.split(',').some((name) => {
      const header = name.trim().toLowerCase();
      return header !== '' && !allowed.has(header);
    });
    if (refused) failures.push('headers');
  }
  const body = failures.length === 0 ? 'OK' : `Disallowed CORS ${failures.join(', ')}`;
  res.writeHead(failures.length === 0 ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function names(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? value.split(',') : value).map((name) => name.trim()).filter((name) => name !== '');
}

function list(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i;

/** The mistakes that silently break CORS, caught when the app is built. */
function checkOrigin(origin: CorsOrigin, credentials: boolean): void {
  const invalid = (message: string): never => {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `cors(): ${message}`);
  };
  if (origin === '*') {
    if (credentials) {
      invalid(
        "browsers refuse credentials with Access-Control-Allow-Origin: *. List the origins allowed (origin: ['https://app.example.com']), or pass origin: true to reflect any origin (every site could then call the API with the user's cookies).",
      );
    }
    return;
  }
  if (origin === true || typeof origin === 'function' || origin instanceof RegExp) return;
  const entries = typeof origin === 'string' ? [origin] : Array.isArray(origin) ? origin : invalid(`origin must be '*', an origin, a RegExp, a list of those, true or a function, not ${String(origin)}.`);
  for (const entry of entries) {
    if (entry instanceof RegExp) continue;
    if (typeof entry !== 'string' || (entry !== 'null' && !ORIGIN.test(entry))) {
      invalid(`${JSON.stringify(entry)} is not an origin: write scheme://host[:port], with no path or trailing slash (e.g. 'https://app.example.com').`);
    }
  }
}
