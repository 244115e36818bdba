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
  /** Methods a preflight allows. Default `GET,HEAD,PUT,PATCH,POST,DELETE`. */
  methods?: string | readonly string[];
  /** Request headers a preflight allows. Default: those the preflight asks for (Access-Control-Request-Headers). */
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
 * Cross-origin resource sharing, by the `cors` package (Express's). Preflights (OPTIONS with
 * Access-Control-Request-Method) are answered here, 204, before routing, so no route needs an
 * OPTIONS handler; other requests go on with the Access-Control-Allow-* headers set. An origin not
 * allowed gets no Access-Control-Allow-Origin (the browser then refuses the response to the page);
 * `Vary: Origin` is set whenever the answer depends on the origin.
 */
export function cors(options: CorsOptions = {}): Middleware {
  const origin = options.origin ?? '*';
  const corsPackage: typeof CorsPackage = require('cors');
  checkOrigin(origin, options.credentials === true);
  const base: CorsPackage.CorsOptions = {
    methods: list(options.methods) ?? 'GET,HEAD,PUT,PATCH,POST,DELETE',
    allowedHeaders: list(options.allowedHeaders),
    exposedHeaders: list(options.exposedHeaders),
    credentials: options.credentials === true,
    maxAge: options.maxAge ?? DEFAULT_CORS_MAX_AGE,
    preflightContinue: false,
    optionsSuccessStatus: 204,
  };

  if (typeof origin !== 'function') {
    // One origin is a list of one: a request from any other gets no Access-Control-Allow-Origin
    // (the package would send the configured origin to everyone).
    const allowed = typeof origin === 'string' && origin !== '*' ? [origin] : origin;
    const handler = corsPackage({ ...base, origin: allowed as PackageOrigin });
    return function corsMiddleware(req, res, next) {
      return runPackage(handler, req, res) ? next() : undefined;
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
    return runPackage(allowed ? allow : refuse, req, res) ? next() : undefined;
  };
}

/**
 * Runs the package's middleware, which is synchronous with these options. True when it called
 * `next` (the request goes on); false when it answered a preflight itself.
 */
function runPackage(handler: PackageHandler, req: IncomingMessage, res: ServerResponse): boolean {
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  // The package takes every OPTIONS for a preflight; one without Access-Control-Request-Method is an
  // ordinary request (it goes to routing), so it is shown to the package as one.
  const seen = req.method === 'OPTIONS' && !preflight ? (Object.create(req, { method: { value: 'GET' } }) as IncomingMessage) : req;
  let proceed = false;
  let failure: unknown;
  handler(seen as never, res as never, (error?: unknown) => {
    if (error !== undefined && error !== null) failure = error;
    else proceed = true;
  });
  if (failure !== undefined) throw failure;
  return proceed;
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
