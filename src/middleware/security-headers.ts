import type { IncomingMessage } from 'node:http';
import { LoopwiseError } from '../errors.js';
import { nonNegativeInteger } from '../option-checks.js';
import type { Middleware } from './middleware.js';

/** CSP directives: a value (or list of sources), `true` for a directive without value, `false` to drop a default one. */
export type CspDirectives = Record<string, string | readonly string[] | boolean>;

export interface StrictTransportSecurityOptions {
  /** Seconds. Default 31536000 (one year). */
  maxAge?: number;
  /** Default true. */
  includeSubDomains?: boolean;
  /** Default false: ask for it only once you mean to stay on HTTPS (hstspreload.org). */
  preload?: boolean;
}

export interface SecurityHeadersOptions {
  /**
   * `Content-Security-Policy`. Directives are merged over {@link DEFAULT_CSP} (`false` drops one),
   * a string replaces the whole policy, `false` sends none.
   */
  contentSecurityPolicy?: CspDirectives | string | false;
  /** `X-Frame-Options`. Default `DENY` (the CSP's `frame-ancestors 'none'` says the same to newer browsers). */
  frameOptions?: 'DENY' | 'SAMEORIGIN' | false;
  /** `X-Content-Type-Options: nosniff`. Default true. */
  contentTypeOptions?: boolean;
  /** `Referrer-Policy`. Default `no-referrer`. */
  referrerPolicy?: string | false;
  /** `Cross-Origin-Opener-Policy`. Default `same-origin`. */
  crossOriginOpenerPolicy?: string | false;
  /** `Cross-Origin-Resource-Policy`, e.g. `same-origin`. Default: not sent (it would stop other sites embedding your images). */
  crossOriginResourcePolicy?: string | false;
  /**
   * `Strict-Transport-Security`. Default: sent on requests that came over TLS to this server
   * (`max-age=31536000; includeSubDomains`). `true` or options: on every response (behind a proxy
   * that terminates TLS); `false`: never.
   */
  strictTransportSecurity?: boolean | StrictTransportSecurityOptions;
}

/**
 * The default Content-Security-Policy: the app's own scripts, styles, images, fonts and fetches
 * only; no inline script, no plugins, no framing. loopwise's /docs (Swagger UI) and /redoc work
 * under it: they load only same-origin scripts; both inject styles at run time (`'unsafe-inline'`
 * styles) and ReDoc runs its search in a worker made from a `blob:`.
 */
export const DEFAULT_CSP: Readonly<Record<string, string>> = Object.freeze({
  'default-src': "'self'",
  'script-src': "'self'",
  'script-src-attr': "'none'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'font-src': "'self' data:",
  'connect-src': "'self'",
  'worker-src': "'self' blob:",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
});

/**
 * Sets the response headers that make browsers safer with your pages, as helmet's core does:
 * a Content-Security-Policy, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, `Cross-Origin-Opener-Policy: same-origin`, and HSTS on HTTPS.
 * Each can be changed or turned off; a header a route sets itself wins over the middleware's.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): Middleware {
  const headers: [string, string][] = [];
  const csp = contentSecurityPolicy(options.contentSecurityPolicy);
  if (csp !== null) headers.push(['content-security-policy', csp]);
  if (options.contentTypeOptions !== false) headers.push(['x-content-type-options', 'nosniff']);
  const frameOptions = options.frameOptions ?? 'DENY';
  if (frameOptions !== false) {
    if (frameOptions !== 'DENY' && frameOptions !== 'SAMEORIGIN') invalid(`frameOptions must be 'DENY', 'SAMEORIGIN' or false, not ${JSON.stringify(frameOptions)}`);
    headers.push(['x-frame-options', frameOptions]);
  }
  for (const [name, value, fallback] of [
    ['referrer-policy', options.referrerPolicy, 'no-referrer'],
    ['cross-origin-opener-policy', options.crossOriginOpenerPolicy, 'same-origin'],
    ['cross-origin-resource-policy', options.crossOriginResourcePolicy, false],
  ] as const) {
    const chosen = value ?? fallback;
    if (chosen !== false) headers.push([name, headerValue(name, chosen)]);
  }

  const hsts = options.strictTransportSecurity;
  const hstsValue = hsts === false ? null : strictTransportSecurity(typeof hsts === 'object' ? hsts : {});
  const hstsAlways = hsts === true || typeof hsts === 'object';

  return function securityHeadersMiddleware(req: IncomingMessage, res, next) {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (hstsValue !== null && (hstsAlways || (req.socket as { encrypted?: boolean }).encrypted === true)) res.setHeader('strict-transport-security', hstsValue);
    return next();
  };
}

function contentSecurityPolicy(setting: CspDirectives | string | false | undefined): string | null {
  if (setting === false) return null;
  if (typeof setting === 'string') return headerValue('content-security-policy', setting);
  const directives: Record<string, string | readonly string[] | boolean> = { ...DEFAULT_CSP };
  for (const [name, value] of Object.entries(setting ?? {})) {
    if (!/^[a-z-]+$/.test(name)) invalid(`${JSON.stringify(name)} is not a CSP directive name`);
    directives[name] = value;
  }
  const parts: string[] = [];
  for (const [name, value] of Object.entries(directives)) {
    if (value === false) continue;
    const text = value === true ? '' : typeof value === 'string' ? value : value.join(' ');
    if (/[;,\r\n]/.test(text)) invalid(`the CSP directive ${name} has a value with ";", "," or a line break: ${JSON.stringify(text)}`);
    parts.push(text === '' ? name : `${name} ${text}`);
  }
  return parts.join('; ');
}

function strictTransportSecurity(options: StrictTransportSecurityOptions): string {
  const maxAge = options.maxAge ?? 31_536_000;
  nonNegativeInteger(maxAge, 'securityHeaders() strictTransportSecurity.maxAge', { unit: 'seconds' });
  let value = `max-age=${maxAge}`;
  if (options.includeSubDomains !== false) value += '; includeSubDomains';
  if (options.preload === true) value += '; preload';
  return value;
}

function headerValue(name: string, value: string): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) invalid(`${name} must be a one-line text, not ${JSON.stringify(value)}`);
  return value;
}

function invalid(message: string): never {
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `securityHeaders(): ${message}.`);
}
